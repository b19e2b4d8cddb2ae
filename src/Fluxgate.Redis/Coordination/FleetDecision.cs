namespace Fluxgate.Redis.Coordination;

/// <summary>What the coordinator tells its host to do, or to say, after an event.</summary>
internal enum FleetDecisionKind
{
    /// <summary>A quorum began an episode and this replica's breaker is closed: open it with <see cref="CircuitBreaker.Trip"/>.</summary>
    Trip,

    /// <summary>A quorum began an episode while this replica's breaker was not closed: nothing to do but say so.</summary>
    EpisodeStarted,

    /// <summary>The quorum stayed lost for a replica timeout with the channel working: the episode is over.</summary>
    EpisodeEnded,

    /// <summary>A live replica reports the breaker with another policy than this replica's.</summary>
    PolicyMismatch,
}

/// <summary>One decision about one joined breaker, with the figures it was taken on.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Breaker">The breaker's name.</param>
/// <param name="Opened">The live replicas (this one included) open on their own evidence.</param>
/// <param name="Live">The live replicas (this one included) that joined the breaker.</param>
/// <param name="Quorum">The quorum among them.</param>
/// <param name="Peer">For <see cref="FleetDecisionKind.PolicyMismatch"/>: the replica that disagrees.</param>
/// <param name="PeerPolicy">For <see cref="FleetDecisionKind.PolicyMismatch"/>: its policy.</param>
internal readonly record struct FleetDecision(FleetDecisionKind Kind, string Breaker, int Opened, int Live, int Quorum, string? Peer = null, string? PeerPolicy = null);

/// <summary>What to do with a command.</summary>
internal enum CommandVerdict
{
    /// <summary>Apply it to the breaker now.</summary>
    Apply,

    /// <summary>Already applied here (its id was seen), or not for a breaker this replica joined.</summary>
    Duplicate,

    /// <summary>Read from storage after a newer command was applied: stale.</summary>
    Stale,

    /// <summary>A stored reset read while catching up, with the breaker in a state of its own: it is noted, not applied.</summary>
    Noted,
}

/// <summary>What became of a peer's heartbeat.</summary>
internal enum PeerVerdict
{
    /// <summary>Counted.</summary>
    Accepted,

    /// <summary>This replica's own heartbeat, heard back: the channel works.</summary>
    Echo,

    /// <summary>Refused: more replicas than the coordinator keeps track of.</summary>
    TooManyPeers,

    /// <summary>Ignored: older than the report already held from that replica (it arrived out of order).</summary>
    Stale,
}

/// <summary>The quorum among live replicas: <c>max(Minimum, ceil(Fraction × live))</c>.</summary>
/// <param name="Minimum">At least 2: one replica alone never opens the others.</param>
/// <param name="Fraction">In (0, 1].</param>
internal readonly record struct QuorumRule(int Minimum, double Fraction)
{
    /// <summary>Returns the quorum among <paramref name="live"/> live replicas.</summary>
    public int Of(int live) => Math.Max(Minimum, (int)Math.Ceiling((Fraction * live) - 1e-9));
}
