using Prometheus;

namespace Fluxgate.Prometheus;

/// <summary>
/// A listener that exports breaker states and transitions as the series <c>circuit_breaker_state</c> and
/// <c>circuit_breaker_state_transition_total</c>: gauge <c>circuit_breaker_state{circuit_name,state}</c> (1 for the
/// current state, 0 for the five others) and counter <c>circuit_breaker_state_transition_total{circuit_name,old_state,new_state}</c>.
/// </summary>
/// <remarks>
/// A sync listener with no I/O: the series are updated before the call that caused the transition returns.
/// One instance serves any number of breakers (labelled by name). Series appear at a breaker's first
/// transition, or at once with <see cref="Track(CircuitBreaker)"/>; <see cref="RemoveCircuit(string)"/>
/// drops them, for short-lived per-tenant breakers.
/// </remarks>
public sealed class PrometheusListener : ICircuitBreakerListener
{
    /// <summary>The state gauge's name.</summary>
    public const string StateMetricName = "circuit_breaker_state";

    /// <summary>The transition counter's name.</summary>
    public const string TransitionMetricName = "circuit_breaker_state_transition_total";

    private static readonly string[] s_stateNames = [.. Enum.GetValues<CircuitState>().Select(s => s.ToWireName())];

    private readonly Gauge _state;
    private readonly Counter _transitions;

    /// <summary>Creates a listener that exports to prometheus-net's default registry (<see cref="Metrics.DefaultRegistry"/>).</summary>
    public PrometheusListener()
        : this(Metrics.DefaultRegistry)
    {
    }

    /// <summary>Creates a listener that exports to <paramref name="registry"/>.</summary>
    /// <param name="registry">The registry; listeners on the same registry share the two metrics.</param>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">A <see cref="FluxgateMeterExporter"/> exports to <paramref name="registry"/> already: one of the two per registry.</exception>
    public PrometheusListener(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        RegistryClaims.Take(registry, RegistryClaims.Kind.Listener);
        var factory = Metrics.WithCustomRegistry(registry);
        _state = factory.CreateGauge(StateMetricName, "Current state of the circuit breaker", "circuit_name", "state");
        _transitions = factory.CreateCounter(TransitionMetricName, "Count of state transitions for circuit breakers", "circuit_name", "old_state", "new_state");
    }

    /// <inheritdoc/>
    public void OnStateChanged(Signal signal)
    {
        SetState(signal.CircuitName, signal.NewState);
        _transitions.WithLabels(signal.CircuitName, signal.OldState.ToWireName(), signal.NewState.ToWireName()).Inc();
    }

    /// <summary>Publishes <paramref name="breaker"/>'s current state now, so its gauge exists before its first transition.</summary>
    /// <param name="breaker">A breaker this listener is attached to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> is <see langword="null"/>.</exception>
    public void Track(CircuitBreaker breaker)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        SetState(breaker.Name, breaker.State);
    }

    /// <summary>Removes every series of the breaker named <paramref name="circuitName"/> from the registry.</summary>
    /// <param name="circuitName">The breaker's name.</param>
    /// <returns>The number of series removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="circuitName"/> is <see langword="null"/>.</exception>
    /// <remarks>A later transition of that breaker creates its series again.</remarks>
    public int RemoveCircuit(string circuitName)
    {
        ArgumentNullException.ThrowIfNull(circuitName);
        var removed = 0;
        foreach (var labels in _state.GetAllLabelValues().Where(l => l[0] == circuitName).ToList())
        {
            _state.RemoveLabelled(labels);
            removed++;
        }

        foreach (var labels in _transitions.GetAllLabelValues().Where(l => l[0] == circuitName).ToList())
        {
            _transitions.RemoveLabelled(labels);
            removed++;
        }

        return removed;
    }

    private void SetState(string circuitName, CircuitState current)
    {
        for (var i = 0; i < s_stateNames.Length; i++)
        {
            _state.WithLabels(circuitName, s_stateNames[i]).Set(i == (int)current ? 1 : 0);
        }
    }
}
