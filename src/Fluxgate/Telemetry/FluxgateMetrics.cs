using System.Diagnostics.Metrics;
using System.Reflection;

namespace Fluxgate;

/// <summary>
/// The names of the <c>Fluxgate</c> meter's instruments and tags, for wiring OpenTelemetry
/// (<c>.AddMeter(FluxgateMetrics.MeterName)</c>) and writing queries.
/// </summary>
/// <remarks>
/// Every measurement carries the breaker's name in the <see cref="CircuitNameTag"/> tag. The instruments cost
/// one boolean read per call while nobody listens.
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

    /// <summary>Histogram of the duration, in seconds, of the calls that ran. Tags: <see cref="CircuitNameTag"/>, <see cref="OutcomeTag"/>.</summary>
    public const string CallDurationInstrument = "fluxgate.circuit_breaker.call.duration";

    /// <summary>Counter of listener failures (exceptions and async timeouts). Tags: <see cref="CircuitNameTag"/>.</summary>
    public const string ListenerFailuresInstrument = "fluxgate.circuit_breaker.listener.failures";

    /// <summary>Counter of faults of a breaker's parts (a custom tracker, tripper, retry, permit or window that threw). Tags: <see cref="CircuitNameTag"/>, <see cref="OperationTag"/>.</summary>
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

    /// <summary>The tag holding what a faulty part was asked, on <see cref="ComponentFailuresInstrument"/>: <c>Tracker.IsFailure</c>, <c>ResultTracker.IsFailure</c>, <c>Tripper.Evaluate</c>, <c>Tripper.SlowThreshold</c>, <c>Retry.GetWaitDuration</c>, <c>Permit.Admit</c>, <c>Window.Record</c>, <c>Window.Reset</c> or <c>Window.GetMetric</c>.</summary>
    public const string OperationTag = "operation";
}

/// <summary>The core's <see cref="Meter"/> and the registry of live breakers its state gauge observes.</summary>
internal static class FluxgateMeter
{
    internal static readonly Meter Meter = new(FluxgateMetrics.MeterName, typeof(FluxgateMeter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    internal static readonly Counter<long> Calls = Meter.CreateCounter<long>(FluxgateMetrics.CallsInstrument, "{call}", "Calls through circuit breakers, by outcome.");

    internal static readonly Histogram<double> CallDuration = CreateDurationHistogram();

    internal static readonly Counter<long> Transitions = Meter.CreateCounter<long>(FluxgateMetrics.TransitionsInstrument, "{transition}", "State transitions of circuit breakers.");

    internal static readonly Counter<long> ListenerFailures = Meter.CreateCounter<long>(FluxgateMetrics.ListenerFailuresInstrument, "{failure}", "Listener exceptions and timeouts.");

    internal static readonly Counter<long> ComponentFailures = Meter.CreateCounter<long>(FluxgateMetrics.ComponentFailuresInstrument, "{failure}", "Exceptions thrown by the parts of circuit breakers (trackers, trippers, retries, permits, windows).");

    private static readonly List<WeakReference<CircuitBreaker>> s_breakers = [];
    private static int s_registrationsSincePurge;

#pragma warning disable CA1823 // Kept alive by the meter; observed through its callback.
    private static readonly ObservableGauge<int> s_state = Meter.CreateObservableGauge(FluxgateMetrics.StateInstrument, ObserveStates, "{state}", "1 for each breaker's current state, 0 for its other states.");
#pragma warning restore CA1823

    /// <summary>Gets how many breakers the state gauge holds weak references to, dead ones not yet purged included.</summary>
    internal static int RegisteredBreakers
    {
        get
        {
            lock (s_breakers)
            {
                return s_breakers.Count;
            }
        }
    }

    internal static void Register(CircuitBreaker breaker)
    {
        lock (s_breakers)
        {
            // Short-lived breakers (per tenant, per test) must not pile up: purge dead entries now and then.
            if (++s_registrationsSincePurge >= 1024)
            {
                s_breakers.RemoveAll(static r => !r.TryGetTarget(out _));
                s_registrationsSincePurge = 0;
            }

            s_breakers.Add(new WeakReference<CircuitBreaker>(breaker));
        }
    }

    private static Histogram<double> CreateDurationHistogram()
    {
#if NET9_0_OR_GREATER
        return Meter.CreateHistogram<double>(
            FluxgateMetrics.CallDurationInstrument,
            "s",
            "Duration of calls through circuit breakers.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
#else
        return Meter.CreateHistogram<double>(FluxgateMetrics.CallDurationInstrument, "s", "Duration of calls through circuit breakers.");
#endif
    }

    private static IEnumerable<Measurement<int>> ObserveStates()
    {
        List<CircuitBreaker> live = [];
        lock (s_breakers)
        {
            s_breakers.RemoveAll(r =>
            {
                if (!r.TryGetTarget(out var breaker))
                {
                    return true;
                }

                live.Add(breaker);
                return false;
            });
        }

        foreach (var breaker in live)
        {
            var current = breaker.State;
            foreach (var state in CircuitStateExtensions.All)
            {
                yield return new Measurement<int>(
                    state == current ? 1 : 0,
                    new KeyValuePair<string, object?>(FluxgateMetrics.CircuitNameTag, breaker.Name),
                    new KeyValuePair<string, object?>(FluxgateMetrics.StateTag, state.ToWireName()));
            }
        }
    }
}

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

/// <summary>How a call that ran ended, as far as the breaker is concerned.</summary>
internal enum CallOutcome
{
    Success,
    Failure,
    Ignored,
}
