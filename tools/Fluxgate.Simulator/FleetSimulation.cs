using Fluxgate.Redis.Coordination;
using Microsoft.Extensions.Time.Testing;

namespace Fluxgate.Simulator;

/// <summary>
/// A fleet scenario: every replica runs the scenario's one policy on its own traffic, some of them seeing an incident and
/// some not, twice — with independent breakers, and joined by the fleet's own quorum rule (Fluxgate.Redis's
/// <see cref="FleetCoordinator"/>: the same type the fleet runs, fed the same events). At each heartbeat every replica
/// decides and publishes; every replica hears every heartbeat at once, its own as the echo, unless Redis is away (the
/// scenario's <c>redisOutages</c>), when the heartbeats fail. Calls are instantaneous: the picture shows what the
/// quorum changes, not Redis's latency (docs/fleet.md has that).
/// </summary>
internal static class FleetSimulation
{
    public static FleetResult Run(Scenario scenario)
    {
        var fleet = scenario.Fleet!;
        var plans = Enumerable.Range(1, fleet.Replicas).Select(r => Plan(scenario, fleet, r)).ToList();
        var rows = (int)Math.Ceiling(scenario.Duration.Ticks / (double)scenario.Resolution.Ticks);
        return new FleetResult(scenario, [RunMode(scenario, plans, rows, quorum: false), RunMode(scenario, plans, rows, quorum: true)]);
    }

    /// <summary>A replica's calls: arrival times at its own rate, and the draw that decides whether each fails.</summary>
    private static List<(TimeSpan At, double Draw)> Plan(Scenario scenario, FleetSpec fleet, int replica)
    {
        var random = new Random(unchecked((scenario.Seed * 31) + replica));
        var rate = fleet.RateOf(replica, scenario.Traffic);
        var calls = new List<(TimeSpan, double)>();
        var uniform = scenario.Traffic.Arrivals == "uniform";
        var at = TimeSpan.Zero;
        while (true)
        {
            at += uniform ? TimeSpan.FromTicks((long)Math.Round(TimeSpan.TicksPerSecond / rate)) : TimeSpan.FromTicks(Math.Max(1, (long)Math.Round(-Math.Log(1 - random.NextDouble()) / rate * TimeSpan.TicksPerSecond)));
            if (at >= scenario.Duration)
            {
                return calls;
            }

            calls.Add((at, random.NextDouble()));
        }
    }

    private static FleetMode RunMode(Scenario scenario, List<List<(TimeSpan At, double Draw)>> plans, int rowCount, bool quorum)
    {
        var fleet = scenario.Fleet!;
        var clock = new FakeTimeProvider(Simulation.Epoch);
        var replicas = new List<ReplicaState>();
        var rule = new QuorumRule(fleet.QuorumMinimum, fleet.QuorumFraction);
        for (var r = 1; r <= fleet.Replicas; r++)
        {
            var transitions = new List<Transition>();
            var breaker = new CircuitBreaker(Simulation.Options(scenario, scenario.Policies[0], 0, clock, transitions));
            replicas.Add(new ReplicaState(r, breaker, transitions, new CircuitState[rowCount], new bool[rowCount], new FleetCoordinator($"replica-{r}", rule, 3 * fleet.Heartbeat)));
        }

        // Every call of every replica, in time order; heartbeats and row ends interleaved.
        var calls = plans.SelectMany((plan, i) => plan.Select(c => (c.At, c.Draw, Replica: i))).OrderBy(c => c.At).ThenBy(c => c.Replica).ToList();
        var nextHeartbeat = fleet.Heartbeat;
        var nextRow = 0;

        void AdvanceTo(TimeSpan at)
        {
            while (true)
            {
                var rowEnd = scenario.Resolution * (nextRow + 1);
                var next = quorum && nextHeartbeat <= rowEnd ? nextHeartbeat : rowEnd;
                if (nextRow >= rowCount || next > at)
                {
                    return;
                }

                clock.SetUtcNow(Simulation.Epoch + next);
                if (quorum && next == nextHeartbeat)
                {
                    Heartbeat(next);
                    nextHeartbeat += fleet.Heartbeat;
                }
                else
                {
                    foreach (var replica in replicas)
                    {
                        replica.Rows[nextRow] = replica.Breaker.State;
                        replica.FleetRows[nextRow] = replica.OpenedByTheFleet;
                    }

                    nextRow++;
                }
            }
        }

        void Heartbeat(TimeSpan now)
        {
            // Each replica decides on what it has heard, then publishes; the others hear it at once and decide on arrival,
            // as Fluxgate.Redis does. While Redis is away the publication fails and nothing is heard.
            foreach (var replica in replicas)
            {
                replica.Decide(now);
            }

            if (fleet.RedisDownAt(now))
            {
                foreach (var replica in replicas)
                {
                    replica.Coordinator.Failed();
                }

                return;
            }

            foreach (var sender in replicas)
            {
                sender.Coordinator.Observe(sender.Breaker.Name, sender.Breaker.GetInfo());
                var report = sender.Coordinator.Report(0);
                foreach (var receiver in replicas)
                {
                    receiver.Coordinator.Heard(report, now);
                    receiver.Decide(now);
                }
            }
        }

        foreach (var (at, draw, index) in calls)
        {
            AdvanceTo(at);
            clock.SetUtcNow(Simulation.Epoch + at);
            var replica = replicas[index];
            var phase = scenario.Dependency.PhaseAt(at) is { } p && p.Affects(replica.Number) ? p : null;
            var failureRate = phase?.FailureRate ?? scenario.Dependency.FailureRate;
            var incident = phase?.Incident ?? false;
            var fails = draw < failureRate;
            try
            {
                if (replica.Breaker.TryExecute(() => fails ? throw new DependencyException() : 0, out _))
                {
                    replica.Succeeded++;
                }
                else if (incident)
                {
                    replica.RejectedInIncidents++;
                }
                else
                {
                    replica.LostWhileHealthy++;
                }
            }
            catch (DependencyException)
            {
                replica.Failed++;
                if (incident)
                {
                    replica.FailedInIncidents++;
                }
            }
        }

        AdvanceTo(scenario.Duration);
        return new FleetMode(quorum ? "with the quorum" : "independent", [.. replicas.Select(r => r.Summarize(scenario))]);
    }

