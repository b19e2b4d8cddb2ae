namespace Fluxgate;

/// <summary>A state transition of a breaker, as delivered to listeners.</summary>
/// <param name="CircuitName">The breaker's <see cref="CircuitBreaker.Name"/>.</param>
/// <param name="OldState">The state left.</param>
/// <param name="NewState">The state entered; may equal <paramref name="OldState"/> for a manual call such as <see cref="CircuitBreaker.Reset"/> while closed.</param>
/// <param name="Timestamp">When the transition happened, from the breaker's <see cref="TimeProvider"/>.</param>
public readonly record struct Signal(string CircuitName, CircuitState OldState, CircuitState NewState, DateTimeOffset Timestamp)
{
    /// <summary>Creates the signal of a transition, with what only a breaker knows of it.</summary>
    internal Signal(string circuitName, CircuitState oldState, CircuitState newState, DateTimeOffset timestamp, TransitionCause cause, long sequence, Metric metrics)
        : this(circuitName, oldState, newState, timestamp)
    {
        Cause = cause;
        Sequence = sequence;
        Metrics = metrics;
    }

    /// <summary>Gets why the transition happened: the tripper, a probe's result, the retry's wait, a coordinator or a manual call.</summary>
    public TransitionCause Cause { get; }

    /// <summary>
    /// Gets the transition's number on its breaker: 1 for the first, one more for each after it. Each transition begins a state
    /// period, so the number also names the period it began (<see cref="CircuitBreakerInfo.Sequence"/> while it lasts).
    /// </summary>
    public long Sequence { get; }

    /// <summary>
    /// Gets the window's metrics as they were when the period that ended was left: the evidence a tripper decided on
    /// (the window is cleared by every transition, so this is the only place those figures remain).
    /// </summary>
    public Metric Metrics { get; }

    /// <summary>Returns e.g. <c>payment_api: closed → open (tripper) at 2026-01-01T00:00:00.0000000+00:00</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Cause == TransitionCause.None
        ? $"{CircuitName}: {OldState.ToWireName()} → {NewState.ToWireName()} at {Timestamp:O}"
        : $"{CircuitName}: {OldState.ToWireName()} → {NewState.ToWireName()} ({Cause.ToWireName()}) at {Timestamp:O}";
}
