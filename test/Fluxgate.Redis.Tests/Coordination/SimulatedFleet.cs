using Fluxgate.Redis.Coordination;
using Fluxgate.Redis.Internal;

namespace Fluxgate.Redis.Tests.Coordination;

/// <summary>
/// Replicas of a fleet without Redis: each a <see cref="FleetCoordinator"/> and a real breaker on one fake clock, wired as
/// the fleet wires them (observe, decide, trip; heartbeats heard by every replica, their own as the echo; commands stored
/// and read back), over a channel the test controls: delays, lost messages, outages, replicas that die or join late.
/// Everything each replica decides is recorded with its time, so properties can be checked against what really happened.
/// </summary>
internal sealed class SimulatedFleet
{
    public const string Breaker = "payments";

    private readonly List<(TimeSpan At, long Order, Action Deliver)> _inFlight = [];
    private readonly Random _random;
    private long _order;

    public SimulatedFleet(int seed, TimeSpan heartbeat, TimeSpan replicaTimeout, QuorumRule quorum)
    {
        _random = new Random(seed);
        Heartbeat = heartbeat;
        ReplicaTimeout = replicaTimeout;
        Quorum = quorum;
    }

    public FakeTimeProvider Clock { get; } = TestKit.NewClock();

    public TimeSpan Heartbeat { get; }

    public TimeSpan ReplicaTimeout { get; }

    public QuorumRule Quorum { get; }

    public TimeSpan Now => Clock.GetUtcNow() - TestKit.Epoch;

    public List<Replica> Replicas { get; } = [];

    /// <summary>Whether Redis answers; while it does not, nothing is delivered and every operation fails.</summary>
    public bool RedisUp { get; set; } = true;

    /// <summary>When each outage began and ended (an open end for one still going).</summary>
    public List<(TimeSpan From, TimeSpan? To)> Outages { get; } = [];

    /// <summary>The chance that one message is lost on its way to one replica.</summary>
    public double Loss { get; set; }

    /// <summary>The longest a message takes to arrive.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The breaker's stored command (what Redis holds under its command key).</summary>
    public CommandMessage? StoredCommand { get; private set; }

    /// <summary>Every heartbeat a replica published: who, when, and whether its breaker was really open on its own evidence.</summary>
    public List<(string Replica, TimeSpan At, bool ClaimedOwn, bool TrulyOwn)> Published { get; } = [];

    public Replica Add(string id, Func<FakeTimeProvider, CircuitBreaker>? breaker = null)
    {
        var listener = new RecordingListener();
        var options = TestKit.Options(Clock, Tripper.FailureStreak(2));
        options.Name = Breaker;
        options.Retry = Retry.Cooldown(TimeSpan.FromSeconds(2));
        options.Listeners.Add(listener);
        var replica = new Replica(this, id, breaker?.Invoke(Clock) ?? new CircuitBreaker(options), listener, Now);
        Replicas.Add(replica);
        return replica;
    }

    public void StartOutage()
    {
        if (RedisUp)
        {
            RedisUp = false;
            Outages.Add((Now, null));
            _inFlight.Clear(); // pub/sub messages on their way when Redis dies are lost
        }
    }

    public void EndOutage()
    {
        if (!RedisUp)
        {
            RedisUp = true;
            Outages[^1] = (Outages[^1].From, Now);
        }
    }

    /// <summary>Moves time on to <paramref name="until"/>, delivering the messages due on the way, in order.</summary>
    public void RunUntil(TimeSpan until)
    {
        while (true)
        {
            var next = _inFlight.Count == 0 ? (TimeSpan?)null : _inFlight.Min(m => m.At);
            if (next is not { } at || at > until)
            {
                break;
            }

            var due = _inFlight.Where(m => m.At == at).OrderBy(m => m.Order).ToList();
            _inFlight.RemoveAll(m => m.At == at);
            Clock.SetUtcNow(TestKit.Epoch + Max(at, Now));
            foreach (var message in due)
            {
                message.Deliver();
            }
        }

        Clock.SetUtcNow(TestKit.Epoch + Max(until, Now));
    }