    /// <summary>One replica's breaker during a run, and the fleet's rule as this replica runs it.</summary>
    private sealed class ReplicaState
    {
        public ReplicaState(int number, CircuitBreaker breaker, List<Transition> transitions, CircuitState[] rows, bool[] fleetRows, FleetCoordinator coordinator)
        {
            Number = number;
            Breaker = breaker;
            Transitions = transitions;
            Rows = rows;
            FleetRows = fleetRows;
            Coordinator = coordinator;
            coordinator.Join(Breaker.Name);
            coordinator.Observe(Breaker.Name, breaker.GetInfo());
        }

        public int Number { get; }

        public CircuitBreaker Breaker { get; }

        public List<Transition> Transitions { get; }

        public CircuitState[] Rows { get; }

        /// <summary>Per row: whether the replica was open (or probing) because the fleet's quorum opened it.</summary>
        public bool[] FleetRows { get; }

        public FleetCoordinator Coordinator { get; }

        public int Succeeded { get; set; }

        public int Failed { get; set; }

        public int FailedInIncidents { get; set; }

        public int RejectedInIncidents { get; set; }

        public int LostWhileHealthy { get; set; }

        public int FleetOpens { get; set; }

        /// <summary>Whether the current open cycle began with the fleet's trip (and no probe of its own failed since).</summary>
        public bool OpenedByTheFleet =>
            Breaker.State is CircuitState.Open or CircuitState.HalfOpen && Transitions.LastOrDefault(t => t.To == CircuitState.Open)?.Cause == TransitionCause.Coordinator;

        /// <summary>Observes the breaker, decides, and carries out a trip, as the fleet does after every event.</summary>
        public void Decide(TimeSpan now)
        {
            Coordinator.Observe(Breaker.Name, Breaker.GetInfo());
            foreach (var decision in Coordinator.Decide(now))
            {
                if (decision.Kind == FleetDecisionKind.Trip && Breaker.Trip())
                {
                    FleetOpens++;
                    Coordinator.Observe(Breaker.Name, Breaker.GetInfo());
                }
            }
        }

        public ReplicaSummary Summarize(Scenario scenario)
        {
            var detections = new List<TimeSpan?>();
            foreach (var phase in scenario.Dependency.Phases.Where(p => p.Incident && p.Affects(Number)))
            {
                var open = Transitions.FirstOrDefault(t => t.To == CircuitState.Open && t.At >= phase.From && t.At < phase.To);
                detections.Add(open is null ? null : open.At - phase.From);
            }

            return new ReplicaSummary(Number, Rows, FleetRows, Transitions, detections, FailedInIncidents, LostWhileHealthy, Failed, Succeeded, FleetOpens);
        }
    }
}

internal sealed record FleetResult(Scenario Scenario, IReadOnlyList<FleetMode> Modes);

internal sealed record FleetMode(string Name, IReadOnlyList<ReplicaSummary> Replicas)
{
    public int FailedInIncidents => Replicas.Sum(r => r.FailedInIncidents);

    public int LostWhileHealthy => Replicas.Sum(r => r.LostWhileHealthy);
}

/// <param name="Detections">Per incident the replica sees: how long until it opened, or null if it did not.</param>
/// <param name="FleetOpens">How many times the quorum opened it.</param>
/// <param name="FleetRows">Per row: whether it was open (or probing) because the quorum opened it.</param>
internal sealed record ReplicaSummary(int Number, CircuitState[] Rows, bool[] FleetRows, List<Transition> Transitions, List<TimeSpan?> Detections, int FailedInIncidents, int LostWhileHealthy, int Failed, int Succeeded, int FleetOpens);
