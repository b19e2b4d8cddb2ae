using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Fluxgate.Prometheus;

/// <summary>
/// Exports the core's <c>Fluxgate</c> meter to a prometheus-net registry under the names OpenTelemetry's Prometheus
/// exporter gives the same instruments, so one set of dashboards and queries serves both:
/// <c>fluxgate_circuit_breaker_calls_total{circuit_name,outcome}</c>,
/// <c>fluxgate_circuit_breaker_call_duration_seconds{circuit_name,outcome}</c> (histogram),
/// <c>fluxgate_circuit_breaker_transitions_total{circuit_name,old_state,new_state}</c>,
/// <c>fluxgate_circuit_breaker_state{circuit_name,state}</c>,
/// <c>fluxgate_circuit_breaker_listener_failures_total{circuit_name}</c> and
/// <c>fluxgate_circuit_breaker_component_failures_total{circuit_name,operation}</c>.
/// </summary>
/// <remarks>
/// <para>
/// prometheus-net also publishes every .NET meter by itself (its <c>MeterAdapter</c>, on by default), under other names:
/// the meter's name doubled as a prefix and counters typed as gauges (<c>fluxgate_fluxgate_circuit_breaker_calls</c>).
/// Keep the Fluxgate meter out of it, before anything is measured:
/// <c>Metrics.ConfigureMeterAdapter(o =&gt; o.InstrumentFilterPredicate = i =&gt; i.Meter.Name != FluxgateMetrics.MeterName)</c>.
/// </para>
/// <para>
/// The exporter listens while it lives: dispose it to stop. While it listens, every call through a breaker is measured
/// (one counter increment and one histogram observation). Create one per registry.
/// </para>
/// </remarks>
public sealed class FluxgateMeterExporter : IDisposable
{
    /// <summary>The call counter's name.</summary>
    public const string CallsMetricName = "fluxgate_circuit_breaker_calls_total";

    /// <summary>The call duration histogram's name.</summary>
    public const string CallDurationMetricName = "fluxgate_circuit_breaker_call_duration_seconds";

    /// <summary>The transition counter's name.</summary>
    public const string TransitionsMetricName = "fluxgate_circuit_breaker_transitions_total";

    /// <summary>The state gauge's name.</summary>
    public const string StateMetricName = "fluxgate_circuit_breaker_state";

    /// <summary>The listener failure counter's name.</summary>
    public const string ListenerFailuresMetricName = "fluxgate_circuit_breaker_listener_failures_total";

    /// <summary>The component failure counter's name.</summary>
    public const string ComponentFailuresMetricName = "fluxgate_circuit_breaker_component_failures_total";

    // The buckets the core advises for the duration histogram (OpenTelemetry uses them on .NET 9 and later).
    private static readonly double[] s_durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly MeterListener _listener = new();
    private readonly CollectorRegistry _registry;
    private readonly Counter _calls;
    private readonly Histogram _duration;
    private readonly Counter _transitions;
    private readonly Gauge _state;
    private readonly Counter _listenerFailures;
    private readonly Counter _componentFailures;

    // Children by label values, so a measurement costs a lookup rather than a label array per call.
    private readonly ConcurrentDictionary<(string Circuit, string Outcome), Counter.Child> _callChildren = new();
    private readonly ConcurrentDictionary<(string Circuit, string Outcome), Histogram.Child> _durationChildren = new();
    private volatile bool _disposed;

    /// <summary>Creates an exporter to prometheus-net's default registry (<see cref="Metrics.DefaultRegistry"/>).</summary>
    public FluxgateMeterExporter()
        : this(Metrics.DefaultRegistry)
    {
    }

