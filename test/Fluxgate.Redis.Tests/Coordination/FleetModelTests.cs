using CsCheck;
using Fluxgate.Redis.Coordination;
using Xunit.Abstractions;

namespace Fluxgate.Redis.Tests.Coordination;

/// <summary>
/// The fleet's rule under thousands of random schedules, without Redis: replicas with their own traffic and incidents, Redis
/// outages of any length, messages delayed or lost, heartbeats late or skipped, replicas that crash, leave or join late,
/// clock jumps, and commands. After every schedule, what each replica decided is checked against what really happened:
/// <list type="number">
/// <item>a replica claims own evidence exactly when its breaker is open or half-open in a cycle its own tripper began;</item>
/// <item>a replica is tripped only when at least the quorum's minimum of other replicas last told it they were open on their own evidence;</item>
/// <item>at most one trip per replica per episode: a replica that recovered is not reopened until the episode ended;</item>
/// <item>no episode ends within a replica timeout after a Redis outage, nor during one;</item>
/// <item>a command is applied at most once per replica, and the stored one reaches every live replica.</item>
/// </list>
/// The run is a fixed seeded sequence (<see cref="PropertyRun"/>); a failure is shrunk and printed with its seed.
/// </summary>
public sealed class FleetModelTests(ITestOutputHelper output)
{
    private const long Schedules = 2_000;

    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(20);

    internal enum EventKind
    {
        Incident,
        Outage,
        Crash,
        Leave,
        Join,
        ClockJump,
        Command,
        SkipHeartbeats,
    }

    /// <summary>One event of a schedule: at a time, for a replica (or a set of them), lasting a while.</summary>
    internal readonly record struct Event(EventKind Kind, int AtMs, int Replica, int Mask, int DurationMs, int Value)
    {
        public override string ToString() => Kind switch
        {
            EventKind.Incident => $"Incident(at {AtMs}ms for {DurationMs}ms, replicas {Convert.ToString(Mask, 2)}, {Value}% failures)",
            EventKind.Outage => $"Outage(at {AtMs}ms for {DurationMs}ms)",
            EventKind.ClockJump => $"ClockJump(at {AtMs}ms by {DurationMs}ms)",
            EventKind.Command => $"Command(at {AtMs}ms by r{Replica}, {(FleetCommand)Value})",
            EventKind.SkipHeartbeats => $"SkipHeartbeats(r{Replica} at {AtMs}ms for {DurationMs}ms)",
            _ => $"{Kind}(r{Replica} at {AtMs}ms)",
        };
    }

    internal sealed record Schedule(int Seed, int Replicas, int QuorumMinimum, double QuorumFraction, int LossPercent, int MaxDelayMs, int HeartbeatMs, Event[] Events)
    {
        public override string ToString() =>
            $"{Replicas} replicas, quorum max({QuorumMinimum}, {QuorumFraction}), heartbeat {HeartbeatMs}ms, loss {LossPercent}%, delay ≤ {MaxDelayMs}ms, seed {Seed}: {string.Join(", ", Events)}";
    }

    private static readonly Gen<Event> EventGen = Gen.Frequency(
        (6, from at in Gen.Int[0, 80_000] from mask in Gen.Int[1, 63] from duration in Gen.Int[1_000, 40_000] from rate in Gen.OneOfConst(50, 90, 100)
            select new Event(EventKind.Incident, at, 0, mask, duration, rate)),
        (3, from at in Gen.Int[0, 80_000] from duration in Gen.OneOf(Gen.Int[200, 3_000], Gen.Int[3_000, 30_000])
            select new Event(EventKind.Outage, at, 0, 0, duration, 0)),
        (1, from at in Gen.Int[0, 80_000] from replica in Gen.Int[0, 5] select new Event(EventKind.Crash, at, replica, 0, 0, 0)),
        (1, from at in Gen.Int[0, 80_000] from replica in Gen.Int[0, 5] select new Event(EventKind.Leave, at, replica, 0, 0, 0)),
        (1, from at in Gen.Int[0, 80_000] from replica in Gen.Int[0, 5] select new Event(EventKind.Join, at, replica, 0, 0, 0)),
        (1, from at in Gen.Int[0, 80_000] from jump in Gen.Int[1_000, 20_000] select new Event(EventKind.ClockJump, at, 0, 0, jump, 0)),
        (2, from at in Gen.Int[0, 80_000] from replica in Gen.Int[0, 5] from command in Gen.Int[0, 3] select new Event(EventKind.Command, at, replica, 0, 0, command)),
        (2, from at in Gen.Int[0, 80_000] from replica in Gen.Int[0, 5] from duration in Gen.Int[1_000, 8_000] select new Event(EventKind.SkipHeartbeats, at, replica, 0, duration, 0)));