    /// <summary>Sends a payload to every live replica (the sender included: its echo), each copy delayed or lost on its own.</summary>
    public void Broadcast(Action<Replica> deliver)
    {
        if (!RedisUp)
        {
            return;
        }

        foreach (var replica in Replicas.Where(r => r.Alive))
        {
            if (_random.NextDouble() < Loss)
            {
                continue;
            }

            var delay = TimeSpan.FromMilliseconds(_random.Next(0, (int)MaxDelay.TotalMilliseconds + 1));
            _inFlight.Add((Now + delay, _order++, () =>
            {
                if (replica.Alive && RedisUp)
                {
                    deliver(replica);
                }
            }));
        }
    }

    /// <summary>A replica gives a command: applied at home at once, then stored and published (when Redis answers).</summary>
    public CommandMessage Command(Replica issuer, FleetCommand command)
    {
        var message = new CommandMessage(Breaker, command, Guid.NewGuid().ToString("N"), 0, issuer.Id);
        issuer.Command(message, fromStorage: false, readAtVersion: null);
        if (RedisUp)
        {
            StoredCommand = message;
            Broadcast(r => r.Command(message, fromStorage: false, readAtVersion: null));
        }

        return message;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>One replica: its rule, its breaker, and what it decided.</summary>
    internal sealed class Replica
    {
        private readonly SimulatedFleet _fleet;

        public Replica(SimulatedFleet fleet, string id, CircuitBreaker breaker, RecordingListener listener, TimeSpan startedAt)
        {
            _fleet = fleet;
            Id = id;
            Breaker = breaker;
            Listener = listener;
            StartedAt = startedAt;
            Coordinator = new FleetCoordinator(id, fleet.Quorum, fleet.ReplicaTimeout) { Incarnation = 1 }; // ids are never reused here
            Coordinator.Join(SimulatedFleet.Breaker);
            Coordinator.Observe(SimulatedFleet.Breaker, breaker.GetInfo());
        }

        public string Id { get; }

        public CircuitBreaker Breaker { get; }

        public RecordingListener Listener { get; }

        public FleetCoordinator Coordinator { get; }

        public TimeSpan StartedAt { get; }

        public bool Alive { get; set; } = true;

        /// <summary>Every decision with its time, in order.</summary>
        public List<(TimeSpan At, FleetDecision Decision)> Decisions { get; } = [];

        /// <summary>When the rule here saw the channel stop working, and when it saw it work again (its echo), in order.</summary>
        public List<(TimeSpan Down, TimeSpan? Up)> DownPeriods { get; } = [];

        /// <summary>Every command applied (or noted) here, by id.</summary>
        public List<(TimeSpan At, string Id, CommandVerdict Verdict)> Commands { get; } = [];

        /// <summary>
        /// The other replicas' latest heartbeats heard here (the latest sent, whatever arrived after it: delays reorder them;
        /// a replica's id is never reused here): when, its round, and whether it claimed own evidence.
        /// </summary>
        public Dictionary<string, (TimeSpan HeardAt, long Round, bool Own)> LastHeard { get; } = [];

        /// <summary>Every trip, with how many other replicas' last heartbeats heard here claimed own evidence.</summary>
        public List<(TimeSpan At, int OwnPeers)> Trips { get; } = [];

        /// <summary>Since when the breaker has been open or half-open on its own evidence without a break; null when it is not.</summary>
        public TimeSpan? OwnSince { get; private set; }

        /// <summary>Whether the breaker is open or half-open in a cycle its own tripper began, from every signal it emitted.</summary>
        public bool TrulyOwn
        {
            get
            {
                // Open and half-open are entered only by the breaker's own rules or a coordinator's trip (manual calls enter
                // the other states), so the last open's cause says whose cycle it is.
                var lastOpen = Listener.Signals.LastOrDefault(s => s.NewState == CircuitState.Open);
                return Breaker.State is CircuitState.Open or CircuitState.HalfOpen && lastOpen.Cause is TransitionCause.Tripper or TransitionCause.ProbeFailed;
            }
        }

        /// <summary>One heartbeat: observe, decide, carry out; publish and read the stored command, or fail when Redis is away.</summary>
        public void Beat()
        {
            if (!Alive)
            {
                return;
            }

            Decide();
            if (!_fleet.RedisUp)
            {
                var was = Coordinator.IsConnected;
                Coordinator.Failed();
                NoteConnection(was);
                return;
            }

            Coordinator.Observe(SimulatedFleet.Breaker, Breaker.GetInfo());
            var report = Coordinator.Report(0);
            _fleet.Published.Add((Id, _fleet.Now, report.Breakers[0].Own, TrulyOwn));
            _fleet.Broadcast(r => r.Hear(report));

            if (_fleet.StoredCommand is { } stored)
            {
                Command(stored, fromStorage: true, readAtVersion: Coordinator.CommandVersion(SimulatedFleet.Breaker));
            }
        }

        public void Hear(ReplicaReport report)
        {
            if (report.ReplicaId != Id && (!LastHeard.TryGetValue(report.ReplicaId, out var last) || report.Round > last.Round))
            {
                LastHeard[report.ReplicaId] = (_fleet.Now, report.Round, report.Breakers.Any(b => b.Own));
            }

            var was = Coordinator.IsConnected;
            Coordinator.Heard(report, _fleet.Now);
            NoteConnection(was);
            Decide();
        }

        public void HearLeave(string replicaId)
        {
            LastHeard.Remove(replicaId);
            Coordinator.Left(replicaId);
            Decide();
        }

        public void Command(CommandMessage command, bool fromStorage, int? readAtVersion)
        {
            Coordinator.Observe(SimulatedFleet.Breaker, Breaker.GetInfo());
            var verdict = Coordinator.Command(command, fromStorage, readAtVersion);
            if (verdict is CommandVerdict.Apply or CommandVerdict.Noted)
            {
                Commands.Add((_fleet.Now, command.Id, verdict));
            }

            if (verdict == CommandVerdict.Apply)
            {
                switch (command.Command)
                {
                    case FleetCommand.ForceOpen:
                        Breaker.ForceOpen();
                        break;
                    case FleetCommand.Disable:
                        Breaker.Disable();
                        break;
                    case FleetCommand.MetricsOnly:
                        Breaker.MetricsOnly();
                        break;
                    default:
                        Breaker.Reset();
                        break;
                }
            }

            NoteTruth();
        }

        /// <summary>Runs one call through the breaker: it fails when <paramref name="fails"/>.</summary>
        public void Call(bool fails)
        {
            if (!Alive)
            {
                return;
            }

            try
            {
                Breaker.TryExecute(() => fails ? throw new TrackedException() : 0, out _);
            }
            catch (TrackedException)
            {
            }

            NoteTruth();
        }

        /// <summary>Notes whether the breaker is (still) open on its own evidence, after anything that may have moved it.</summary>
        public void NoteTruth() => OwnSince = TrulyOwn ? OwnSince ?? _fleet.Now : null;

        private void Decide()
        {
            Coordinator.Observe(SimulatedFleet.Breaker, Breaker.GetInfo());
            var was = Coordinator.IsConnected;
            var decisions = Coordinator.Decide(_fleet.Now);
            NoteConnection(was);
            Carry(decisions);
        }

        private void NoteConnection(bool was)
        {
            if (was && !Coordinator.IsConnected)
            {
                DownPeriods.Add((_fleet.Now, null));
            }
            else if (!was && Coordinator.IsConnected && DownPeriods.Count > 0 && DownPeriods[^1].Up is null)
            {
                DownPeriods[^1] = (DownPeriods[^1].Down, _fleet.Now);
            }
        }

        private void Carry(List<FleetDecision> decisions)
        {
            foreach (var decision in decisions)
            {
                Decisions.Add((_fleet.Now, decision));
                if (decision.Kind == FleetDecisionKind.Trip)
                {
                    var ownPeers = LastHeard.Count(p => p.Value.Own);
                    Trips.Add((_fleet.Now, ownPeers));
                    Breaker.Trip();
                    NoteTruth();
                    Coordinator.Observe(SimulatedFleet.Breaker, Breaker.GetInfo());
                }
            }
        }
    }
}