    /// <summary>Creates an exporter to <paramref name="registry"/>, listening at once.</summary>
    /// <param name="registry">The registry the series are created in.</param>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">A <see cref="PrometheusListener"/> exports to <paramref name="registry"/> already: one of the two per registry.</exception>
    public FluxgateMeterExporter(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        RegistryClaims.Take(registry, RegistryClaims.Kind.MeterExporter);
        _registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        _calls = factory.CreateCounter(CallsMetricName, "Calls through circuit breakers, by outcome (success, failure, ignored, rejected).", "circuit_name", "outcome");
        _duration = factory.CreateHistogram(CallDurationMetricName, "Duration of calls through circuit breakers, in seconds.", new HistogramConfiguration { LabelNames = ["circuit_name", "outcome"], Buckets = s_durationBuckets });
        _transitions = factory.CreateCounter(TransitionsMetricName, "State transitions of circuit breakers.", "circuit_name", "old_state", "new_state");
        _state = factory.CreateGauge(StateMetricName, "1 for each circuit breaker's current state, 0 for its other states.", "circuit_name", "state");
        _listenerFailures = factory.CreateCounter(ListenerFailuresMetricName, "Listener exceptions and timeouts of circuit breakers.", "circuit_name");
        _componentFailures = factory.CreateCounter(ComponentFailuresMetricName, "Exceptions thrown by the parts of circuit breakers.", "circuit_name", "operation");

        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == FluxgateMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument, listener);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.Start();

        // The state gauge is observable: read it when Prometheus scrapes.
        registry.AddBeforeCollectCallback(() =>
        {
            if (!_disposed)
            {
                _listener.RecordObservableInstruments();
            }
        });
    }

    /// <summary>Removes every series of the breaker named <paramref name="circuitName"/>, for short-lived per-tenant breakers (e.g. from the registry's eviction callback).</summary>
    /// <param name="circuitName">The breaker's name.</param>
    /// <returns>The number of series removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="circuitName"/> is <see langword="null"/>.</exception>
    /// <remarks>A later measurement of that breaker creates its series again.</remarks>
    public int RemoveCircuit(string circuitName)
    {
        ArgumentNullException.ThrowIfNull(circuitName);
        foreach (var key in _callChildren.Keys.Where(k => k.Circuit == circuitName))
        {
            _callChildren.TryRemove(key, out _);
        }

        foreach (var key in _durationChildren.Keys.Where(k => k.Circuit == circuitName))
        {
            _durationChildren.TryRemove(key, out _);
        }

        return Remove(_calls, circuitName) + Remove(_duration, circuitName) + Remove(_transitions, circuitName) + Remove(_state, circuitName)
            + Remove(_listenerFailures, circuitName) + Remove(_componentFailures, circuitName);
    }

    /// <summary>Stops listening. The series already exported stay in the registry.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _listener.Dispose();
        RegistryClaims.Release(_registry);
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var circuit = Tag(tags, FluxgateMetrics.CircuitNameTag);
        switch (instrument.Name)
        {
            case FluxgateMetrics.CallsInstrument:
                _callChildren.GetOrAdd((circuit, Tag(tags, FluxgateMetrics.OutcomeTag)), static (key, counter) => counter.WithLabels(key.Circuit, key.Outcome), _calls).Inc(value);
                break;
            case FluxgateMetrics.CallDurationInstrument:
                _durationChildren.GetOrAdd((circuit, Tag(tags, FluxgateMetrics.OutcomeTag)), static (key, histogram) => histogram.WithLabels(key.Circuit, key.Outcome), _duration).Observe(value);
                break;
            case FluxgateMetrics.TransitionsInstrument:
                _transitions.WithLabels(circuit, Tag(tags, FluxgateMetrics.OldStateTag), Tag(tags, FluxgateMetrics.NewStateTag)).Inc(value);
                break;
            case FluxgateMetrics.StateInstrument:
                _state.WithLabels(circuit, Tag(tags, FluxgateMetrics.StateTag)).Set(value);
                break;
            case FluxgateMetrics.ListenerFailuresInstrument:
                _listenerFailures.WithLabels(circuit).Inc(value);
                break;
            case FluxgateMetrics.ComponentFailuresInstrument:
                _componentFailures.WithLabels(circuit, Tag(tags, FluxgateMetrics.OperationTag)).Inc(value);
                break;
        }
    }

    private static int Remove<TChild>(Collector<TChild> collector, string circuitName)
        where TChild : ChildBase
    {
        var removed = 0;
        foreach (var labels in collector.GetAllLabelValues().Where(l => l[0] == circuitName).ToList())
        {
            collector.RemoveLabelled(labels);
            removed++;
        }

        return removed;
    }

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string ?? string.Empty;
            }
        }

        return string.Empty;
    }
}