    internal static readonly Gen<Schedule> ScheduleGen =
        from seed in Gen.Int
        from replicas in Gen.Int[3, 6]
        from minimum in Gen.Int[2, 3]
        from fraction in Gen.OneOfConst(0.34, 0.5, 0.67)
        from loss in Gen.OneOfConst(0, 0, 5, 20)
        from delay in Gen.OneOfConst(0, 20, 400, 1_500)
        from heartbeat in Gen.OneOfConst(500, 1_000)
        from events in EventGen.Array[0, 14]
        select new Schedule(seed, replicas, minimum, fraction, loss, delay, heartbeat, events);

    [Fact]
    public void Simulate_RandomSchedules_KeepEveryInvariant() =>
        PropertyRun.Check(ScheduleGen, Run, Schedules, s => s.ToString(), output.WriteLine);

    [Fact]
    public void Simulate_AnOutageLongerThanTheReplicaTimeout_NeitherEndsTheEpisodeNorReopensTheRecoveredReplica()
    {
        // Two replicas of three fail until the quiet end; the third is tripped once, recovers through its own probes, and
        // Redis is away for 15 s (five replica timeouts) in between.
        var schedule = new Schedule(1, 3, 2, 0.5, 0, 0, 1_000,
        [
            new Event(EventKind.Incident, 1_000, 0, 0b011, 200_000, 100),
            new Event(EventKind.Outage, 20_000, 0, 0, 15_000, 0),
        ]);

        Run(schedule);
        var fleet = Simulate(schedule);

        var third = fleet.Replicas.Single(r => r.Id == "r2");
        Assert.Single(third.Trips);
        Assert.Equal(CircuitState.Closed, third.Breaker.State);
        Assert.Equal(TransitionCause.ProbeSucceeded, third.Listener.Signals.First(s => s.NewState == CircuitState.Closed).Cause);
        var ended = fleet.Replicas.SelectMany(r => r.Decisions).Where(d => d.Decision.Kind == FleetDecisionKind.EpisodeEnded).Select(d => d.At).ToList();
        Assert.NotEmpty(ended);                                 // the episode ends after the incident does,
        Assert.All(ended, at => Assert.True(at > Length, $"ended at {at}")); // never because of the outage
    }

