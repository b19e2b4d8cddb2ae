using Fluxgate.Redis.Internal;

namespace Fluxgate.Redis.Tests.Transport;

/// <summary>An issuer's own commands against a transport of the test's own: applied when given, never again by their echo.</summary>
public sealed class CommandEchoTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly LoopbackTransport _transport = new();
    private readonly CircuitBreakerFleet _fleet;

    public CommandEchoTests() =>
        _fleet = new CircuitBreakerFleet(
            new CircuitBreakerFleetOptions { Application = "app", ReplicaId = "a", TimeProvider = new WithoutTimers(_clock) },
            _ => _transport);

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    [InlineData(100)]
    public async Task Receive_TheIssuersOwnEcho_ArrivingCommandsLate_DoesNotUndoTheCommandsGivenSince(int later)
    {
        // Defect: the issuer knew its own commands by the last 32 ids; an echo delayed by a slow subscription past 32 later
        // commands was applied again (CommandTests' race test saw Disabled after MetricsOnly, 1 run in 40).
        await _fleet.StartAsync();
        var breaker = FleetKit.Breaker(_clock);
        _fleet.Join(breaker);
        await _fleet.DisableAsync("payments");
        Assert.True(_transport.StoredPayloads.TryDequeue(out var disable));
        for (var i = 0; i < later; i++)
        {
            await _fleet.CommandAsync("payments", i % 2 == 0 ? FleetCommand.MetricsOnly : FleetCommand.Reset);
        }

        var expected = breaker.State;
        _fleet.Receive(disable); // the first command's echo, late

        Assert.Equal(expected, breaker.State);
        Assert.NotEqual(CircuitState.Disabled, expected);
    }

    [Fact]
    public async Task Receive_ACommandOfThisReplicasIdFromAnotherProcess_IsApplied()
    {
        // The same id from another incarnation is another process (this replica restarted, or a tool using its id): its
        // command is news here.
        await _fleet.StartAsync();
        var breaker = FleetKit.Breaker(_clock);
        _fleet.Join(breaker);

        _fleet.Receive(FleetMessages.WriteCommand(new CommandMessage("payments", FleetCommand.ForceOpen, "other", 0, "a", Incarnation: int.MaxValue)));

        Assert.Equal(CircuitState.ForcedOpen, breaker.State);
    }

    public async ValueTask DisposeAsync() => await _fleet.DisposeAsync();
}
