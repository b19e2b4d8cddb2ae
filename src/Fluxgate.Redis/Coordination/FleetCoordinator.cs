using Fluxgate.Redis.Internal;

namespace Fluxgate.Redis.Coordination;

/// <summary>
/// The fleet's rule, and nothing else: which replicas are live, which of them opened a breaker on their own evidence,
/// when a quorum begins an episode and when it ends, and which commands to apply. No Redis, no threads, no clock of its
/// own: the host feeds it events with the time they happened (on one monotonic timeline) and carries out the decisions
/// it returns. Not thread-safe: the host serializes the events (the fleet under its lock, the simulator and the model
/// tests in their loops).
/// </summary>
/// <remarks>
/// <para>
/// The channel is taken to work only once this replica hears its own heartbeat back; it stops working when an operation
/// fails or when no echo was heard for a replica timeout. While it does not work, nothing is decided: no episode
/// begins on reports that may be stale, and none ends because peers went unheard. Peers heard before an outage are kept
/// as pending: once the channel works again they still count as live (Redis clients reconnect at their own pace, seconds
/// apart) until they are heard again, or for ten replica timeouts (at least 30 s); a pending peer's old report starts no
/// episode, and no episode ends while one is pending. An outage of any length never ends an episode.
/// </para>
/// <para>
/// An episode begins when the live replicas open on their own evidence reach the quorum; at that moment, and only then,
/// the breaker is tripped here if it is closed. It ends when the quorum has stayed lost for a replica timeout of channel
/// seen working (measured up to the last echo, so an outage not noticed yet does not count). A replica that recovers
/// during an episode is therefore never reopened by it.
/// </para>
/// </remarks>
internal sealed partial class FleetCoordinator
{
    /// <summary>The most other replicas kept track of; heartbeats of further ones are refused (a flood of forged replicas).</summary>
    public const int MaxPeers = 10_000;

    private readonly Dictionary<string, Member> _members = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Peer> _peers = new(StringComparer.Ordinal);
    private bool _connected;
    private TimeSpan _connectedSince;
    private TimeSpan _lastEcho;
    private long _lastEchoRound;
    private (long Round, TimeSpan At)? _unanswered;
    private long _round;
    private long _failedAfterRound;

    /// <summary>Creates the rule of one replica.</summary>
    /// <param name="replicaId">This replica's id: its own heartbeat, heard back, is the echo.</param>
    /// <param name="quorum">The quorum rule.</param>
    /// <param name="replicaTimeout">How long a replica may go unheard before it counts as dead.</param>
    public FleetCoordinator(string replicaId, QuorumRule quorum, TimeSpan replicaTimeout)
    {
        ReplicaId = replicaId;
        Quorum = quorum;
        ReplicaTimeout = replicaTimeout;
    }

    public string ReplicaId { get; }

    /// <summary>Gets this process's incarnation, stamped on its reports and commands (the fleet draws it at random; 0 says none).</summary>
    public long Incarnation { get; init; }

    public QuorumRule Quorum { get; }

    public TimeSpan ReplicaTimeout { get; }

    /// <summary>How long after the channel works again a peer heard before it still counts, unheard: ten replica timeouts, at least 30 s.</summary>
    public TimeSpan PendingAllowance => ReplicaTimeout * 10 > TimeSpan.FromSeconds(30) ? ReplicaTimeout * 10 : TimeSpan.FromSeconds(30);

    /// <summary>How long heartbeats may go out without one coming back before the subscription is renewed: three replica timeouts (and three heartbeats).</summary>
    public TimeSpan RenewSubscriptionAfter => ReplicaTimeout * 3;

    /// <summary>Gets whether the channel works: this replica's own heartbeat came back, and nothing failed since.</summary>
    public bool IsConnected => _connected;

    /// <summary>Gets the joined breakers' names.</summary>
    public IEnumerable<string> Members => _members.Keys;

    /// <summary>Gets the other replicas kept track of.</summary>
    public IReadOnlyCollection<string> Peers => _peers.Keys;

    /// <summary>Adds a breaker; <see langword="false"/> when one of that name (ignoring case) is already a member.</summary>
    public bool Join(string breaker) => _members.TryAdd(breaker, new Member(breaker));