    internal static void Run(Schedule schedule)
    {
        var fleet = Simulate(schedule);
        var quorum = new QuorumRule(schedule.QuorumMinimum, schedule.QuorumFraction);

        // 1. Own evidence is claimed exactly when it is true.
        foreach (var (replica, at, claimed, truly) in fleet.Published)
        {
            Check(claimed == truly, $"{replica} at {at} claimed own evidence {claimed}, but its breaker says {truly}");
        }

        foreach (var replica in fleet.Replicas)
        {
            // 2. A trip needs the quorum's minimum of other replicas' own evidence.
            foreach (var (at, ownPeers) in replica.Trips)
            {
                Check(ownPeers >= quorum.Minimum, $"{replica.Id} was tripped at {at} with only {ownPeers} other replicas open on their own evidence");
            }

            // 3. One trip per episode: between two trips of one replica, an episode ended.
            var decisions = replica.Decisions.Select(d => d.Decision.Kind).Where(k => k is FleetDecisionKind.Trip or FleetDecisionKind.EpisodeStarted or FleetDecisionKind.EpisodeEnded).ToList();
            for (var i = 1; i < decisions.Count; i++)
            {
                Check(decisions[i - 1] == FleetDecisionKind.EpisodeEnded || decisions[i] == FleetDecisionKind.EpisodeEnded, $"{replica.Id} began two episodes without ending one: {string.Join(", ", decisions)}");
            }

            // 4. No episode ends during an outage, nor within a replica timeout after one long enough to be noticed (a
            // heartbeat failed in it), nor within a replica timeout after the rule here saw its channel work again.
            var ends = replica.Decisions.Where(d => d.Decision.Kind == FleetDecisionKind.EpisodeEnded).Select(d => d.At).ToList();
            foreach (var at in ends)
            {
                foreach (var (from, to) in fleet.Outages)
                {
                    var end = to ?? TimeSpan.MaxValue;
                    Check(at < from || at > end, $"{replica.Id} ended an episode at {at}, during the outage {from}–{to}");
                    if (end - from > fleet.Heartbeat + TimeSpan.FromMilliseconds(100) + Step)
                    {
                        Check(at < from || at >= end + fleet.ReplicaTimeout, $"{replica.Id} ended an episode at {at}, within a replica timeout of the outage {from}–{to}");
                    }
                }

                foreach (var (down, up) in replica.DownPeriods)
                {
                    Check(at < down || (up is { } back && at >= back + fleet.ReplicaTimeout), $"{replica.Id} ended an episode at {at}, within a replica timeout of its channel's return ({down}–{up})");
                }

                // 4b. Where nothing else can explain it (no loss, no skipped heartbeats, no replica coming or going, no
                // pause), an episode never ends while a quorum of live replicas stayed open on their own evidence.
                if (schedule.LossPercent == 0 && !Near(schedule, at, 3 * fleet.ReplicaTimeout))
                {
                    var live = fleet.Replicas.Count(r => r.Alive);
                    var own = fleet.Replicas.Count(r => r.Alive && r.OwnSince is { } since && since <= at - (2 * fleet.ReplicaTimeout));
                    Check(own < quorum.Of(live), $"{replica.Id} ended an episode at {at} while {own} of {live} live replicas had been open on their own evidence for two replica timeouts");
                }
            }

            // 5a. A command is applied once.
            Check(replica.Commands.Select(c => c.Id).Distinct().Count() == replica.Commands.Count, $"{replica.Id} applied a command twice");

            // 5b. The stored command reached every replica alive at the end.
            if (replica.Alive && fleet.StoredCommand is { } stored)
            {
                Check(replica.Commands.Any(c => c.Id == stored.Id), $"{replica.Id} never applied the stored command {stored.Command}");
            }
        }
    }

