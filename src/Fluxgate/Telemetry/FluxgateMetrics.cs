namespace Fluxgate;

/// <summary>
/// The names of the <c>Fluxgate</c> meter's instruments and tags, for wiring OpenTelemetry
/// (<c>.AddMeter(FluxgateMetrics.MeterName)</c>) and writing queries.
/// </summary>
/// <remarks>
/// Every measurement carries the breaker's name in the <see cref="CircuitNameTag"/> tag. The instruments cost
/// two boolean reads per call (one per per-call instrument) while nobody listens.
/// </remarks>
public static class FluxgateMetrics
{
    /// <summary>The meter's name: <c>Fluxgate</c>.</summary>
    public const string MeterName = "Fluxgate";

    /// <summary>Observable gauge, one series per breaker and state: 1 for the current state, 0 for the five others. Tags: <see cref="CircuitNameTag"/>, <see cref="StateTag"/>.</summary>
    public const string StateInstrument = "fluxgate.circuit_breaker.state";

    /// <summary>Counter of state transitions. Tags: <see cref="CircuitNameTag"/>, <see cref="OldStateTag"/>, <see cref="NewStateTag"/>.</summary>
    public const string TransitionsInstrument = "fluxgate.circuit_breaker.transitions";

    /// <summary>Counter of calls by outcome: <c>success</c>, <c>failure</c>, <c>ignored</c> (untracked exception or the caller's cancellation) or <c>rejected</c>. Tags: <see cref="CircuitNameTag"/>, <see cref="OutcomeTag"/>.</summary>
    public const string CallsInstrument = "fluxgate.circuit_breaker.calls";

    /// <summary>Histogram of the duration, in seconds, of the calls that ran, for breakers that time them (<see cref="CircuitBreakerOptions.MeasureDurations"/>; count calls with <see cref="CallsInstrument"/>). Tags: <see cref="CircuitNameTag"/>, <see cref="OutcomeTag"/>.</summary>
    public const string CallDurationInstrument = "fluxgate.circuit_breaker.call.duration";

    /// <summary>Counter of listener failures (exceptions and async timeouts). Tags: <see cref="CircuitNameTag"/>.</summary>
    public const string ListenerFailuresInstrument = "fluxgate.circuit_breaker.listener.failures";

    /// <summary>Counter of the failures a breaker contains other than its listeners' (a custom tracker, tripper, retry, permit or window that threw, a meter listener that threw, a call reported twice or never). Tags: <see cref="CircuitNameTag"/>, <see cref="OperationTag"/>.</summary>
    public const string ComponentFailuresInstrument = "fluxgate.circuit_breaker.component.failures";

    /// <summary>The tag holding the breaker's name; exported to Prometheus as <c>circuit_name</c>.</summary>
    public const string CircuitNameTag = "circuit.name";

    /// <summary>The tag holding a state's wire name, on <see cref="StateInstrument"/>.</summary>
    public const string StateTag = "state";

    /// <summary>The tag holding the state left, on <see cref="TransitionsInstrument"/>.</summary>
    public const string OldStateTag = "old_state";

    /// <summary>The tag holding the state entered, on <see cref="TransitionsInstrument"/>.</summary>
    public const string NewStateTag = "new_state";

    /// <summary>The tag holding a call's outcome: <c>success</c>, <c>failure</c>, <c>ignored</c> or <c>rejected</c>.</summary>
    public const string OutcomeTag = "outcome";

    /// <summary>The tag holding what a faulty part was asked, on <see cref="ComponentFailuresInstrument"/>: <c>Tracker.IsFailure</c>, <c>ResultTracker.IsFailure</c>, <c>Tripper.Evaluate</c>, <c>Tripper.SlowThreshold</c>, <c>Retry.GetWaitDuration</c>, <c>Permit.Admit</c>, <c>Window.Record</c>, <c>Window.Reset</c>, <c>Window.GetMetric</c>, <c>CircuitBreakerCall.Complete</c> or <c>Meter.Record</c>.</summary>
    public const string OperationTag = "operation";
}
