namespace Fluxgate.Redis.Tests;

/// <summary>Quorum-driven opening across replicas with connections of their own to a real redis-server.</summary>
public sealed class QuorumTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly FleetKit _kit = new(redis.Server);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    [Fact]
    public async Task Quorum_TwoOfThreeOpenOnTheirOwnEvidence_OpensTheThirdAsIfItsTripperFired()
    {
        var (a, breakerA) = await _kit.ReplicaAsync("a");
        var (b, breakerB) = await _kit.ReplicaAsync("b");
        var listener = new RecordingListener();
        var c = await _kit.FleetAsync("c");
        var breakerC = FleetKit.Breaker(_kit.Clock, listener);
        c.Join(breakerC);
        await _kit.TickAllAsync();
        await _kit.UntilHeardAsync(c, "a", "b");

        breakerA.Fail(_kit.Clock);
        await a.TickAsync();
        await _kit.UntilAsync(() => c.PeersOpenOnOwnEvidence("payments") == 1, "c hears a's open");
        Assert.Equal(CircuitState.Closed, breakerC.State);

        breakerB.Fail(_kit.Clock);
        await b.TickAsync();
        // The listener hears the transition after the breaker's lock is released: wait for both, not the state alone.
        await _kit.UntilAsync(() => breakerC.State == CircuitState.Open && listener.Transitions.Count > 0, "c opens and says so");

        Assert.Equal([(CircuitState.Closed, CircuitState.Open)], listener.Transitions);
        Assert.Equal(FleetKit.Cooldown, breakerC.AssertRejects().RetryAfter); // its own Retry's wait
        await _kit.AdvanceAsync(FleetKit.Cooldown);
        breakerC.Succeed(_kit.Clock);                                      // its own half-open recovery
        Assert.Equal(CircuitState.Closed, breakerC.State);
        Assert.Contains(_kit.Entries, e => e.EventId.Name == "FleetQuorumOpened" && e.Message.Contains("2 of 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Quorum_OneReplicaOpenAlone_NeverOpensTheOthers()
    {
        var (a, breakerA) = await _kit.ReplicaAsync("a");
        var (b, breakerB) = await _kit.ReplicaAsync("b");
        var (c, breakerC) = await _kit.ReplicaAsync("c");

        breakerA.Fail(_kit.Clock);
        for (var i = 0; i < 3; i++)
        {
            await _kit.TickAllAsync();
        }

        await _kit.UntilAsync(() => b.PeersOpenOnOwnEvidence("payments") == 1 && c.PeersOpenOnOwnEvidence("payments") == 1, "b and c hear a's open");
        await _kit.TickAllAsync();
        Assert.Equal((CircuitState.Open, CircuitState.Closed, CircuitState.Closed), (breakerA.State, breakerB.State, breakerC.State));
        var view = await b.GetViewAsync("payments");
        Assert.Equal((3, 1, 2), (view.LiveReplicas, view.OpenedOnOwnEvidence, view.Quorum));
    }

    [Fact]
    public async Task TwoReplicas_OnlyOneOpen_IsNoQuorum()
    {
        var (a, breakerA) = await _kit.ReplicaAsync("a");
        var (b, breakerB) = await _kit.ReplicaAsync("b");

        breakerA.Fail(_kit.Clock);
        await a.TickAsync();
        await _kit.UntilAsync(() => b.PeersOpenOnOwnEvidence("payments") == 1, "b hears a's open");
        await b.TickAsync();

        Assert.Equal(CircuitState.Closed, breakerB.State);
    }

    [Fact]
    public async Task Recovery_IsLocal_AndTheSameEpisodeNeverReopensARecoveredReplica()
    {
        var (c, breakerA, breakerB, breakerC) = await QuorumOpensCAsync();

        // c probes for itself and recovers; a and b keep failing their probes, so the quorum holds.
        await _kit.AdvanceAsync(FleetKit.Cooldown);
        breakerC.Succeed(_kit.Clock);
        breakerA.Fail(_kit.Clock);
        breakerB.Fail(_kit.Clock);
        for (var i = 0; i < 5; i++)
        {
            await _kit.TickAllAsync();
            await _kit.UntilAsync(() => c.PeersOpenOnOwnEvidence("payments") == 2, "c hears a and b still open");
        }

        Assert.Equal(CircuitState.Closed, breakerC.State);
        Assert.Equal(CircuitState.Open, breakerA.State);

        // The episode ends when a and b have stayed recovered for a replica timeout; a new quorum is a new episode, and c
        // opens again.
        await _kit.AdvanceAsync(FleetKit.Cooldown);
        breakerA.Succeed(_kit.Clock);
        breakerB.Succeed(_kit.Clock);
        await _kit.AdvanceAsync(4 * FleetKit.Heartbeat);
        await _kit.UntilAsync(() => _kit.Entries.Any(e => e.EventId.Name == "FleetQuorumEpisodeEnded" && e.Category.EndsWith(".c", StringComparison.Ordinal)), "c sees the episode end");

        breakerA.Fail(_kit.Clock);
        breakerB.Fail(_kit.Clock);
        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => breakerC.State == CircuitState.Open, "c opens in the new episode");
    }

    [Fact]
    public async Task Quorum_AReplicaClosesBetweenTwoFailedProbes_DoesNotStartANewEpisode()
    {
        var (c, breakerA, _, breakerC) = await QuorumOpensCAsync();
        await _kit.AdvanceAsync(FleetKit.Cooldown);
        breakerC.Succeed(_kit.Clock); // c recovers

        // A flaky dependency: a's probe succeeds (closed, the quorum is lost for a heartbeat), then a fails again.
        breakerA.Succeed(_kit.Clock);
        await _kit.AdvanceAsync(FleetKit.Heartbeat);
        breakerA.Fail(_kit.Clock); // closed again, one failure opens it
        await _kit.AdvanceAsync(FleetKit.Heartbeat);
        await _kit.UntilAsync(() => c.PeersOpenOnOwnEvidence("payments") == 2, "c hears a open again");
        await c.TickAsync();

        Assert.Equal(CircuitState.Closed, breakerC.State);
        Assert.DoesNotContain(_kit.Entries, e => e.EventId.Name == "FleetQuorumEpisodeEnded");
    }

    [Fact]
    public async Task Quorum_AReplicaTheFleetOpened_NeverCounts()
    {
        var (_, breakerA) = await _kit.ReplicaAsync("a");
        var (_, breakerB) = await _kit.ReplicaAsync("b");
        var (c, breakerC) = await _kit.ReplicaAsync("c");
        var (d, breakerD) = await _kit.ReplicaAsync("d", configure: o => o.QuorumMinimum = 3);
        await _kit.TickAllAsync();
        await _kit.UntilHeardAsync(c, "a", "b", "d");

        // Quorum for c (min 2): a and b open; c and d's view differs: d needs 3.
        breakerA.Fail(_kit.Clock);
        breakerB.Fail(_kit.Clock);
        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => breakerC.State == CircuitState.Open, "c opens");
        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => d.PeersHeard.Count == 3, "d heard all");
        await d.TickAsync();

        // c is open, but by the fleet: d counts 2 of 4 on their own evidence, below its quorum of 3.
        Assert.Equal(CircuitState.Closed, breakerD.State);
        var view = await d.GetViewAsync("payments");
        Assert.Equal([true, true, false, false], view.Replicas.Select(r => r.OpenedOnOwnEvidence));
        Assert.Equal(CircuitState.Open, view.Replicas.Single(r => r.ReplicaId == "c").State);
    }

    [Fact]
    public async Task Quorum_AFailedProbeAfterTheFleetOpenedAReplica_IsThatReplicasOwnEvidence()
    {
        var (c, _, _, breakerC) = await QuorumOpensCAsync();
        await c.TickAsync();
        Assert.False((await c.GetViewAsync("payments")).Replicas.Single(r => r.ReplicaId == "c").OpenedOnOwnEvidence);

        await _kit.AdvanceAsync(FleetKit.Cooldown);
        breakerC.Fail(_kit.Clock);  // its own probe fails: reopened by its own tripper
        await c.TickAsync();

        Assert.True((await c.GetViewAsync("payments")).Replicas.Single(r => r.ReplicaId == "c").OpenedOnOwnEvidence);
    }

    [Fact]
    public async Task ADeadReplica_DropsOutAfterTheReplicaTimeout_AndItsOpenNoLongerCounts()
    {
        var silentClock = TestKit.NewClock(); // never advanced: its replica heartbeats once, at joining
        var (_, breakerDead) = await _kit.ReplicaAsync("dead", silentClock);
        breakerDead.Fail(silentClock);
        var dead = _kit.Fleets[0];
        await dead.TickAsync();
        var (b, breakerB) = await _kit.ReplicaAsync("b");
        var (c, breakerC) = await _kit.ReplicaAsync("c");
        var (d, breakerD) = await _kit.ReplicaAsync("d");
        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => c.PeersOpenOnOwnEvidence("payments") == 1 && d.PeersOpenOnOwnEvidence("payments") == 1, "c and d hear the dead replica's open");

        await _kit.AdvanceAsync(3 * FleetKit.Heartbeat + TimeSpan.FromMilliseconds(1)); // the others go on beating
        await _kit.UntilAsync(() => !c.PeersHeard.Contains("dead") && !d.PeersHeard.Contains("dead"), "the silent replica drops out");

        breakerB.Fail(_kit.Clock);
        await b.TickAsync();
        await _kit.UntilAsync(() => c.PeersOpenOnOwnEvidence("payments") == 1 && d.PeersOpenOnOwnEvidence("payments") == 1, "c and d hear b's open");
        await Task.WhenAll(c.TickAsync(), d.TickAsync());

        // Only b's open counts now: one of three live replicas is no quorum.
        Assert.Equal((CircuitState.Closed, CircuitState.Closed), (breakerC.State, breakerD.State));
    }

    [Fact]
    public async Task DisposeAsync_OfAReplica_DropsItFromThePeersAtOnce()
    {
        var (a, breakerA) = await _kit.ReplicaAsync("a");
        var (b, _) = await _kit.ReplicaAsync("b");
        await _kit.TickAllAsync();
        await _kit.UntilHeardAsync(b, "a");

        await a.DisposeAsync();
        await _kit.UntilAsync(() => !b.PeersHeard.Contains("a"), "b drops a");

        var view = await b.GetViewAsync("payments");
        Assert.Equal(["b"], view.Replicas.Select(r => r.ReplicaId));
        Assert.Equal(CircuitState.Closed, breakerA.State); // leaving changes nothing locally
    }

    [Fact]
    public async Task Quorum_ReplicasOfAnotherApplication_AreNotSeen()
    {
        await using var other = new FleetKit(redis.Server);
        await _kit.ReplicaAsync("a");
        var (stranger, strangerBreaker) = await other.ReplicaAsync("a2");
        var (b, breakerB) = await _kit.ReplicaAsync("b");
        strangerBreaker.Fail(other.Clock);
        await stranger.TickAsync();
        await _kit.TickAllAsync();
        await _kit.UntilHeardAsync(b, "a");

        Assert.DoesNotContain("a2", b.PeersHeard);
        Assert.Equal(["a", "b"], (await b.GetViewAsync("payments")).Replicas.Select(r => r.ReplicaId));
        Assert.Equal(CircuitState.Closed, breakerB.State);
    }

    /// <summary>Three replicas a, b and c that heard each other; a and b open on their own evidence and the quorum opens c.</summary>
    private async Task<(CircuitBreakerFleet C, CircuitBreaker A, CircuitBreaker B, CircuitBreaker CBreaker)> QuorumOpensCAsync()
    {
        var (_, breakerA) = await _kit.ReplicaAsync("a");
        var (_, breakerB) = await _kit.ReplicaAsync("b");
        var (c, breakerC) = await _kit.ReplicaAsync("c");
        await _kit.TickAllAsync();
        await _kit.UntilHeardAsync(c, "a", "b");
        breakerA.Fail(_kit.Clock);
        breakerB.Fail(_kit.Clock);
        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => breakerC.State == CircuitState.Open, "c opens");
        return (c, breakerA, breakerB, breakerC);
    }

    [Fact]
    public async Task OneBreakerJoinedToASecondFleet_IsRefused_SoOneProcessIsNeverTwoReplicas()
    {
        // Defect: one breaker joined to two fleets of one application counted as two replicas, and opened a healthy third.
        var (a, breaker) = await _kit.ReplicaAsync("a");
        var second = await _kit.FleetAsync("a-again");

        var error = Assert.Throws<ArgumentException>(() => second.Join(breaker));

        Assert.Equal("breaker", error.ParamName);
        Assert.Contains($"already joined the fleet of application '{_kit.Application}' as replica 'a'", error.Message, StringComparison.Ordinal);
        Assert.Empty(second.Breakers);

        // Once it has left the first fleet (or that fleet is gone), it may join another.
        Assert.True(a.Leave(breaker));
        second.Join(breaker);
        Assert.Same(breaker, Assert.Single(second.Breakers));
    }

    [Fact]
    public async Task ReplicasWithDifferentPolicies_AreWarnedAbout_AndTheViewShowsEachPolicy()
    {
        // Defect: services sharing an application and a breaker name shared a quorum silently, whatever their policies.
        var (a, _) = await _kit.ReplicaAsync("a");
        var other = await _kit.FleetAsync("other-service");
        other.Join(new CircuitBreaker(new CircuitBreakerOptions { Name = "Payments", TimeProvider = _kit.Clock, Tripper = Tripper.MinRequests(1000) & Tripper.FailureRate(0.5) }));
        await _kit.TickAllAsync();
        await _kit.UntilAsync(() => _kit.Entries.Count(e => e.EventId.Name == "FleetPolicyMismatch") >= 2, "both replicas warn");

        var warning = _kit.Entries.First(e => e.EventId.Name == "FleetPolicyMismatch" && e.Category.EndsWith(".a", StringComparison.Ordinal));
        Assert.Contains("'other-service'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("MinRequests(1000)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("FailureStreak(1)", warning.Message, StringComparison.Ordinal);
        var view = await a.GetViewAsync("payments");
        Assert.True(view.PoliciesDiffer);
        Assert.Contains("MinRequests(1000)", view.Replicas.Single(r => r.ReplicaId == "other-service").Policy, StringComparison.Ordinal);
        Assert.Contains("FailureStreak(1)", view.Replicas.Single(r => r.ReplicaId == "a").Policy, StringComparison.Ordinal);

        await _kit.TickAllAsync();
        Assert.Equal(2, _kit.Entries.Count(e => e.EventId.Name == "FleetPolicyMismatch")); // said once per replica and policy
    }

    [Fact]
    public async Task TheView_OfAnOpenReplica_ShowsTheFiguresThatOpenedIt_AndWhy()
    {
        // Friction: an open replica showed 0/0 failed, its window cleared on opening.
        var (a, breakerA) = await _kit.ReplicaAsync("a");
        breakerA.Succeed(_kit.Clock);
        breakerA.Succeed(_kit.Clock);
        breakerA.Fail(_kit.Clock);
        await a.TickAsync();

        var replica = Assert.Single((await a.GetViewAsync("payments")).Replicas);

        Assert.Equal((CircuitState.Open, TransitionCause.Tripper, 3L, 1L, true), (replica.State, replica.Cause, replica.TotalCount, replica.FailureCount, replica.OpenedOnOwnEvidence));
    }
}
