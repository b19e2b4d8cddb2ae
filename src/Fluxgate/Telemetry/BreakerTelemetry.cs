using System.Diagnostics.Metrics;

namespace Fluxgate;

/// <summary>One breaker's measurements, with its tags built once.</summary>
/// <remarks>
/// A measurement runs the callbacks of every <see cref="MeterListener"/> listening, which are user code: each method here
/// swallows their exceptions, so a misconfigured listener never replaces a call's result or interrupts a transition.
/// </remarks>
internal sealed class BreakerTelemetry(string circuitName)
{
    private static readonly KeyValuePair<string, object?> s_success = new(FluxgateMetrics.OutcomeTag, "success");
    private static readonly KeyValuePair<string, object?> s_failure = new(FluxgateMetrics.OutcomeTag, "failure");
    private static readonly KeyValuePair<string, object?> s_ignored = new(FluxgateMetrics.OutcomeTag, "ignored");
    private static readonly KeyValuePair<string, object?> s_rejected = new(FluxgateMetrics.OutcomeTag, "rejected");

    private readonly KeyValuePair<string, object?> _name = new(FluxgateMetrics.CircuitNameTag, circuitName);

    /// <summary>Gets whether anybody listens to the per-call instruments; the hot path checks this before anything else.</summary>
    public static bool CallsEnabled => FluxgateMeter.Calls.Enabled || FluxgateMeter.CallDuration.Enabled;

#pragma warning disable CA1031 // See the class remarks: a meter listener's exception has nowhere to go.
    public void Completed(CallOutcome outcome, TimeSpan duration)
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
            FluxgateMeter.CallDuration.Record(duration.TotalSeconds, _name, tag);
        }
        catch (Exception)
        {
        }
    }

    public void Rejected()
    {
        try
        {
            FluxgateMeter.Calls.Add(1, _name, s_rejected);
        }
        catch (Exception)
        {
        }
    }

    public void Transition(CircuitState oldState, CircuitState newState)
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
        catch (Exception)
        {
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
        }
    }
#pragma warning restore CA1031
}
