namespace Fluxgate;

/// <summary>A part of a breaker (window, tracker, result tracker, tripper, retry or permit) that threw, or probes begun with <see cref="CircuitBreaker.BeginCall"/> that were never reported, and what the breaker did instead.</summary>
/// <param name="CircuitName">The breaker's name.</param>
/// <param name="Component">The part that threw; the breaker itself when calls begun with <see cref="CircuitBreaker.BeginCall"/> were never reported.</param>
/// <param name="Operation">What the breaker asked of it, e.g. <c>Tripper.Evaluate</c> or <c>Permit.Admit</c>.</param>
/// <param name="Exception">What it threw. For a tripper that read the slow rate of a threshold its tree does not register, an <see cref="InvalidOperationException"/> describing the mistake.</param>
/// <remarks>
/// A faulty part never reaches a caller: the call's own result or exception is returned as it would have been, and
/// the breaker carries on with a safe answer, the one <see cref="Consequence"/> describes.
/// </remarks>
public readonly record struct ComponentFailure(string CircuitName, object Component, string Operation, Exception Exception)
{
    /// <summary>Gets what the breaker did instead of the part's answer, e.g. <c>the tripper's answer was taken as false</c>.</summary>
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
        _ => "the breaker carried on",
    };

    /// <summary>Returns e.g. <c>payment_api: Tripper.Evaluate of MyTripper threw InvalidOperationException; the tripper's answer was taken as false (no transition)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{CircuitName}: {Operation} of {Component.GetType().Name} threw {Exception.GetType().Name}; {Consequence}";
}

/// <summary>Implemented by a listener that also wants to hear about the breaker's faulty parts (the logging listener logs them).</summary>
public interface IComponentFailureObserver
{
    /// <summary>Called when a window, tracker, result tracker, tripper, retry or permit of the breaker threw.</summary>
    /// <param name="failure">What failed and what the breaker did instead.</param>
    void OnComponentFailure(ComponentFailure failure);
}

/// <summary>The <see cref="ComponentFailure.Operation"/> names, also the values of the meter's <c>operation</c> tag.</summary>
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
}
