using Fluxgate.Redis.Internal;

namespace Fluxgate.Redis.Tests.Transport;

/// <summary>
/// Commands against a transport of the test's own: an issuer's own applied when given and never again by their echo, and
/// every command reaching the breaker in the order the fleet notes it.
/// </summary>
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

    [Fact]
    public async Task CommandAsync_WhileAnotherReplicasCommandNotedEarlierIsStillBeingApplied_IsAppliedAfterIt()
    {
        // Defect: a delivery thread noted another replica's command, then applied it outside any lock; a command given here
        // meanwhile was noted after it but applied before it, so the older command stayed in force here while the fleet
        // counted the newer one.
        await _fleet.StartAsync();
        var clock = new PausingClock(_clock);
        var waitingOrApplied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { Name = "payments", TimeProvider = clock, Listeners = { new OnTransition(() => waitingOrApplied.TrySetResult()) } });
        _fleet.Join(breaker);
        var foreign = new Thread(() => _fleet.Receive(FleetMessages.WriteCommand(new CommandMessage("payments", FleetCommand.ForceOpen, "from-b", 0, "b", Incarnation: 7)))) { IsBackground = true };
        Task? local = null;
        var given = new Thread(() => local = _fleet.ResetAsync("payments")) { IsBackground = true };

        // The delivery reads the breaker's clock twice: for the breaker's figures, while the fleet notes the command (under
        // its lock), then as the breaker begins the transition the command asks for. It is held at the second.
        clock.Hold(foreign, read: 2);
        foreign.Start();
        try
        {
            Assert.True(clock.Paused.Wait(TimeSpan.FromSeconds(30)), "the other replica's command never reached the breaker");

            // Now a command is given here, on a thread of its own. It either waits for the other command to be applied (told
            // by the fleet's seam) or is applied at once (told by the breaker's listener); the held command goes on only then.
            _fleet.CommandOrderContended = () => waitingOrApplied.TrySetResult();
            given.Start();
            await waitingOrApplied.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            clock.Release(); // also when a wait failed: the held thread must not be left behind
        }

        Assert.True(foreign.Join(TimeSpan.FromSeconds(30)) && given.Join(TimeSpan.FromSeconds(30)), "a command never finished");
        await local!;

        // The reset was noted last, so it is the one in force; before the fix it applied at once and was overtaken.
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    public async ValueTask DisposeAsync() => await _fleet.DisposeAsync();

    /// <summary>A sync listener that runs an action on every transition.</summary>
    private sealed class OnTransition(Action action) : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => action();
    }

    /// <summary>A fake clock that holds one thread at its n-th timestamp read until <see cref="Release"/>.</summary>
    private sealed class PausingClock(FakeTimeProvider inner) : TimeProvider
    {
        private readonly ManualResetEventSlim _release = new();
        private Thread? _thread;
        private int _reads;
        private int _holdAt = -1;

        public ManualResetEventSlim Paused { get; } = new();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp()
        {
            if (ReferenceEquals(Thread.CurrentThread, _thread) && ++_reads == _holdAt)
            {
                Paused.Set();
                _release.Wait();
            }

            return inner.GetTimestamp();
        }

        public void Hold(Thread thread, int read) => (_thread, _holdAt) = (thread, read);

        public void Release() => _release.Set();
    }
}
