namespace Fluxgate.Redis;

/// <summary>A command for one breaker on every replica of the fleet; stored, so replicas that start or reconnect later apply it too.</summary>
public enum FleetCommand
{
    /// <summary>Force the breaker open everywhere (<see cref="CircuitBreaker.ForceOpen"/>).</summary>
    ForceOpen,

    /// <summary>Disable the breaker everywhere (<see cref="CircuitBreaker.Disable"/>).</summary>
    Disable,

    /// <summary>Switch the breaker to metrics-only everywhere (<see cref="CircuitBreaker.MetricsOnly"/>).</summary>
    MetricsOnly,

    /// <summary>Reset the breaker everywhere (<see cref="CircuitBreaker.Reset"/>): closed, and no command in force.</summary>
    Reset,
}

/// <summary>The last command given to one breaker of the fleet.</summary>
/// <param name="Command">The command.</param>
/// <param name="IssuedAt">When it was given, by the issuer's clock.</param>
/// <param name="IssuedBy">The replica (or tool) that gave it.</param>
/// <param name="Id">Its identity: each replica applies a command once.</param>
public sealed record FleetCommandRecord(FleetCommand Command, DateTimeOffset IssuedAt, string IssuedBy, string Id);

/// <summary>One replica's breaker, as it last reported it.</summary>
/// <param name="ReplicaId">The replica.</param>
/// <param name="IsLive">Whether it was heard within the replica timeout (by the reader's clock: clocks of different machines may differ).</param>
/// <param name="LastHeard">When it last published, by its own clock.</param>
/// <param name="State">The breaker's state.</param>
/// <param name="Since">When the breaker entered that state.</param>
/// <param name="TotalCount">The calls that explain the state: while open or half-open, those of the period that opened it (the window is cleared on opening); otherwise the window's.</param>
/// <param name="FailureCount">The failures among <paramref name="TotalCount"/>.</param>
/// <param name="OpenedOnOwnEvidence">Whether the breaker is open or half-open because its own tripper opened it (what counts towards the quorum), not the fleet or a person.</param>
public sealed record ReplicaView(string ReplicaId, bool IsLive, DateTimeOffset LastHeard, CircuitState State, DateTimeOffset Since, long TotalCount, long FailureCount, bool OpenedOnOwnEvidence)
{
    /// <summary>Gets why the breaker entered its state.</summary>
    public TransitionCause Cause { get; init; }

    /// <summary>Gets the replica's policy for the breaker, as configuration writes it (<see cref="CircuitBreakerInfo.Policy"/>).</summary>
    public string Policy { get; init; } = "";
}

/// <summary>One breaker across the fleet: each replica that joined it, and the command in force.</summary>
/// <param name="BreakerName">The breaker.</param>
/// <param name="Replicas">The replicas that reported it, live or not (until Redis expires their record), ordered by id.</param>
/// <param name="LastCommand">The last command given to it, if any.</param>
/// <param name="Quorum">How many live replicas must open it on their own evidence for the fleet to open it everywhere.</param>
public sealed record FleetView(string BreakerName, IReadOnlyList<ReplicaView> Replicas, FleetCommandRecord? LastCommand, int Quorum)
{
    /// <summary>Gets the replicas heard within the replica timeout.</summary>
    public int LiveReplicas => Replicas.Count(r => r.IsLive);

    /// <summary>Gets the live replicas whose breaker opened on its own evidence.</summary>
    public int OpenedOnOwnEvidence => Replicas.Count(r => r.IsLive && r.OpenedOnOwnEvidence);

    /// <summary>Gets whether the live replicas report the breaker with different policies (they share one quorum all the same).</summary>
    public bool PoliciesDiffer => Replicas.Where(r => r.IsLive).Select(r => r.Policy).Distinct(StringComparer.Ordinal).Skip(1).Any();
}

/// <summary>The wire names of <see cref="FleetCommand"/>, as stored in Redis and shown in logs and JSON.</summary>
public static class FleetCommandExtensions
{
    private static readonly string[] s_wireNames = ["force_open", "disable", "metrics_only", "reset"];

    /// <summary>Returns the wire name of <paramref name="command"/>: <c>force_open</c>, <c>disable</c>, <c>metrics_only</c> or <c>reset</c>.</summary>
    /// <param name="command">The command.</param>
    /// <returns>The wire name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="command"/> is not a defined command.</exception>
    public static string ToWireName(this FleetCommand command) => (uint)command < (uint)s_wireNames.Length
        ? s_wireNames[(int)command]
        : throw new ArgumentOutOfRangeException(nameof(command), command, "Must be ForceOpen, Disable, MetricsOnly or Reset.");

    /// <summary>Parses a wire name (<c>force_open</c>, …), case-sensitively.</summary>
    /// <param name="wireName">The wire name.</param>
    /// <param name="command">The command, when the method returns <see langword="true"/>.</param>
    /// <returns><see langword="true"/> when <paramref name="wireName"/> is one of the four wire names.</returns>
    public static bool TryParseWireName(string? wireName, out FleetCommand command)
    {
        var index = Array.IndexOf(s_wireNames, wireName);
        command = (FleetCommand)Math.Max(index, 0);
        return index >= 0;
    }
}