    /// <summary>Removes a breaker; it is no longer reported, counted or commanded.</summary>
    public bool Leave(string breaker) => _members.Remove(breaker);

    /// <summary>Tells the rule what the breaker looks like now: its state, and its transitions since the last look.</summary>
    /// <param name="breaker">A member's name.</param>
    /// <param name="info">The breaker's snapshot.</param>
    public void Observe(string breaker, in CircuitBreakerInfo info)
    {
        if (_members.TryGetValue(breaker, out var member))
        {
            member.Observe(info);
        }
    }

    /// <summary>Gets whether the member is open or half-open on its own evidence.</summary>
    public bool IsOwnOpen(string breaker) => _members.TryGetValue(breaker, out var member) && member.OwnOpen;

    /// <summary>An operation on the channel failed: it does not work until the echo of a heartbeat sent after this.</summary>
    /// <param name="heartbeatSent">
    /// Whether this round's heartbeat had gone out before the failure (a later operation of the round failed): the wait for
    /// its echo goes on. Otherwise the wait starts again with the next heartbeat that goes out, so an outage is not taken
    /// for a silent subscription.
    /// </param>
    public void Failed(bool heartbeatSent = false)
    {
        _connected = false;
        _failedAfterRound = _round;
        if (!heartbeatSent)
        {
            _unanswered = null;
        }
    }

    /// <summary>The heartbeat of <paramref name="round"/> went out without an error: unless an echo of it or a later one was heard already, the wait for an echo runs from <paramref name="now"/> (or from an earlier heartbeat still unanswered).</summary>
    public void Sent(long round, TimeSpan now)
    {
        if (round > _lastEchoRound)
        {
            _unanswered ??= (round, now);
        }
    }

    /// <summary>
    /// Gets whether heartbeats have gone out without an error, and none came back, for <see cref="RenewSubscriptionAfter"/>
    /// and three more heartbeats: Redis takes what is published but the subscription does not deliver it. (A client
    /// resubscribes after a reconnection on its own, without waiting for the answer; when that is lost, nothing tells it.)
    /// </summary>
    public bool SubscriptionSilent(TimeSpan now) =>
        _unanswered is { } unanswered && now - unanswered.At >= RenewSubscriptionAfter && _round - unanswered.Round >= 3;

    /// <summary>The subscription was renewed: the wait for an echo starts again with the next heartbeat that goes out.</summary>
    public void Resubscribed() => _unanswered = null;

    /// <summary>Gets when the oldest heartbeat still unanswered went out, if one is.</summary>
    public TimeSpan? UnansweredSince => _unanswered?.At;

    /// <summary>Handles a heartbeat heard on the channel: this replica's own (the echo), or a peer's.</summary>
    public PeerVerdict Heard(ReplicaReport report, TimeSpan now)
    {
        if (report.ReplicaId == ReplicaId)
        {
            // Whenever it was sent, an echo shows that the subscription delivers.
            _lastEchoRound = Math.Max(_lastEchoRound, report.Round);
            if (_unanswered is { } unanswered && report.Round >= unanswered.Round)
            {
                _unanswered = null;
            }

            if (report.Round <= _failedAfterRound)
            {
                return PeerVerdict.Echo; // sent before the last failure: it says nothing of the channel now
            }

            if (!_connected)
            {
                _connected = true;
                _connectedSince = now;
            }

            _lastEcho = now;
            return PeerVerdict.Echo;
        }

        if (_peers.TryGetValue(report.ReplicaId, out var held))
        {
            // A replica publishes one round at a time, but a report that arrives after a later one of the same process must
            // not undo it. Rounds compare only within one incarnation: a replica restarted under the same id counts from
            // one again, and its reports are taken at once (no clock of another machine decides which is newer).
            if (report.Incarnation != 0 && report.Incarnation == held.Incarnation && report.Round < held.Round)
            {
                return PeerVerdict.Stale;
            }
        }
        else if (_peers.Count >= MaxPeers)
        {
            return PeerVerdict.TooManyPeers;
        }

        // Only the breakers joined here matter: a heartbeat of 10,000 others costs nothing to keep.
        var breakers = new Dictionary<string, BreakerReport>(StringComparer.OrdinalIgnoreCase);
        foreach (var breaker in report.Breakers)
        {
            if (_members.ContainsKey(breaker.Name))
            {
                breakers[breaker.Name] = breaker;
            }
        }

        _peers[report.ReplicaId] = new Peer(now, report.Round, report.Incarnation, breakers);
        return PeerVerdict.Accepted;
    }

