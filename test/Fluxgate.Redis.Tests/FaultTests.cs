using StackExchange.Redis;

namespace Fluxgate.Redis.Tests;

/// <summary>
/// Redis killed, frozen, restarted empty, or down from the start: calls keep flowing locally, nothing reaches a caller,
/// warnings are throttled, and the fleet reconnects, republishes and decides quorums again afterwards. Each test has a
/// redis-server of its own.
/// </summary>
public sealed class FaultTests : IAsyncLifetime
{
    private readonly RedisServer _server = RedisServer.Start(forFaults: true);
    private readonly FleetKit _kit;

    public FaultTests() => _kit = new FleetKit(_server);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _kit.DisposeAsync();
        _server.Dispose();
    }

    [Fact]
    public async Task ServerKilledMidRun_CallsFlow_WarningsAreThrottled_AndTheFleetRecoversAfterARestart()
    {
        var (a, breakerA) = await Replicas("a", "b", "c");
        var (breakerB, breakerC) = (Breaker("b"), Breaker("c"));

        var mark = _kit.Entries.Count();
        _server.Kill();
        for (var i = 0; i < 3; i++)
        {
            await _kit.TickAllAsync(); // never throws, whatever Redis does
        }

        Assert.Equal(42, breakerA.Succeed(_kit.Clock));
        breakerA.Fail(_kit.Clock);
        Assert.Equal(CircuitState.Open, breakerA.State); // the breaker works on its own
        AssertWarnedOncePerReplica(mark); // not once per heartbeat

        _server.Restart();
        await UntilTickingAsync(() => Warnings("FleetRedisRestored") >= 3, "every replica publishes again");

        breakerB.Fail(_kit.Clock);
        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => breakerC.State == CircuitState.Open, "a quorum opens c again");
        _ = a;
    }

    [Fact]
    public async Task RedisAwayLongerThanTheReplicaTimeout_DoesNotEndTheEpisode_SoRecoveredReplicasStayClosed()
    {
        var (_, breakerA) = await Replicas("a", "b", "c");
        var (breakerB, breakerC) = (Breaker("b"), Breaker("c"));
        breakerA.Fail(_kit.Clock);
        breakerB.Fail(_kit.Clock);
        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => breakerC.State == CircuitState.Open, "c opens");
        await _kit.AdvanceAsync(FleetKit.Cooldown);
        breakerC.Succeed(_kit.Clock); // c recovers; a and b stay open

        _server.Kill();
        for (var i = 0; i < 5; i++)
        {
            _kit.Clock.Advance(FleetKit.Heartbeat); // past the replica timeout: every peer looks dead to every replica
            await _kit.TickAllAsync();
        }

        _server.Restart();
        await UntilTickingAsync(() => _kit.Fleets.All(f => f.PeersHeard.Count == 2), "the replicas hear each other again");
        await _kit.TickAllAsync();

        Assert.Equal(CircuitState.Closed, breakerC.State);
        Assert.DoesNotContain(_kit.Entries, e => e.EventId.Name == "FleetQuorumEpisodeEnded");
        Assert.DoesNotContain(_kit.Entries, e => e.Message.Contains(RedisServer.Password, StringComparison.Ordinal)); // nothing secret is logged
    }

    [Fact]
    public async Task Dispose_WhileRedisIsFrozen_DoesNotWaitForItsTimeouts()
    {
        var (a, breaker) = await _kit.ReplicaAsync("a");
        _server.Pause();
        try
        {
            var tick = a.TickAsync(); // stuck on Redis for up to its timeout
            await a.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            await tick.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _server.Resume();
        }

        Assert.Equal(42, breaker.Succeed(_kit.Clock));
    }

    [Fact]
    public async Task ServerFrozenPastTheTimeouts_CallsFlow_AndTheFleetCarriesOnWhenItThaws()
    {
        var (a, breakerA) = await Replicas("a", "b", "c");
        var (breakerB, breakerC) = (Breaker("b"), Breaker("c"));

        var mark = _kit.Entries.Count();
        _server.Pause();
        try
        {
            await _kit.TickAllAsync(); // each publish times out (asyncTimeout is 1 s here); nothing is thrown
            Assert.Equal(42, breakerA.Succeed(_kit.Clock));
            AssertWarnedOncePerReplica(mark);

            // The view gives up after the client's timeout, with the fleet's own exception.
            var view = await Assert.ThrowsAsync<FleetUnavailableException>(() => a.GetViewAsync("payments"));
            Assert.Contains("no answer in time", view.Message, StringComparison.Ordinal);
        }
        finally
        {
            _server.Resume();
        }

        await UntilTickingAsync(() => Warnings("FleetRedisRestored") >= 3, "every replica publishes again");
        breakerA.Fail(_kit.Clock);
        breakerB.Fail(_kit.Clock);
        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => breakerC.State == CircuitState.Open, "a quorum opens c");
    }

    [Fact]
    public async Task Fleet_ServerRestartedEmpty_ReplicasKeepTheirStateAndRepublish()
    {
        var (a, breakerA) = await Replicas("a", "b");
        await _kit.WhileTickingAsync(a.ForceOpenAsync("payments"), "the command is stored");
        await _kit.UntilAsync(() => Breaker("b").State == CircuitState.ForcedOpen, "b is forced open");

        _server.Restart(); // the stored command and every record are gone
        await UntilTickingAsync(RepublishedAsync, "the replicas publish again");
        await _kit.TickAllAsync();

        // A lost command is not a reset: the replicas stay as they were told, and show up again in the view.
        Assert.Equal((CircuitState.ForcedOpen, CircuitState.ForcedOpen), (breakerA.State, Breaker("b").State));
        var view = await a.GetViewAsync("payments");
        Assert.Equal(["a", "b"], view.Replicas.Select(r => r.ReplicaId));
        Assert.Null(view.LastCommand);

        async Task<bool> RepublishedAsync()
        {
            try
            {
                return (await a.GetViewAsync("payments")).Replicas.Count == 2;
            }
            catch (FleetUnavailableException)
            {
                return false; // not reconnected yet
            }
        }
    }

    [Fact]
    public async Task RedisDownFromTheStart_TheFleetStarts_AndJoinsWhenItComesUp()
    {
        _server.Kill();
        var (a, breakerA) = await _kit.ReplicaAsync("a");
        var (b, _) = await _kit.ReplicaAsync("b");

        Assert.Equal(42, breakerA.Succeed(_kit.Clock));
        _server.Restart();
        await UntilTickingAsync(() => b.PeersHeard.Contains("a") && a.PeersHeard.Contains("b"), "the replicas find each other");
    }

    [Fact]
    public async Task Dispose_WhileRedisIsDown_DoesNotHang()
    {
        var (a, breaker) = await _kit.ReplicaAsync("a");
        _server.Kill();

        await a.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(42, breaker.Succeed(_kit.Clock));
    }

    private readonly Dictionary<string, CircuitBreaker> _breakers = [];

    private CircuitBreaker Breaker(string id) => _breakers[id];

    [Fact]
    public async Task ASubscriptionTheClientFailedToRestore_IsMadeAgainByTheFleet_AndTheReplicaCoordinatesAgain()
    {
        // The client resubscribes after a reconnection without waiting for the answer, and does not try again until the
        // next reconnection; the fleet, holding its subscription, never asked again: heartbeats went out and none came
        // back. Here the client's attempt is refused on purpose (the fleet user may not subscribe while its connections are
        // dropped) and allowed again only once the fleet, seeing the channel unsubscribed, has tried by itself.
        var (a, _) = await _kit.ReplicaAsync("a");
        using var admin = await ConnectionMultiplexer.ConnectAsync(_server.AdminConnectionString);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ExecuteAsync("ACL", ["SETUSER", RedisServer.User, "-subscribe"]);
        await server.ExecuteAsync("CLIENT", ["KILL", "USER", RedisServer.User]);

        await UntilHeartbeatingAsync(a, () => a.SubscriptionsDropped > 0, "a drops the subscription the client lost, to subscribe again");
        Assert.DoesNotContain(_kit.Entries, e => e.EventId.Name == "FleetSubscriptionRenewed"); // at once: not after three replica timeouts of silence
        await server.ExecuteAsync("ACL", ["SETUSER", RedisServer.User, "+subscribe"]);
        await UntilHeartbeatingAsync(a, () => a.IsCoordinating && Subscribers(server) == 1, () => $"a hears its echo again, subscribed once (coordinating: {a.IsCoordinating}, subscribers: {Subscribers(server)}, dropped: {a.SubscriptionsDropped}; {string.Join(" | ", _kit.Entries.Select(e => e.Message))})");
    }

    private long Subscribers(IServer server) =>
        (long)((RedisResult[])server.Execute("PUBSUB", ["NUMSUB", new Fluxgate.Redis.Internal.FleetKeys(_kit.Application).Channel])!)[1];

    /// <summary>Moves the clock a heartbeat at a time, ticking <paramref name="fleet"/>, until <paramref name="condition"/> holds.</summary>
    private Task UntilHeartbeatingAsync(CircuitBreakerFleet fleet, Func<bool> condition, string what) => UntilHeartbeatingAsync(fleet, condition, () => what);

    private async Task UntilHeartbeatingAsync(CircuitBreakerFleet fleet, Func<bool> condition, Func<string> what) =>
        await UntilAsync(
            async () =>
            {
                _kit.Clock.Advance(FleetKit.Heartbeat);
                await fleet.TickAsync();
                return condition();
            },
            what);

    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; the bound only turns a hang into a failure.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(30), $"Timed out waiting until {what()}.");
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }
    }

    private async Task<(CircuitBreakerFleet First, CircuitBreaker FirstBreaker)> Replicas(params string[] ids)
    {
        foreach (var id in ids)
        {
            var (_, breaker) = await _kit.ReplicaAsync(id);
            _breakers[id] = breaker;
        }

        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => _kit.Fleets.All(f => f.PeersHeard.Count == ids.Length - 1), "the replicas hear each other");
        return (_kit.Fleets[0], _breakers[ids[0]]);
    }

    private int Warnings(string eventName) => _kit.Entries.Count(e => e.EventId.Name == eventName);

    /// <summary>
    /// Each replica has said that Redis is unavailable since it last connected, and at most once since the log held
    /// <paramref name="mark"/> entries. Counted per replica and from its last connection, not as a total since the mark:
    /// a warning at a slow start (a first round that failed before the replica connected) throttles the next one until
    /// the replica connects again, and may be logged just after it did (in one run of 20, two of three replicas warned
    /// after the kill and the third did not, its start's warning the likely reason: the log was not kept).
    /// </summary>
    private void AssertWarnedOncePerReplica(int mark)
    {
        var entries = _kit.Entries.ToList();
        foreach (var id in _breakers.Keys)
        {
            var own = entries.Select((entry, index) => (entry, index)).Where(e => e.entry.Category == "Fluxgate.Redis." + id).ToList();
            var connected = own.FindLastIndex(e => e.entry.EventId.Name is "FleetConnected" or "FleetRedisRestored");
            var warned = own.Skip(connected + 1).Count(e => e.entry.EventId.Name == "FleetRedisUnavailable");
            var warnedSinceMark = own.Count(e => e.index >= mark && e.entry.EventId.Name == "FleetRedisUnavailable");
            Assert.True(warned >= 1 && warnedSinceMark <= 1, $"Replica {id} warned {warned} time(s) since it last connected, {warnedSinceMark} since Redis went away; expected at least one and at most one. Its log: {string.Join(", ", own.Select(e => $"#{e.index} {e.entry.LoggedAt:HH:mm:ss.fff} {e.entry.EventId.Name}"))}; Redis went away at entry #{mark}.");
        }
    }

    private Task UntilTickingAsync(Func<bool> condition, string what) => _kit.TickUntilAsync(condition, what);

    private Task UntilTickingAsync(Func<Task<bool>> condition, string what) => _kit.TickUntilAsync(condition, what);
}
