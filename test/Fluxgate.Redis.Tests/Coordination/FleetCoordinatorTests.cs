using Fluxgate.Redis.Coordination;
using Fluxgate.Redis.Internal;

namespace Fluxgate.Redis.Tests.Coordination;

/// <summary>The fleet's rule, one event at a time, without Redis: replicas are coordinators with real breakers on a fake clock.</summary>
public sealed class FleetCoordinatorTests
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    private readonly SimulatedFleet _fleet = new(1, Heartbeat, 3 * Heartbeat, new QuorumRule(2, 0.5)) { MaxDelay = TimeSpan.Zero };

    [Fact]
    public void Decide_TwoOfThreeOpenOnTheirOwnEvidence_TripsOnlyTheClosedOne()
    {
        var (a, b, c) = Three();

        Fail(a);
        Fail(b);
        Beats(1);

        Assert.Equal([(FleetDecisionKind.Trip, 2, 3, 2)], c.Decisions.Select(d => (d.Decision.Kind, d.Decision.Opened, d.Decision.Live, d.Decision.Quorum)));
        Assert.Equal(TransitionCause.Coordinator, c.Breaker.GetInfo().Cause);
        Assert.Contains(a.Decisions, d => d.Decision.Kind == FleetDecisionKind.EpisodeStarted); // open already: nothing to trip
        Assert.False(c.Coordinator.IsOwnOpen(SimulatedFleet.Breaker));                       // the fleet's open is not evidence
    }

    [Fact]
    public void Decide_OneReplicaAlone_IsNeverAQuorum()
    {
        var (a, b, c) = Three();

        Fail(a);
        Beats(5);

        Assert.Empty(b.Decisions);
        Assert.Empty(c.Decisions);
        Assert.Equal(1, c.Coordinator.PeersOpenOnOwnEvidence(SimulatedFleet.Breaker));
    }

    [Fact]
    public void Decide_ARecoveredReplica_IsNotReopenedWhileTheEpisodeLasts()
    {
        var (a, b, c) = Three();
        Fail(a);
        Fail(b);
        Beats(1);

        Beats(2);                      // the cooldown (2 s) passes
        c.Call(fails: false);          // c probes and recovers
        a.Call(fails: true);           // a and b fail their probes: open again, on their own evidence
        b.Call(fails: true);
        Beats(10);

        Assert.Equal(CircuitState.Closed, c.Breaker.State);
        Assert.Single(c.Trips);
        Assert.True(a.Coordinator.IsOwnOpen(SimulatedFleet.Breaker));
        Assert.DoesNotContain(c.Decisions, d => d.Decision.Kind == FleetDecisionKind.EpisodeEnded);
    }

    [Fact]
    public void Decide_QuorumLostForAReplicaTimeout_EndsTheEpisode_AndTheNextQuorumTripsAgain()
    {
        var (a, b, c) = Three();
        Fail(a);
        Fail(b);
        Beats(1);
        Beats(2);
        foreach (var replica in new[] { a, b, c })
        {
            replica.Call(fails: false); // everyone recovers
        }

        Beats(2);
        Assert.DoesNotContain(c.Decisions, d => d.Decision.Kind == FleetDecisionKind.EpisodeEnded); // held: not a timeout yet
        Beats(2);
        Assert.Contains(c.Decisions, d => d.Decision.Kind == FleetDecisionKind.EpisodeEnded);

        Fail(a);
        Fail(b);
        Beats(1);
        Assert.Equal(2, c.Trips.Count);
    }

    [Fact]
    public void Decide_ARedisOutageLongerThanTheReplicaTimeout_DoesNotEndTheEpisode()
    {
        // Defect: when Redis came back, every peer not heard during the outage was dropped and a hold begun during the outage
        // had long expired, so the episode ended and the recovered replica was tripped again by the very next heartbeats.
        var (a, b, c) = Three();
        Fail(a);
        Fail(b);
        Beats(1);
        Beats(2);
        c.Call(fails: false); // c recovers; a and b stay open
        a.Call(fails: true);
        b.Call(fails: true);
        Beats(1);

        _fleet.StartOutage();
        Beats(14);            // heartbeats fail for 14 s, every peer long unheard
        _fleet.EndOutage();

        // c hears its own echo first: the channel works again, but a and b have not been heard yet.
        c.Beat();
        _fleet.RunUntil(_fleet.Now);
        Assert.True(c.Coordinator.IsConnected);
        Assert.Empty(c.Coordinator.Decide(_fleet.Now + TimeSpan.FromMilliseconds(500)));
        Beats(5);

        Assert.Single(c.Trips);
        Assert.Equal(CircuitState.Closed, c.Breaker.State);
        Assert.DoesNotContain(_fleet.Replicas.SelectMany(r => r.Decisions), d => d.Decision.Kind == FleetDecisionKind.EpisodeEnded);
    }

    [Fact]
    public void Decide_AnOutageNotNoticedYet_DoesNotCountTowardsTheHold()
    {
        var (a, b, c) = Three();
        Fail(a);
        Fail(b);
        Beats(1);
        Beats(2);
        foreach (var replica in new[] { a, b, c })
        {
            replica.Call(fails: false); // the quorum is lost: the hold begins
        }

        var lost = _fleet.Now;
        Beats(2);                       // heartbeats one and two seconds in: held
        _fleet.RunUntil(lost + TimeSpan.FromSeconds(2.5));
        _fleet.StartOutage();           // between two heartbeats: nobody has noticed yet
        _fleet.RunUntil(lost + TimeSpan.FromSeconds(3.2));
        c.Beat();                       // a replica timeout after the quorum was lost, but the last second was not seen

        Assert.DoesNotContain(c.Decisions, d => d.Decision.Kind == FleetDecisionKind.EpisodeEnded);
        Assert.False(c.Coordinator.IsConnected); // its publish failed: now it knows
    }

    [Fact]
    public void Decide_AfterAnOutage_ReplicasNotHeardYetStillCount_SoTheQuorumIsNotShrunk()
    {
        // Five replicas: the quorum is 3. Two are open; after an outage, c hears them again before it hears d and e, which
        // are closed. Were d and e dropped as dead, two of three would be a quorum and c would be tripped.
        var (a, b, c) = Three();
        var d = _fleet.Add("d");
        var e = _fleet.Add("e");
        Beats(2);
        Fail(a);
        Fail(b);
        Beats(2);
        Assert.Empty(c.Trips);

        _fleet.StartOutage();
        Beats(10);
        _fleet.EndOutage();
        foreach (var replica in new[] { c, a, b })
        {
            replica.Beat();              // d and e are a little behind
        }

        _fleet.RunUntil(_fleet.Now);

        Assert.True(c.Coordinator.IsConnected);
        Assert.Empty(c.Trips);
        Beats(3);
        Assert.Empty(c.Trips);
        Assert.Equal(CircuitState.Closed, c.Breaker.State);
        _ = (d, e);
    }

    [Fact]
    public void Decide_WhileTheChannelDoesNotWork_DecidesNothing()
    {
        var (a, b, c) = Three();
        _fleet.StartOutage();
        Beats(1);               // c's publish fails: not connected
        Fail(a);
        Fail(b);
        c.Hear(ReportOf(a)); // reports that get through some other way are kept…
        c.Hear(ReportOf(b));

        Assert.False(c.Coordinator.IsConnected);
        Assert.Empty(c.Coordinator.Decide(_fleet.Now)); // …but not acted on
        Assert.Equal(CircuitState.Closed, c.Breaker.State);
    }

    [Fact]
    public void Decide_NoEchoForAReplicaTimeout_StopsDeciding()
    {
        var (_, _, c) = Three();
        Assert.True(c.Coordinator.IsConnected);

        _fleet.RunUntil(_fleet.Now + TimeSpan.FromSeconds(3.5)); // heartbeats go out, none comes back (a silent subscription)

        Assert.Empty(c.Coordinator.Decide(_fleet.Now));
        Assert.False(c.Coordinator.IsConnected);
    }

    [Fact]
    public void SubscriptionSilent_HeartbeatsSentWithoutEcho_AsksForANewSubscriptionAfterThreeReplicaTimeoutsAndThreeHeartbeats()
    {
        var coordinator = new FleetCoordinator("x", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3));
        Assert.False(coordinator.SubscriptionSilent(TimeSpan.FromMinutes(5))); // nothing sent yet: nothing to miss

        Sent(coordinator, TimeSpan.FromSeconds(10));
        Assert.False(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(30))); // long enough, but one heartbeat is no pattern (a stall)

        Sent(coordinator, TimeSpan.FromSeconds(11));
        Sent(coordinator, TimeSpan.FromSeconds(12));
        Sent(coordinator, TimeSpan.FromSeconds(13)); // the wait runs from the first heartbeat not answered
        Assert.False(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(18.9)));
        Assert.True(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(19)));
        Assert.Equal(TimeSpan.FromSeconds(10), coordinator.UnansweredSince);

        coordinator.Resubscribed(); // renewed: the wait starts again with the next heartbeat
        Assert.False(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(60)));
        Sent(coordinator, TimeSpan.FromSeconds(20));
        Sent(coordinator, TimeSpan.FromSeconds(21));
        Sent(coordinator, TimeSpan.FromSeconds(22));
        Sent(coordinator, TimeSpan.FromSeconds(23));
        Assert.False(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(28.9)));
        Assert.True(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(29)));
    }

    [Fact]
    public void SubscriptionSilent_AnEchoHeardBeforeItsPublishReturned_CountsAsAnAnswer()
    {
        // The echo comes back on the subscription's connection and may be handled before the publish's await resumes.
        var coordinator = new FleetCoordinator("x", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3));
        for (var second = 0; second < 60; second++)
        {
            var report = coordinator.Report(0);
            coordinator.Heard(report, TimeSpan.FromSeconds(second));
            coordinator.Sent(report.Round, TimeSpan.FromSeconds(second));
        }

        Assert.False(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void SubscriptionSilent_AnOutage_StartsTheWaitAgain_ButAFailureAfterTheHeartbeatWentOutDoesNot()
    {
        var coordinator = new FleetCoordinator("x", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3));
        Sent(coordinator, TimeSpan.Zero);
        coordinator.Failed(); // the next heartbeat did not go out: Redis is away, which says nothing of the subscription
        for (var second = 1; second <= 30; second++)
        {
            coordinator.Report(0);
            coordinator.Failed();
        }

        Assert.False(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(31)));

        Sent(coordinator, TimeSpan.FromSeconds(31));
        for (var second = 32; second <= 40; second++)
        {
            Sent(coordinator, TimeSpan.FromSeconds(second));
            coordinator.Failed(heartbeatSent: true); // reading the commands timed out after the heartbeat went out
        }

        Assert.True(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(40))); // the wait for the echo of 31 s went on
    }

    [Fact]
    public void SubscriptionSilent_AnEchoOfALaterHeartbeat_AnswersTheEarlierOnesToo()
    {
        var coordinator = new FleetCoordinator("x", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3));
        Sent(coordinator, TimeSpan.Zero);
        var later = coordinator.Report(0);
        coordinator.Sent(later.Round, TimeSpan.FromSeconds(1));
        Sent(coordinator, TimeSpan.FromSeconds(2));
        Sent(coordinator, TimeSpan.FromSeconds(3));

        coordinator.Heard(later, TimeSpan.FromSeconds(9));

        Assert.False(coordinator.SubscriptionSilent(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Heard_AnEchoOfAHeartbeatSentBeforeAFailure_DoesNotSayTheChannelWorks()
    {
        // A slow echo that arrives after the next operation failed proves nothing of the channel now: taken as proof, it
        // would reconnect (and reset the warning throttle) between two failures.
        var coordinator = new FleetCoordinator("x", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3));
        var early = coordinator.Report(0);
        coordinator.Failed();

        Assert.Equal(PeerVerdict.Echo, coordinator.Heard(early, TimeSpan.FromSeconds(1)));
        Assert.False(coordinator.IsConnected);

        coordinator.Heard(coordinator.Report(0), TimeSpan.FromSeconds(2));
        Assert.True(coordinator.IsConnected);
    }

    [Fact]
    public void Heard_AReportOlderThanTheOneHeld_IsIgnored_ButARestartedReplicasFirstRoundIsTaken()
    {
        var coordinator = new FleetCoordinator("x", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3));
        coordinator.Join("payments");
        static ReplicaReport From(long round, bool open, long incarnation = 7, long atMs = 8_000) =>
            new("b", atMs, [new BreakerReport("payments", open ? CircuitState.Open : CircuitState.Closed, 1, TransitionCause.Tripper, 10, open ? 10 : 0, open, "")], round, incarnation);

        Assert.Equal(PeerVerdict.Accepted, coordinator.Heard(From(round: 8, open: true), TimeSpan.FromSeconds(1)));
        Assert.Equal(PeerVerdict.Stale, coordinator.Heard(From(round: 7, open: false, atMs: 9_000), TimeSpan.FromSeconds(1))); // arrived late; its wall clock says nothing
        Assert.Equal(1, coordinator.PeersOpenOnOwnEvidence("payments"));

        Assert.Equal(PeerVerdict.Accepted, coordinator.Heard(From(round: 8, open: true), TimeSpan.FromSeconds(2))); // the same round again
        Assert.Equal(PeerVerdict.Accepted, coordinator.Heard(From(round: 1, open: false, incarnation: 9, atMs: 1_000), TimeSpan.FromSeconds(2))); // restarted, on a clock behind
        Assert.Equal(0, coordinator.PeersOpenOnOwnEvidence("payments"));
        Assert.Equal(PeerVerdict.Accepted, coordinator.Heard(From(round: 1, open: true, incarnation: 0), TimeSpan.FromSeconds(3))); // a sender that does not say
        Assert.Equal(PeerVerdict.Accepted, coordinator.Heard(From(round: 0, open: false, incarnation: 0), TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void Command_TheEchoOfACommandGivenByThisProcess_IsADuplicateHoweverLate_ButNotFromAnotherProcessOrStorage()
    {
        var coordinator = new FleetCoordinator("a", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3)) { Incarnation = 42 };
        coordinator.Join("payments");
        var first = new CommandMessage("payments", FleetCommand.Disable, "first", 0, "a", 42);
        coordinator.Given(first);
        for (var i = 0; i < 100; i++)
        {
            coordinator.Given(new CommandMessage("payments", FleetCommand.Reset, $"later-{i}", 0, "a", 42)); // its id long forgotten
        }

        Assert.Equal(CommandVerdict.Duplicate, coordinator.Command(first));
        Assert.Equal(CommandVerdict.Apply, coordinator.Command(first with { Incarnation = 7 }));     // a's previous process
        Assert.Equal(CommandVerdict.Apply, coordinator.Command(first with { Id = "old", Incarnation = 0 })); // an issuer that does not say
        Assert.Equal(CommandVerdict.Apply, coordinator.Command(first with { Id = "stored" }, fromStorage: true, readAtVersion: coordinator.CommandVersion("payments")));
    }

    [Fact]
    public void Report_StampsTheIncarnation_AndItsRoundsGrow()
    {
        var coordinator = new FleetCoordinator("x", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3)) { Incarnation = 42 };

        var (first, second) = (coordinator.Report(0), coordinator.Report(0));

        Assert.Equal((42, 42), (first.Incarnation, second.Incarnation));
        Assert.True(second.Round > first.Round);
    }

    [Fact]
    public void Left_AReplicaThatLeaves_StopsCountingAtOnce()
    {
        var (a, b, c) = Three();
        Fail(a);
        b.HearLeave(a.Id);
        c.HearLeave(a.Id);
        a.Alive = false;
        Fail(b);
        Beats(1);

        Assert.Empty(c.Trips); // a's open went with it: b alone is no quorum
        Assert.DoesNotContain(a.Id, c.Coordinator.Peers);
    }

    [Fact]
    public void Decide_ADeadReplica_CountsUntilTheReplicaTimeout_ThenNoMore()
    {
        var (a, b, c) = Three();
        Fail(a);
        Beats(1);
        a.Alive = false;        // crashes, open
        Beats(4);               // past the replica timeout
        Fail(b);
        Beats(1);

        Assert.Empty(c.Trips);
        Assert.DoesNotContain(a.Id, c.Coordinator.Peers);
    }

    [Fact]
    public void Observe_OpenCycles_AreOwnEvidenceOnlyWhenTheBreakerBeganThem()
    {
        var replica = _fleet.Add("x");
        var own = () => { replica.Coordinator.Observe(SimulatedFleet.Breaker, replica.Breaker.GetInfo()); return replica.Coordinator.IsOwnOpen(SimulatedFleet.Breaker); };

        replica.Breaker.Trip();
        Assert.False(own());                        // a coordinator's open
        _fleet.RunUntil(_fleet.Now + TimeSpan.FromSeconds(2));
        replica.Call(fails: true);                  // half-open, then the probe fails: the reopen is its own
        replica.Call(fails: true);
        Assert.Equal(TransitionCause.ProbeFailed, replica.Breaker.GetInfo().Cause);
        Assert.True(own());
        _fleet.RunUntil(_fleet.Now + TimeSpan.FromSeconds(2));
        replica.Breaker.BeginCall().Abandon();      // half-open carries the cycle's origin on
        Assert.Equal(CircuitState.HalfOpen, replica.Breaker.State);
        Assert.True(own());
        replica.Breaker.ForceOpen();                // a person's open is never evidence
        Assert.False(own());
        replica.Breaker.Reset();
        replica.Call(fails: true);
        replica.Call(fails: true);
        Assert.True(own());                         // the tripper's open
    }

    [Fact]
    public void Observe_MoreTransitionsBetweenTwoLooksThanTheHistoryKeeps_StillReadsTheCycleRight()
    {
        var replica = _fleet.Add("x");
        var own = () => { replica.Coordinator.Observe(SimulatedFleet.Breaker, replica.Breaker.GetInfo()); return replica.Coordinator.IsOwnOpen(SimulatedFleet.Breaker); };
        Assert.False(own());

        for (var i = 0; i < 2 * CircuitBreaker.RecentTransitionsKept; i++)
        {
            replica.Breaker.Reset();
        }

        replica.Breaker.Trip();
        Assert.False(own());

        for (var i = 0; i < 2 * CircuitBreaker.RecentTransitionsKept; i++)
        {
            replica.Breaker.Reset();
        }

        replica.Call(fails: true);
        replica.Call(fails: true);
        Assert.True(own());
    }

    [Fact]
    public void Report_OfAnOpenBreaker_CarriesTheFiguresThatOpenedIt()
    {
        var replica = _fleet.Add("x");
        replica.Call(fails: false);
        replica.Call(fails: true);
        replica.Call(fails: true);

        replica.Coordinator.Observe(SimulatedFleet.Breaker, replica.Breaker.GetInfo());
        var report = Assert.Single(replica.Coordinator.Report(0).Breakers);

        Assert.Equal((CircuitState.Open, TransitionCause.Tripper, 3L, 2L, true), (report.State, report.Cause, report.Total, report.Failures, report.Own));
        Assert.StartsWith("Window=Count(10); ", report.Policy, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_IsAppliedOncePerId_AStaleReadIsSkipped_AndAStoredResetOnlyEndsACommandedState()
    {
        var coordinator = new FleetCoordinator("x", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3));
        coordinator.Join("payments");
        var force = new CommandMessage("payments", FleetCommand.ForceOpen, "1", 0, "ops");
        var reset = new CommandMessage("PAYMENTS", FleetCommand.Reset, "2", 0, "ops");

        Assert.Equal(CommandVerdict.Duplicate, coordinator.Command(force with { Breaker = "inventory" }));
        var version = coordinator.CommandVersion("payments");
        Assert.Equal(CommandVerdict.Apply, coordinator.Command(force));
        Assert.Equal(CommandVerdict.Duplicate, coordinator.Command(force));                               // its echo
        Assert.Equal(CommandVerdict.Stale, coordinator.Command(reset, fromStorage: true, readAtVersion: version)); // read before the force was applied
        Assert.Equal(CommandVerdict.Noted, coordinator.Command(reset, fromStorage: true, readAtVersion: coordinator.CommandVersion("payments"))); // closed here: nothing to end

        var commanded = new FleetCoordinator("y", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3));
        commanded.Join("payments");
        var clock = TestKit.NewClock();
        var breaker = new CircuitBreaker(TestKit.Options(clock));
        breaker.ForceOpen();
        commanded.Observe("payments", breaker.GetInfo());
        Assert.Equal(CommandVerdict.Apply, commanded.Command(reset, fromStorage: true, readAtVersion: 0)); // it missed the reset that ended the force
    }

    [Fact]
    public void Decide_AReplicaWithAnotherPolicy_IsReportedOnce()
    {
        var (a, _, _) = Three();
        var other = _fleet.Add("other", clock =>
        {
            var options = TestKit.Options(clock, Tripper.MinRequests(1000) & Tripper.FailureRate(0.5));
            options.Name = SimulatedFleet.Breaker;
            return new CircuitBreaker(options);
        });
        Beats(3);

        var mismatch = Assert.Single(a.Decisions, d => d.Decision.Kind == FleetDecisionKind.PolicyMismatch).Decision;
        Assert.Equal("other", mismatch.Peer);
        Assert.Contains("MinRequests(1000)", mismatch.PeerPolicy, StringComparison.Ordinal);
        Assert.Equal(3, other.Decisions.Count(d => d.Decision.Kind == FleetDecisionKind.PolicyMismatch)); // one per other replica
    }

    [Fact]
    public void Heard_MoreReplicasThanTracked_AreRefused()
    {
        var coordinator = new FleetCoordinator("x", new QuorumRule(2, 0.5), TimeSpan.FromSeconds(3));
        for (var i = 0; i < FleetCoordinator.MaxPeers; i++)
        {
            Assert.Equal(PeerVerdict.Accepted, coordinator.Heard(new ReplicaReport($"r{i}", 0, []), TimeSpan.Zero));
        }

        Assert.Equal(PeerVerdict.TooManyPeers, coordinator.Heard(new ReplicaReport("one-more", 0, []), TimeSpan.Zero));
        Assert.Equal(PeerVerdict.Accepted, coordinator.Heard(new ReplicaReport("r7", 0, []), TimeSpan.Zero)); // known ones still are
        Assert.Equal(PeerVerdict.Echo, coordinator.Heard(new ReplicaReport("x", 0, []), TimeSpan.Zero));
    }

    [Theory]
    [InlineData(2, 0.5, 0, 2)]
    [InlineData(2, 0.5, 3, 2)]
    [InlineData(2, 0.5, 5, 3)]
    [InlineData(2, 0.5, 10, 5)]
    [InlineData(3, 0.34, 3, 3)]
    [InlineData(2, 1.0, 7, 7)]
    public void QuorumRuleOf_AnyLiveCount_IsTheMinimumOrTheFractionOfTheLive(int minimum, double fraction, int live, int expected) =>
        Assert.Equal(expected, new QuorumRule(minimum, fraction).Of(live));

    private (SimulatedFleet.Replica A, SimulatedFleet.Replica B, SimulatedFleet.Replica C) Three()
    {
        var replicas = (_fleet.Add("a"), _fleet.Add("b"), _fleet.Add("c"));
        Beats(1);
        Assert.All(_fleet.Replicas, r => Assert.True(r.Coordinator.IsConnected));
        return replicas;
    }

    /// <summary>A heartbeat reported and gone out at <paramref name="now"/>, not heard back.</summary>
    private static void Sent(FleetCoordinator coordinator, TimeSpan now) => coordinator.Sent(coordinator.Report(0).Round, now);

    private static ReplicaReport ReportOf(SimulatedFleet.Replica replica)
    {
        replica.Coordinator.Observe(SimulatedFleet.Breaker, replica.Breaker.GetInfo());
        return replica.Coordinator.Report(0);
    }

    /// <summary>Opens a replica's breaker on its own evidence (FailureStreak(2)).</summary>
    private static void Fail(SimulatedFleet.Replica replica)
    {
        replica.Call(fails: true);
        replica.Call(fails: true);
        Assert.Equal(CircuitState.Open, replica.Breaker.State);
    }

    /// <summary>Every live replica beats, and every message is delivered, <paramref name="count"/> times a heartbeat apart.</summary>
    private void Beats(int count)
    {
        for (var i = 0; i < count; i++)
        {
            foreach (var replica in _fleet.Replicas.ToList())
            {
                replica.Beat();
            }

            _fleet.RunUntil(_fleet.Now);
            _fleet.RunUntil(_fleet.Now + Heartbeat);
        }
    }
}