    /// <summary>Runs a schedule; then a quiet time (Redis up, no loss, no incidents) so that what should settle can.</summary>
    internal static SimulatedFleet Simulate(Schedule schedule)
    {
        var heartbeat = TimeSpan.FromMilliseconds(schedule.HeartbeatMs);
        var fleet = new SimulatedFleet(schedule.Seed, heartbeat, 3 * heartbeat, new QuorumRule(schedule.QuorumMinimum, schedule.QuorumFraction))
        {
            Loss = schedule.LossPercent / 100.0,
            MaxDelay = TimeSpan.FromMilliseconds(schedule.MaxDelayMs),
        };
        var random = new Random(schedule.Seed);
        var late = schedule.Events.Where(e => e.Kind == EventKind.Join && e.Replica < schedule.Replicas).Select(e => e.Replica).ToHashSet();
        var replicas = new SimulatedFleet.Replica?[schedule.Replicas];
        var nextBeat = new TimeSpan[schedule.Replicas];
        var skipUntil = new TimeSpan[schedule.Replicas];
        for (var r = 0; r < schedule.Replicas; r++)
        {
            if (!late.Contains(r))
            {
                replicas[r] = fleet.Add($"r{r}");
            }

            nextBeat[r] = TimeSpan.FromMilliseconds(random.Next(0, schedule.HeartbeatMs));
        }

        var events = schedule.Events.OrderBy(e => e.AtMs).ToList();
        var ends = new List<(TimeSpan At, Action Do)>();
        var next = 0;
        for (var t = TimeSpan.Zero; t < Length + Quiet; t += Step)
        {
            var quiet = t >= Length;
            if (quiet)
            {
                fleet.Loss = 0;
                fleet.EndOutage();
            }

            while (next < events.Count && TimeSpan.FromMilliseconds(events[next].AtMs) <= t)
            {
                var e = events[next++];
                var replica = e.Replica < schedule.Replicas ? replicas[e.Replica] : null;
                switch (e.Kind)
                {
                    case EventKind.Outage:
                        fleet.StartOutage();
                        ends.Add((t + TimeSpan.FromMilliseconds(e.DurationMs), fleet.EndOutage));
                        break;
                    case EventKind.Crash when replica is not null:
                        replica.Alive = false;
                        break;
                    case EventKind.Leave when replica is { Alive: true }:
                        replica.Alive = false;
                        var id = replica.Id;
                        fleet.Broadcast(r => r.HearLeave(id));
                        break;
                    case EventKind.Join when replica is null && e.Replica < schedule.Replicas:
                        replicas[e.Replica] = fleet.Add($"r{e.Replica}");
                        nextBeat[e.Replica] = t;
                        break;
                    case EventKind.ClockJump:
                        // The whole process paused (a VM, a debugger): time passes with nothing running.
                        fleet.RunUntil(fleet.Now + TimeSpan.FromMilliseconds(e.DurationMs));
                        t += TimeSpan.FromMilliseconds(e.DurationMs);
                        break;
                    case EventKind.Command when replica is { Alive: true }:
                        fleet.Command(replica, (FleetCommand)e.Value);
                        break;
                    case EventKind.SkipHeartbeats when e.Replica < schedule.Replicas:
                        skipUntil[e.Replica] = t + TimeSpan.FromMilliseconds(e.DurationMs);
                        break;
                }
            }

            foreach (var end in ends.Where(x => x.At <= t).ToList())
            {
                end.Do();
                ends.Remove(end);
            }

            for (var r = 0; r < schedule.Replicas; r++)
            {
                if (replicas[r] is not { Alive: true } replica)
                {
                    continue;
                }

                var failureRate = quiet ? 0 : schedule.Events.Where(e => e.Kind == EventKind.Incident && (e.Mask & (1 << r)) != 0 && e.AtMs <= t.TotalMilliseconds && t.TotalMilliseconds < e.AtMs + e.DurationMs).Select(e => e.Value).DefaultIfEmpty(0).Max();
                replica.Call(random.Next(100) < failureRate);
                if (nextBeat[r] <= t)
                {
                    if (t >= skipUntil[r] || quiet)
                    {
                        replica.Beat();
                    }

                    // Heartbeats are not on the dot: a little early or late each time.
                    nextBeat[r] = t + heartbeat + TimeSpan.FromMilliseconds(random.Next(-100, 101));
                }
            }

            fleet.RunUntil(t + Step);
        }

        return fleet;
    }

    /// <summary>Whether an event that makes replicas unheard or changes who is live happened within <paramref name="window"/> before <paramref name="at"/>.</summary>
    private static bool Near(Schedule schedule, TimeSpan at, TimeSpan window) => schedule.Events.Any(e =>
        e.Kind is EventKind.Crash or EventKind.Leave or EventKind.Join or EventKind.ClockJump or EventKind.SkipHeartbeats
        && TimeSpan.FromMilliseconds(e.AtMs) <= at && TimeSpan.FromMilliseconds(e.AtMs + e.DurationMs) >= at - window);

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
