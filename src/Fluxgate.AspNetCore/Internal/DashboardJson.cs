using System.Text.Json.Serialization;

namespace Fluxgate.AspNetCore.Internal;

// The dashboard's JSON: the shapes docs/dashboard.md documents and Dashboard/app.js reads. Times are UTC (DateTime of
// kind Utc, written ISO 8601 with a Z), states, causes and commands their wire names, durations in seconds or
// milliseconds as the name says. Serialized through a source-generated context (no reflection; Native AOT-safe).

/// <summary>A breaker as the read endpoints, the snapshot and <c>added</c> events show it.</summary>
internal sealed record BreakerDto(
    string Name,
    string State,
    DateTime Since,
    string Cause,
    long Sequence,
    int Reopens,
    int ConsecutiveFailures,
    WindowDto Window,
    double? CallsPerSecond,
    double? FailuresPerSecond,
    double? RetryAfter,
    string Policy,
    bool InFleet,
    FleetDto? Fleet,
    TransitionDto[] Transitions);

/// <summary>The window's figures at the moment of reading.</summary>
internal sealed record WindowDto(int Total, int Failures, double? FailureRate, double? AvgDurationMs, bool DurationsMeasured);

/// <summary>One transition: what a breaker's <see cref="CircuitBreakerInfo.RecentTransitions"/> keeps.</summary>
internal sealed record TransitionDto(string From, string To, string Cause, DateTime At, long Sequence, int Total, int Failures);

/// <summary>A breaker's figures in a <c>metrics</c> event: what changes between two samples.</summary>
internal sealed record FiguresDto(
    string Name,
    string State,
    DateTime Since,
    string Cause,
    long Sequence,
    int Reopens,
    int ConsecutiveFailures,
    WindowDto Window,
    double? CallsPerSecond,
    double? FailuresPerSecond,
    double? RetryAfter);

/// <summary>One breaker across the fleet (<c>CircuitBreakerFleet.GetViewAsync</c>).</summary>
internal sealed record FleetDto(
    string Name,
    string Application,
    string ReplicaId,
    bool Coordinating,
    int LiveReplicas,
    int OpenedOnOwnEvidence,
    int Quorum,
    bool PoliciesDiffer,
    ReplicaDto[] Replicas,
    FleetCommandDto? LastCommand);

/// <summary>One replica's breaker, as it last reported it.</summary>
internal sealed record ReplicaDto(
    string ReplicaId,
    bool IsLive,
    DateTime LastHeard,
    string State,
    DateTime Since,
    string Cause,
    long Total,
    long Failures,
    bool OpenedOnOwnEvidence,
    string Policy);

/// <summary>The command in force for a breaker of the fleet.</summary>
internal sealed record FleetCommandDto(string Command, DateTime IssuedAt, string IssuedBy, string Id);

/// <summary>One control action, as the audit log and the <c>control</c> event tell it.</summary>
internal sealed record AuditDto(DateTime At, string User, string Action, string Name, string Scope, string? Reason, string Result, string? Detail);

/// <summary>The first event of a stream: every breaker, whether this user may control them, and the recent control actions.</summary>
internal sealed record SnapshotEvent(DateTime At, bool Control, BreakerDto[] Breakers, AuditDto[] Audit);

/// <summary>A transition seen by the sampler; <c>MissedBefore</c> counts the transitions just before it that were not kept.</summary>
internal sealed record TransitionEvent(string Name, string From, string To, string Cause, DateTime At, long Sequence, int Total, int Failures, long MissedBefore);

/// <summary>The figures of the breakers that changed since the last sample (of all of them every tenth sample).</summary>
internal sealed record MetricsEvent(DateTime At, FiguresDto[] Breakers);

/// <summary>A breaker left the dashboard (an on-demand breaker removed or evicted).</summary>
internal sealed record RemovedEvent(string Name);

/// <summary>A breaker's fleet view changed.</summary>
internal sealed record FleetEvent(string Name, FleetDto? Fleet);

/// <summary>The server's clock, when nothing else was sent for a while.</summary>
internal sealed record HeartbeatEvent(DateTime At);

/// <summary>The body of a control request.</summary>
internal sealed class ControlRequest
{
    public string? Reason { get; set; }
}

/// <summary>The answer to a control request.</summary>
internal sealed record ControlResponse(string Name, string Action, string Scope, string Result, string State, string? Detail);

/// <summary>An error answer.</summary>
internal sealed record ErrorResponse(string Error);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(BreakerDto))]
[JsonSerializable(typeof(BreakerDto[]))]
[JsonSerializable(typeof(FleetDto))]
[JsonSerializable(typeof(SnapshotEvent))]
[JsonSerializable(typeof(TransitionEvent))]
[JsonSerializable(typeof(MetricsEvent))]
[JsonSerializable(typeof(RemovedEvent))]
[JsonSerializable(typeof(FleetEvent))]
[JsonSerializable(typeof(HeartbeatEvent))]
[JsonSerializable(typeof(AuditDto))]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
