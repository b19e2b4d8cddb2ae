namespace Fluxgate.Redis.Transport;

/// <summary>
/// The fleet's seam to its shared store and channel: where heartbeats, departures and commands go and come from. The
/// fleet holds the rule and the breakers; a transport only moves bytes, and reports what went wrong in one line.
/// </summary>
internal interface IFleetTransport : IAsyncDisposable, IDisposable
{
    /// <summary>Gets where the transport connects, for messages (never the credentials).</summary>
    string Endpoint { get; }

    /// <summary>Gets whether the transport believes it is connected (a hint: the fleet trusts only its own echo).</summary>
    bool IsConnected { get; }

    /// <summary>Gets the first connection attempt started by <see cref="Start"/> (completed for a connection given by the caller); never faults.</summary>
    Task Connecting { get; }

    /// <summary>Starts connecting in the background and returns at once; messages of the channel then reach <paramref name="sink"/> one at a time, in the channel's order.</summary>
    void Start(IFleetTransportSink sink);

    /// <summary>Subscribes to the channel if not subscribed yet, or anew when <paramref name="renew"/>; throws when that cannot be done now.</summary>
    /// <param name="renew">Whether to drop the subscription and subscribe again: it delivers nothing, whatever the client believes.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    Task EnsureSubscribedAsync(bool renew, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="payload"/> as the replica's record (kept for <paramref name="keep"/>), lists the replica in the index, and publishes it.</summary>
    Task PublishStateAsync(string replicaId, byte[] payload, TimeSpan keep, CancellationToken cancellationToken);

    /// <summary>Reads the stored commands of <paramref name="breakers"/> (lower-case names), one entry per name, null where none.</summary>
    Task<byte[]?[]> ReadCommandsAsync(IReadOnlyList<string> breakers, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="payload"/> as the command of <paramref name="breaker"/> (a lower-case name), then publishes it.</summary>
    Task StoreCommandAsync(string breaker, byte[] payload, CancellationToken cancellationToken);

    /// <summary>Reads every replica's record and the command of <paramref name="breaker"/>; forgets index entries whose record expired.</summary>
    Task<FleetRecords> ReadRecordsAsync(string breaker, CancellationToken cancellationToken);

    /// <summary>Forgets index entries whose record expired (Redis's own expiry: no clock of a replica decides it).</summary>
    Task PruneAsync(CancellationToken cancellationToken);

    /// <summary>Publishes the replica's departure and deletes its record, waiting at most <paramref name="bound"/> for Redis; never throws.</summary>
    Task LeaveAsync(string replicaId, byte[] payload, TimeSpan bound, CancellationToken cancellationToken);
}

/// <summary>What a transport reports to the fleet.</summary>
internal interface IFleetTransportSink
{
    /// <summary>A message arrived on the channel.</summary>
    void OnMessage(ReadOnlyMemory<byte> payload);

    /// <summary>The connection failed or a key held garbage: a one-line reason, with the endpoint or the key.</summary>
    void OnProblem(string operation, string reason);
}

/// <summary>The records of a view: every replica's last heartbeat, and the breaker's stored command.</summary>
internal sealed record FleetRecords(IReadOnlyList<byte[]> Replicas, byte[]? Command);
