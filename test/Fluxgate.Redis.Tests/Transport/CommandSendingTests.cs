namespace Fluxgate.Redis.Tests.Transport;

/// <summary>
/// Commands given back to back while each store completes on the thread pool, as the client's replies do: every one is
/// sent at once, none waits for a heartbeat (the clock here never moves, so a stranded command would wait forever).
/// </summary>
public sealed class CommandSendingTests : IAsyncDisposable
{
    // The race is a few instructions wide: on the old code a run of 5,000 rounds caught it about one time in three; with
    // 20,000, four runs of six did (rounds 248 to 9,986).
    private const int Rounds = 20_000;

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
        for (var i = 0; i < Rounds; i++)
        {
            var stored = _transport.Stored;
            var first = _fleet.CommandAsync("payments", FleetCommand.Disable);

            // Until the store is completing: the sender is about to find nothing left. A busy spin keeps the window narrow
            // (SpinWait's early yields let the race slip by more often); past 10,000 spins the pool is backed up and this
            // thread yields its core to it.
            for (var spins = 0; _transport.Stored == stored; spins++)
            {
                if (spins < 10_000)
                {
                    Thread.SpinWait(1);
                }
                else
                {
                    Thread.Yield();
                }
            }

            var second = _fleet.CommandAsync("payments", FleetCommand.Reset); // races the sender's exit
            var both = Task.WhenAll(first, second);
            if (await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(10), TimeProvider.System)) != both)
            {
                Assert.Fail($"Round {i}: a command was not sent within 10 s (stores so far: {_transport.Stored}).");
            }
        }

        Assert.Equal(2 * Rounds, _transport.Stored);
    }

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();
}
