using Microsoft.Extensions.Logging;

namespace Fluxgate.Redis.Internal;

/// <summary>Source-generated log methods of the fleet (event ids 100–199).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, EventName = "FleetJoined", Level = LogLevel.Information, Message = "Replica '{ReplicaId}' of application '{Application}' joined breaker '{CircuitName}' to the fleet")]
    public static partial void Joined(ILogger logger, string replicaId, string application, string circuitName);

    [LoggerMessage(EventId = 101, EventName = "FleetQuorumOpened", Level = LogLevel.Warning, Message = "Fleet quorum for breaker '{CircuitName}': {Opened} of {Live} live replicas opened it on their own evidence (quorum {Quorum}); opening it here")]
    public static partial void QuorumOpened(ILogger logger, string circuitName, int opened, int live, int quorum);

    [LoggerMessage(EventId = 102, EventName = "FleetQuorumEpisodeEnded", Level = LogLevel.Information, Message = "Fleet quorum for breaker '{CircuitName}' is over: {Opened} of {Live} live replicas still open on their own evidence (quorum {Quorum}); the next quorum will open it again")]
    public static partial void QuorumEnded(ILogger logger, string circuitName, int opened, int live, int quorum);

    [LoggerMessage(EventId = 103, EventName = "FleetCommandApplied", Level = LogLevel.Warning, Message = "Fleet command {Command} for breaker '{CircuitName}' from '{IssuedBy}' applied here")]
    public static partial void CommandApplied(ILogger logger, string command, string circuitName, string issuedBy);

    // Suppressed: empty, or a sentence counting the warnings suppressed since the last one (Log.Suppressed).
    [LoggerMessage(EventId = 104, EventName = "FleetRedisUnavailable", Level = LogLevel.Warning, Message = "Fleet coordination through Redis failed ({Operation}: {Reason}); every breaker keeps working on its own.{Suppressed}")]
    public static partial void RedisUnavailable(ILogger logger, string operation, string reason, string suppressed);

    [LoggerMessage(EventId = 105, EventName = "FleetRedisRestored", Level = LogLevel.Information, Message = "Fleet coordination through Redis at {Endpoint} works again")]
    public static partial void RedisRestored(ILogger logger, string endpoint);

    // Suppressed: as for RedisUnavailable.
    [LoggerMessage(EventId = 106, EventName = "FleetMessageRefused", Level = LogLevel.Warning, Message = "Ignored a fleet message read from Redis: {Reason}.{Suppressed}")]
    public static partial void MessageRefused(ILogger logger, string reason, string suppressed);

    /// <summary>Empty for none, else " N similar warnings were suppressed since the last one.".</summary>
    public static string Suppressed(int count) =>
        count == 0 ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $" {count} similar warning{(count == 1 ? " was" : "s were")} suppressed since the last one.");

    [LoggerMessage(EventId = 107, EventName = "FleetBreakerFailed", Level = LogLevel.Error, Message = "The fleet could not apply its decision to breaker '{CircuitName}'")]
    public static partial void BreakerFailed(ILogger logger, Exception exception, string circuitName);

    [LoggerMessage(EventId = 108, EventName = "FleetConnected", Level = LogLevel.Information, Message = "Replica '{ReplicaId}' of application '{Application}' coordinates through Redis at {Endpoint}")]
    public static partial void Connected(ILogger logger, string replicaId, string application, string endpoint);

    [LoggerMessage(EventId = 109, EventName = "FleetQuorumReached", Level = LogLevel.Information, Message = "Fleet quorum for breaker '{CircuitName}': {Opened} of {Live} live replicas opened it on their own evidence (quorum {Quorum}); it is {State} here already")]
    public static partial void QuorumReached(ILogger logger, string circuitName, int opened, int live, int quorum, string state);

    [LoggerMessage(EventId = 110, EventName = "FleetPolicyMismatch", Level = LogLevel.Warning, Message = "Replica '{Replica}' reports breaker '{CircuitName}' with another policy ({TheirPolicy}) than this replica's ({OurPolicy}); they share one quorum all the same: check that they are the same service")]
    public static partial void PolicyMismatch(ILogger logger, string circuitName, string replica, string theirPolicy, string ourPolicy);

    [LoggerMessage(EventId = 112, EventName = "FleetOnDemandLimit", Level = LogLevel.Warning, Message = "The fleet joins at most {Max} breakers created on demand (MaxOnDemandBreakers); '{CircuitName}' and later ones work on their own")]
    public static partial void OnDemandLimit(ILogger logger, int max, string circuitName);

    // Suppressed: as for RedisUnavailable.
    [LoggerMessage(EventId = 113, EventName = "FleetSubscriptionRenewed", Level = LogLevel.Warning, Message = "Replica '{ReplicaId}' heard none of its heartbeats back through Redis at {Endpoint} for {Seconds:0.#} s while Redis took them: subscribing to the channel again.{Suppressed}")]
    public static partial void SubscriptionRenewed(ILogger logger, string replicaId, string endpoint, double seconds, string suppressed);

    [LoggerMessage(EventId = 111, EventName = "FleetKeyRepaired", Level = LogLevel.Warning, Message = "Fleet data in Redis repaired: {What}")]
    public static partial void Repaired(ILogger logger, string what);
}

/// <summary>
/// Lets one warning of a kind through per interval and counts the others, so a Redis outage or a stream of garbage logs a
/// line a minute, not one per heartbeat or message.
/// </summary>
internal sealed class Throttle(TimeProvider clock, TimeSpan interval)
{
    private readonly object _gate = new();
    private long _last = long.MinValue;
    private int _suppressed;

    /// <summary>Returns whether to log now, and how many were suppressed since the last one logged.</summary>
    public bool TryEnter(out int suppressed)
    {
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            if (_last != long.MinValue && clock.GetElapsedTime(_last, now) < interval)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            _last = now;
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }

    /// <summary>Forgets the last warning, so the next failure after a recovery is logged at once.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _last = long.MinValue;
        }
    }
}

/// <summary>
/// The fleet's names in Redis: every key and the channel start with <c>fluxgate:{application}:</c>, braces included: in a
/// Redis Cluster the braces make every key of one application hash to one slot, so reading several at once (MGET) works.
/// </summary>
internal sealed class FleetKeys(string application)
{
    public string Prefix { get; } = "fluxgate:{" + application + "}:";

    /// <summary>The channel of heartbeats, departures and commands.</summary>
    public string Channel => Prefix + "events";

    /// <summary>The sorted set listing the replicas (score 0): ids whose record Redis expired are removed by whoever reads them.</summary>
    public string Replicas => Prefix + "replicas";

    /// <summary>A replica's last heartbeat (a string, expiring).</summary>
    public string Replica(string replicaId) => Prefix + "replica:" + replicaId;

    /// <summary>A breaker's last command (a string, kept until replaced).</summary>
    public string Command(string breaker) => Prefix + "command:" + breaker;
}
