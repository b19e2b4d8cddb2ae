using Microsoft.Extensions.Time.Testing;

namespace Fluxgate.Simulator;

/// <summary>
/// A fleet scenario: every replica runs the scenario's one policy on its own traffic, some of them seeing an incident and
/// some not, twice — with independent breakers, and with the quorum rule of Fluxgate.Redis (at each heartbeat, when at
/// least the quorum of replicas have opened on their own evidence, the others are opened as by their tripper, once per
/// episode; an episode ends when the quorum has stayed lost for three heartbeats). Calls are instantaneous and every
/// replica is live: the picture shows what the quorum changes, not Redis's latency (docs/fleet.md has that).
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
        for (var r = 1; r <= fleet.Replicas; r++)
        {
            var transitions = new List<Transition>();
            var breaker = new CircuitBreaker(Simulation.Options(scenario, scenario.Policies[0], 0, clock, transitions));
            replicas.Add(new ReplicaState(r, breaker, transitions, new CircuitState[rowCount]));
        }

        // Every call of every replica, in time order; heartbeats and row ends interleaved.
        var calls = plans.SelectMany((plan, i) => plan.Select(c => (c.At, c.Draw, Replica: i))).OrderBy(c => c.At).ThenBy(c => c.Replica).ToList();
        var nextHeartbeat = fleet.Heartbeat;
        var nextRow = 0;
        var inEpisode = false;
        TimeSpan? lostSince = null;

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
                    }

                    nextRow++;
                }
            }
        }

        void Heartbeat(TimeSpan now)
        {
            var opened = replicas.Count(r => r.OwnOpen);
            if (opened >= fleet.Quorum)
            {
                lostSince = null;
                if (!inEpisode)
                {
                    inEpisode = true;
                    foreach (var replica in replicas.Where(r => r.Breaker.State == CircuitState.Closed))
                    {
                        if (replica.Breaker.Trip())
                        {
                            replica.NoteTrip();
                            replica.FleetOpens++;
                        }
                    }
                }
            }
            else if (inEpisode)
            {
                lostSince ??= now;
                if (now - lostSince.Value >= 3 * fleet.Heartbeat)
                {
                    inEpisode = false;
                    lostSince = null;
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

    /// <summary>One replica's breaker during a run, and whether its open state is its own evidence.</summary>
    private sealed class ReplicaState
    {
        private CircuitState _previous = CircuitState.Closed;
        private bool _fleetMade;
        private int _seen;
        private Transition? _trip;

        public ReplicaState(int number, CircuitBreaker breaker, List<Transition> transitions, CircuitState[] rows)
        {
            Number = number;
            Breaker = breaker;
            Transitions = transitions;
            Rows = rows;
        }

        public int Number { get; }

        public CircuitBreaker Breaker { get; }

        public List<Transition> Transitions { get; }

        public CircuitState[] Rows { get; }

        public int Succeeded { get; set; }

        public int Failed { get; set; }

        public int FailedInIncidents { get; set; }

        public int RejectedInIncidents { get; set; }

        public int LostWhileHealthy { get; set; }

        public int FleetOpens { get; set; }

        /// <summary>Open or half-open by its own tripper (a failed probe counts), not by the fleet's trip.</summary>
        public bool OwnOpen
        {
            get
            {
                foreach (var transition in Transitions.Skip(_seen))
                {
                    if (transition.To == CircuitState.Open)
                    {
                        // An open is the fleet's when it is the transition the trip made; a failed probe's reopen is the replica's own.
                        _fleetMade = ReferenceEquals(transition, _trip);
                    }
                    else if (transition.To != CircuitState.HalfOpen)
                    {
                        _fleetMade = false;
                    }

                    _previous = transition.To;
                }

                _seen = Transitions.Count;
                return !_fleetMade && _previous is CircuitState.Open or CircuitState.HalfOpen;
            }
        }

        /// <summary>Marks the transition the fleet's trip just made.</summary>
        public void NoteTrip() => _trip = Transitions[^1];

        public ReplicaSummary Summarize(Scenario scenario)
        {
            var detections = new List<TimeSpan?>();
            foreach (var phase in scenario.Dependency.Phases.Where(p => p.Incident && p.Affects(Number)))
            {
                var open = Transitions.FirstOrDefault(t => t.To == CircuitState.Open && t.At >= phase.From && t.At < phase.To);
                detections.Add(open is null ? null : open.At - phase.From);
            }

            return new ReplicaSummary(Number, Rows, Transitions, detections, FailedInIncidents, LostWhileHealthy, Failed, Succeeded, FleetOpens);
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
internal sealed record ReplicaSummary(int Number, CircuitState[] Rows, List<Transition> Transitions, List<TimeSpan?> Detections, int FailedInIncidents, int LostWhileHealthy, int Failed, int Succeeded, int FleetOpens);