    /// <summary>A peer announced its departure: it stops counting at once.</summary>
    public bool Left(string replicaId) => _peers.Remove(replicaId);

    /// <summary>Decides every member's quorum at <paramref name="now"/>.</summary>
    /// <returns>The decisions, in member order; empty while the channel does not work.</returns>
    public List<FleetDecision> Decide(TimeSpan now)
    {
        var decisions = new List<FleetDecision>();
        if (_connected && now - _lastEcho > ReplicaTimeout)
        {
            // Heartbeats go out but none came back for a replica timeout: the subscription is not working.
            _connected = false;
        }

        if (!_connected)
        {
            return decisions;
        }

        foreach (var (id, peer) in _peers.ToList())
        {
            if (!IsLive(peer, now))
            {
                _peers.Remove(id);
            }
        }

        foreach (var member in _members.Values)
        {
            Decide(member, now, decisions);
        }

        return decisions;
    }

    /// <summary>Returns this replica's heartbeat: every member as last observed.</summary>
    public ReplicaReport Report(long atUnixMs)
    {
        var breakers = new List<BreakerReport>(_members.Count);
        foreach (var member in _members.Values)
        {
            breakers.Add(member.ToReport());
        }

        return new ReplicaReport(ReplicaId, atUnixMs, breakers, ++_round, Incarnation);
    }

    /// <summary>Gets how many live peers report <paramref name="breaker"/> open on their own evidence (for tests).</summary>
    public int PeersOpenOnOwnEvidence(string breaker) => _peers.Values.Count(p => p.Breakers.TryGetValue(breaker, out var report) && report.Own);

    /// <summary>Gets whether every peer but those in <paramref name="except"/> was heard at or after <paramref name="since"/> (for tests that move a fake clock).</summary>
    public bool AllPeersHeardSince(TimeSpan since, IReadOnlyCollection<string> except) => _peers.All(p => p.Value.HeardAt >= since || except.Contains(p.Key));

    /// <summary>Gets whether the member is in a quorum episode.</summary>
    public bool InEpisode(string breaker) => _members.TryGetValue(breaker, out var member) && member.InEpisode;

    /// <summary>Whether the peer was last heard before the channel (last) came back: what it said may be stale.</summary>
    private bool IsPending(Peer peer) => peer.HeardAt < _connectedSince;

    /// <summary>A peer is live when heard within a replica timeout; a pending one, for <see cref="PendingAllowance"/> after the channel came back.</summary>
    private bool IsLive(Peer peer, TimeSpan now) => IsPending(peer) ? now - _connectedSince <= PendingAllowance : now - peer.HeardAt <= ReplicaTimeout;

