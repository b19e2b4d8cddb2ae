using System.Diagnostics.Metrics;

namespace Fluxgate;

/// <summary>One breaker's measurements, with its tags built once.</summary>
/// <remarks>
/// A measurement runs the callbacks of every <see cref="MeterListener"/> listening, which are user code: each method here
/// catches their exceptions and reports them as a failure of the breaker (operation <c>Meter.Record</c>), so a
/// misconfigured meter listener never replaces a call's result or interrupts a transition.
/// </remarks>
internal sealed class BreakerTelemetry(string circuitName)
{
    /// <summary>Gets or sets where failures of the meter's listeners are reported: the breaker's dispatcher, once it exists.</summary>
    public SignalDispatcher? Dispatcher { get; set; }

    private static readonly KeyValuePair<string, object?> s_success = new(FluxgateMetrics.OutcomeTag, "success");
    private static readonly KeyValuePair<string, object?> s_failure = new(FluxgateMetrics.OutcomeTag, "failure");
    private static readonly KeyValuePair<string, object?> s_ignored = new(FluxgateMetrics.OutcomeTag, "ignored");
    private static readonly KeyValuePair<string, object?> s_rejected = new(FluxgateMetrics.OutcomeTag, "rejected");

    private readonly KeyValuePair<string, object?> _name = new(FluxgateMetrics.CircuitNameTag, circuitName);

    /// <summary>Gets whether anybody listens to the per-call instruments; the hot path checks this before anything else.</summary>
    public static bool CallsEnabled => FluxgateMeter.Calls.Enabled || FluxgateMeter.CallDuration.Enabled;

#pragma warning disable CA1031 // See the class remarks: a meter listener's exception is reported, never thrown.
    /// <summary>Counts a finished call and records its duration; <paramref name="duration"/> is <see langword="null"/> for an untimed call, which the histogram does not see.</summary>
    public void Completed(CallOutcome outcome, TimeSpan? duration)
    {
        var tag = outcome switch
        {
            CallOutcome.Success => s_success,
            CallOutcome.Failure => s_failure,
            _ => s_ignored,
        };
        try
        {
            FluxgateMeter.Calls.Add(1, _name, tag);
            if (duration is { } measured)
            {
                FluxgateMeter.CallDuration.Record(measured.TotalSeconds, _name, tag);
            }
        }
        catch (Exception exception)
        {
            Dispatcher?.ReportComponentFailure(new CircuitBreakerFailure(circuitName, FluxgateMeter.Calls, ComponentOperations.MeterRecord, exception));
        }
    }

    public void Rejected()
    {
        try
        {
            FluxgateMeter.Calls.Add(1, _name, s_rejected);
        }
        catch (Exception exception)
        {
            Dispatcher?.ReportComponentFailure(new CircuitBreakerFailure(circuitName, FluxgateMeter.Calls, ComponentOperations.MeterRecord, exception));
        }
    }

    /// <summary>Counts a transition; called under the breaker's lock, so a failure is queued for delivery after it.</summary>
    public void Transition_NeedsLock(CircuitState oldState, CircuitState newState)
    {
        if (!FluxgateMeter.Transitions.Enabled)
        {
            return;
        }

        try
        {
            FluxgateMeter.Transitions.Add(
                1,
                _name,
                new KeyValuePair<string, object?>(FluxgateMetrics.OldStateTag, oldState.ToWireName()),
                new KeyValuePair<string, object?>(FluxgateMetrics.NewStateTag, newState.ToWireName()));
        }
        catch (Exception exception)
        {
            Dispatcher?.QueueComponentFailure_NeedsLock(new CircuitBreakerFailure(circuitName, FluxgateMeter.Transitions, ComponentOperations.MeterRecord, exception));
        }
    }

    public void ListenerFailed()
    {
        if (!FluxgateMeter.ListenerFailures.Enabled)
        {
            return;
        }

        try
        {
            FluxgateMeter.ListenerFailures.Add(1, _name);
        }
        catch (Exception)
        {
            // Counting a failure failed: reporting it would be one more failure to count, so it stops here.
        }
    }

    public void ComponentFailed(string operation)
    {
        if (!FluxgateMeter.ComponentFailures.Enabled)
        {
            return;
        }

        try
        {
            FluxgateMeter.ComponentFailures.Add(1, _name, new KeyValuePair<string, object?>(FluxgateMetrics.OperationTag, operation));
        }
        catch (Exception)
        {
            // As in ListenerFailed: a failure while counting a failure stops here.
        }
    }
#pragma warning restore CA1031
}
