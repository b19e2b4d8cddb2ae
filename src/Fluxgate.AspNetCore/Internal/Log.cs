using Microsoft.Extensions.Logging;

namespace Fluxgate.AspNetCore.Internal;

/// <summary>The dashboard's log entries, category <c>Fluxgate.AspNetCore</c> (event ids 200–299).</summary>
internal static partial class Log
{
    public const string Category = "Fluxgate.AspNetCore";

    /// <summary>The audit log: one entry per control request that reached the dashboard (authorized), whatever its result.</summary>
    [LoggerMessage(EventId = 200, EventName = "DashboardControl", Level = LogLevel.Warning,
        Message = "Fluxgate dashboard: {User} asked to {Action} circuit breaker '{CircuitName}' ({Scope}), reason '{Reason}': {Result}{Detail}")]
    public static partial void Control(ILogger logger, string user, string action, string circuitName, string scope, string reason, string result, string detail);

    [LoggerMessage(EventId = 201, EventName = "DashboardStreamDropped", Level = LogLevel.Information,
        Message = "Fluxgate dashboard: a stream was closed because its client did not read {Queued} queued events in time (connection {ConnectionId}); it may reconnect and resume")]
    public static partial void StreamDropped(ILogger logger, int queued, string connectionId);

    [LoggerMessage(EventId = 202, EventName = "DashboardStreamRefused", Level = LogLevel.Warning,
        Message = "Fluxgate dashboard: a stream was refused (503): {MaxStreams} streams are open already (FluxgateDashboardOptions.MaxStreams)")]
    public static partial void StreamRefused(ILogger logger, int maxStreams);

    [LoggerMessage(EventId = 203, EventName = "DashboardDuplicateName", Level = LogLevel.Warning,
        Message = "Fluxgate dashboard: two circuit breakers are named '{CircuitName}' (names are compared ignoring case); the dashboard shows the first, '{ShownName}'")]
    public static partial void DuplicateName(ILogger logger, string circuitName, string shownName);

    [LoggerMessage(EventId = 204, EventName = "DashboardSampleFailed", Level = LogLevel.Error,
        Message = "Fluxgate dashboard: reading the circuit breakers failed; the next sample tries again")]
    public static partial void SampleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 205, EventName = "DashboardFleetViewFailed", Level = LogLevel.Debug,
        Message = "Fluxgate dashboard: the fleet's view of '{CircuitName}' could not be read: {Reason}")]
    public static partial void FleetViewFailed(ILogger logger, string circuitName, string reason);
}