    private void Decide(Member member, TimeSpan now, List<FleetDecision> decisions)
    {
        var live = 1;
        var opened = member.OwnOpen ? 1 : 0;
        var pending = 0;
        foreach (var (id, peer) in _peers)
        {
            if (!peer.Breakers.TryGetValue(member.Name, out var report))
            {
                continue;
            }

            live++;
            if (IsPending(peer))
            {
                pending++; // counted as live, its old report not as evidence
            }
            else
            {
                opened += report.Own ? 1 : 0;
            }

            if (member.Policy.Length > 0 && report.Policy.Length > 0 && !string.Equals(report.Policy, member.Policy, StringComparison.Ordinal)
                && member.Mismatches.Add((id, report.Policy)))
            {
                decisions.Add(new FleetDecision(FleetDecisionKind.PolicyMismatch, member.Name, 0, 0, 0, id, report.Policy));
            }
        }

        var quorum = Quorum.Of(live);
        if (opened >= quorum)
        {
            member.QuorumLostAt = null;
            if (!member.InEpisode)
            {
                // Decided once per episode: a replica that recovers while the episode lasts is left alone.
                member.InEpisode = true;
                decisions.Add(new FleetDecision(member.State == CircuitState.Closed ? FleetDecisionKind.Trip : FleetDecisionKind.EpisodeStarted, member.Name, opened, live, quorum));
            }
        }
        else if (member.InEpisode && pending > 0)
        {
            // Some replica of the episode has not been heard since the channel came back: the quorum is not known lost.
            member.QuorumLostAt = null;
        }
        else if (member.InEpisode)
        {
            // The hold counts only time the channel was seen working, up to this replica's last echo: a flaky quorum replica
            // closing between two failed probes, a late heartbeat, or Redis going away (unnoticed until the next heartbeat
            // fails) is not the end of the incident.
            member.QuorumLostAt ??= now;
            if (_lastEcho - Max(member.QuorumLostAt.Value, _connectedSince) >= ReplicaTimeout)
            {
                member.InEpisode = false;
                member.QuorumLostAt = null;
                decisions.Add(new FleetDecision(FleetDecisionKind.EpisodeEnded, member.Name, opened, live, quorum));
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Another replica, as last heard: when (on this replica's timeline), the round and incarnation of that report, and the breakers joined here that it reports.</summary>
    private sealed record Peer(TimeSpan HeardAt, long Round, long Incarnation, Dictionary<string, BreakerReport> Breakers);

    /// <summary>A joined breaker, as last observed, and what the rule keeps about it.</summary>
    private sealed class Member(string name)
    {
        private long _sequence = -1;
        private Signal _lastOpen;

        public string Name { get; } = name;

        public CircuitState State { get; private set; }

        public DateTimeOffset Since { get; private set; }

        public TransitionCause Cause { get; private set; }

        public string Policy { get; private set; } = "";

        /// <summary>Open or half-open in a cycle its own tripper began (from closed, or by a failed probe).</summary>
        public bool OwnOpen { get; private set; }

        public long Total { get; private set; }

        public long Failures { get; private set; }

        public bool InEpisode { get; set; }

        /// <summary>When the quorum was first seen lost in the current episode.</summary>
        public TimeSpan? QuorumLostAt { get; set; }

        public Queue<string> AppliedCommands { get; } = new();

        public int CommandVersion { get; set; }

        /// <summary>The (replica, policy) pairs already reported as disagreeing, so each is said once.</summary>
        public HashSet<(string Replica, string Policy)> Mismatches { get; } = [];

        public void Observe(in CircuitBreakerInfo info)
        {
            if (info.Sequence != _sequence)
            {
                // Walk the transitions not seen yet: an open's cause says whose evidence the cycle is; half-open carries it on.
                var own = OwnOpen;
                foreach (var signal in info.RecentTransitions)
                {
                    if (signal.Sequence <= _sequence)
                    {
                        continue;
                    }

                    switch (signal.NewState)
                    {
                        case CircuitState.Open:
                            own = signal.Cause is TransitionCause.Tripper or TransitionCause.ProbeFailed;
                            _lastOpen = signal;
                            break;
                        case CircuitState.HalfOpen when _lastOpen.Sequence == signal.Sequence - 1:
                            break;
                        case CircuitState.HalfOpen:
                            own = false; // the open before it was dropped from the history: in doubt, not own evidence
                            break;
                        default:
                            own = false;
                            break;
                    }
                }

                _sequence = info.Sequence;
                OwnOpen = own && info.State is CircuitState.Open or CircuitState.HalfOpen;
            }

            State = info.State;
            Since = info.ChangedAt;
            Cause = info.Cause;
            Policy = info.Policy;
            if (info.State is CircuitState.Open or CircuitState.HalfOpen && _lastOpen.Sequence > 0 && _lastOpen.Sequence >= info.Sequence - 1)
            {
                (Total, Failures) = (_lastOpen.Metrics.TotalCount, _lastOpen.Metrics.FailureCount);
            }
            else
            {
                (Total, Failures) = (info.Metrics.TotalCount, info.Metrics.FailureCount);
            }
        }

        public BreakerReport ToReport() => new(Name, State, Since.ToUnixTimeMilliseconds(), Cause, Total, Failures, OwnOpen, Policy);
    }
}
