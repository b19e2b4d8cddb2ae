namespace Fluxgate;

/// <summary>
/// Something that went wrong inside a breaker and was contained: a part (window, tracker, result tracker, tripper, retry,
/// permit) or a listener threw or timed out, the meter's listeners threw, or probes begun with
/// <see cref="CircuitBreaker.BeginCall"/> were never reported. Told to every sync listener
/// (<see cref="ICircuitBreakerListener.OnFailure"/>, the one channel for failures) and counted by the <c>Fluxgate</c> meter.
/// </summary>
/// <remarks>
/// A failure never reaches a caller: the call's own result or exception is returned as it would have been, and the breaker
/// carries on with the safe answer <see cref="Consequence"/> describes.
/// </remarks>
public sealed class CircuitBreakerFailure
{
    /// <summary>Creates a failure (for tests of listeners; breakers create their own).</summary>
    /// <param name="circuitName">The breaker's name.</param>
    /// <param name="source">What failed: the part, the listener, the meter's instrument, or the breaker itself.</param>
    /// <param name="operation">What the breaker asked of it, e.g. <c>Tripper.Evaluate</c> or <c>Listener.OnStateChanged</c>.</param>
    /// <param name="exception">What it threw; a <see cref="TimeoutException"/> for an async listener that took too long.</param>
    /// <param name="signal">For a listener's failure: the signal it was handling.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public CircuitBreakerFailure(string circuitName, object source, string operation, Exception exception, Signal? signal = null)
    {
        ArgumentNullException.ThrowIfNull(circuitName);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(exception);
        CircuitName = circuitName;
        Source = source;
        Operation = operation;
        Exception = exception;
        Signal = signal;
    }

    /// <summary>Gets the breaker's name.</summary>
    public string CircuitName { get; }

    /// <summary>Gets what failed: the part, the listener, the meter's instrument, or the breaker itself (probes never reported).</summary>
    public object Source { get; }

    /// <summary>
    /// Gets what the breaker asked of it: <c>Tracker.IsFailure</c>, <c>ResultTracker.IsFailure</c>, <c>Tripper.Evaluate</c>,
    /// <c>Tripper.SlowThreshold</c>, <c>Retry.GetWaitDuration</c>, <c>Permit.Admit</c>, <c>Window.Record</c>,
    /// <c>Window.Reset</c>, <c>Window.GetMetric</c>, <c>Listener.OnStateChanged</c>, <c>Listener.OnStateChangedAsync</c>,
    /// <c>Meter.Record</c> or <c>CircuitBreakerCall.Complete</c>.
    /// </summary>
    public string Operation { get; }

    /// <summary>Gets what it threw. For a tripper that read the slow rate of a threshold its tree does not register, an <see cref="InvalidOperationException"/> describing the mistake.</summary>
    public Exception Exception { get; }

    /// <summary>Gets, for a listener's failure, the signal it was handling; otherwise <see langword="null"/>.</summary>
    public Signal? Signal { get; }

    /// <summary>Gets what the breaker did instead of the failed answer, e.g. <c>the tripper's answer was taken as false (no transition)</c>.</summary>
    public string Consequence => Operation switch
    {
        ComponentOperations.TrackerIsFailure => "the exception was counted as a failure",
        ComponentOperations.ResultTrackerIsFailure => "the result was counted as a failure",
        ComponentOperations.TripperEvaluate => "the tripper's answer was taken as false (no transition)",
        ComponentOperations.TripperSlowThreshold => "the slow count read as 0; return the SlowRate trippers from GetChildren so the window counts them",
        ComponentOperations.RetryGetWaitDuration => "the circuit will let a probe through on the next call",
        ComponentOperations.PermitAdmit => "the call was not admitted as a probe",
        ComponentOperations.WindowRecord => "the outcome may be missing from the window",
        ComponentOperations.WindowReset => "the window may keep outcomes of the previous state",
        ComponentOperations.WindowGetMetric => "the tripper was not asked (no transition)",
        ComponentOperations.CallComplete => "the probe slots were given to new calls (raise ProbeLease if calls take that long); a late report is still recorded if the state has not changed",
        ComponentOperations.ListenerOnStateChanged or ComponentOperations.ListenerOnStateChangedAsync => "delivery moved on to the next listener and signal",
        ComponentOperations.MeterRecord => "the measurement may be missing",
        _ => "the breaker carried on",
    };

    /// <summary>Returns e.g. <c>payment_api: Tripper.Evaluate of MyTripper threw InvalidOperationException; the tripper's answer was taken as false (no transition)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{CircuitName}: {Operation} of {Source.GetType().Name} threw {Exception.GetType().Name}{(Signal is { } signal ? $" on {signal.OldState.ToWireName()} → {signal.NewState.ToWireName()}" : "")}; {Consequence}";
}

/// <summary>The <see cref="CircuitBreakerFailure.Operation"/> names, also the values of the meter's <c>operation</c> tag.</summary>
internal static class ComponentOperations
{
    public const string TrackerIsFailure = "Tracker.IsFailure";
    public const string ResultTrackerIsFailure = "ResultTracker.IsFailure";
    public const string TripperEvaluate = "Tripper.Evaluate";
    public const string TripperSlowThreshold = "Tripper.SlowThreshold";
    public const string RetryGetWaitDuration = "Retry.GetWaitDuration";
    public const string PermitAdmit = "Permit.Admit";
    public const string WindowRecord = "Window.Record";
    public const string WindowReset = "Window.Reset";
    public const string WindowGetMetric = "Window.GetMetric";
    public const string CallComplete = "CircuitBreakerCall.Complete";
    public const string ListenerOnStateChanged = "Listener.OnStateChanged";
    public const string ListenerOnStateChangedAsync = "Listener.OnStateChangedAsync";
    public const string MeterRecord = "Meter.Record";
}
