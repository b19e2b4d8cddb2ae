namespace Fluxgate;

/// <summary>What a <see cref="Tripper"/> sees when it decides: the window's metrics, the state, the failure streak.</summary>
public readonly struct CallContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="metric">The window's snapshot after the call was recorded.</param>
    /// <param name="state">The state the breaker is deciding in: <see cref="CircuitState.Closed"/> or <see cref="CircuitState.HalfOpen"/>.</param>
    /// <param name="consecutiveFailures">Tracked failures since the last success; ≥ 0.</param>
    public CallContext(Metric metric, CircuitState state, int consecutiveFailures)
    {
        Metric = metric;
        State = state;
        ConsecutiveFailures = consecutiveFailures;
    }

    /// <summary>Gets the window's snapshot after the call was recorded.</summary>
    public Metric Metric { get; }

    /// <summary>Gets the state the breaker is deciding in.</summary>
    public CircuitState State { get; }

    /// <summary>Gets the number of tracked failures since the last success.</summary>
    public int ConsecutiveFailures { get; }
}
