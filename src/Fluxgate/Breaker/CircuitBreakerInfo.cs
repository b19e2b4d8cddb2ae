namespace Fluxgate;

/// <summary>A consistent snapshot of a breaker, taken by <see cref="CircuitBreaker.GetInfo"/>.</summary>
public readonly struct CircuitBreakerInfo
{
    /// <summary>Creates a snapshot.</summary>
    /// <param name="state">The current state.</param>
    /// <param name="changedAt">When the current state was entered.</param>
    /// <param name="reopens">Reopens since the circuit was last closed.</param>
    /// <param name="consecutiveFailures">Tracked failures since the last success.</param>
    /// <param name="metrics">The window's metrics at the moment of reading.</param>
    public CircuitBreakerInfo(CircuitState state, DateTimeOffset changedAt, int reopens, int consecutiveFailures, Metric metrics)
    {
        State = state;
        ChangedAt = changedAt;
        Reopens = reopens;
        ConsecutiveFailures = consecutiveFailures;
        Metrics = metrics;
    }

    /// <summary>Gets the current state.</summary>
    public CircuitState State { get; }

    /// <summary>Gets when the current state was entered (the breaker's creation for the first period).</summary>
    public DateTimeOffset ChangedAt { get; }

    /// <summary>Gets how many times the circuit reopened from half-open since it was last closed.</summary>
    public int Reopens { get; }

    /// <summary>Gets the number of tracked failures since the last success.</summary>
    public int ConsecutiveFailures { get; }

    /// <summary>Gets the window's metrics at the moment of reading; expired seconds of a <see cref="TimeWindow"/> are already forgotten.</summary>
    public Metric Metrics { get; }

    /// <summary>Returns e.g. <c>closed since 2026-01-01T00:00:00.0000000+00:00, reopens=0, streak=0, total=10 failures=3 (30%) …</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{State.ToWireName()} since {ChangedAt:O}, reopens={Reopens}, streak={ConsecutiveFailures}, {Metrics}";
}
