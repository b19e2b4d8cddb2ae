namespace Fluxgate.Redis.Tests.Transport;

/// <summary>
/// Commands given back to back while each store completes on the thread pool, as the client's replies do: every one is
/// sent at once, none waits for a heartbeat (the clock here never moves, so a stranded command would wait forever).
/// </summary>
public sealed class CommandSendingTests : IAsyncDisposable
{
    private readonly LoopbackTransport _transport = new() { StoresOnThePool = true };
    private readonly CircuitBreakerFleet _fleet;

    public CommandSendingTests() =>
        _fleet = new CircuitBreakerFleet(
            new CircuitBreakerFleetOptions
            {
                Application = "app",
                ReplicaId = "a",
                TimeProvider = new WithoutTimers(TestKit.NewClock()),
            },
            _ => _transport);

    [Fact]
    public async Task CommandAsync_GivenAsTheSenderFinishesTheLastOne_IsSentWithoutWaitingForAHeartbeat()
    {
        // Defect: the sender decided "nothing left" under the lock, but a new command checked whether the sender's task had
        // completed, which it does only after the lock is released: a command given in between was left for the next
        // heartbeat (in a test on a fake clock, forever: CommandTests hung twice in 20 runs of the Redis suite).
        await _fleet.StartAsync();
        for (var i = 0; i < 5_000; i++)
        {
            var stored = _transport.Stored;
            var first = _fleet.CommandAsync("payments", FleetCommand.Disable);
            while (_transport.Stored == stored)
            {
                Thread.SpinWait(1); // until the store is completing: the sender is about to find nothing left
            }

            var second = _fleet.CommandAsync("payments", FleetCommand.Reset); // races the sender's exit
            var both = Task.WhenAll(first, second);
            if (await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(10), TimeProvider.System)) != both)
            {
                Assert.Fail($"Round {i}: a command was not sent within 10 s (stores so far: {_transport.Stored}).");
            }
        }

        Assert.Equal(10_000, _transport.Stored);
    }

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();
}
