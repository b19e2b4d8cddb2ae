namespace Fluxgate;

/// <summary>A consistent snapshot of a breaker, taken by <see cref="CircuitBreaker.GetInfo"/>.</summary>
public readonly struct CircuitBreakerInfo
{
    /// <summary>Creates a snapshot (for tests of code that reads snapshots); cause, sequence, transitions and policy are left empty.</summary>
    /// <param name="state">The current state.</param>
    /// <param name="changedAt">When the current state was entered.</param>
    /// <param name="reopens">Reopens since the circuit was last closed.</param>
    /// <param name="consecutiveFailures">Tracked failures since the last success.</param>
    /// <param name="metrics">The window's metrics at the moment of reading.</param>
    public CircuitBreakerInfo(CircuitState state, DateTimeOffset changedAt, int reopens, int consecutiveFailures, Metric metrics)
        : this(state, changedAt, reopens, consecutiveFailures, metrics, TransitionCause.None, 0, [], "", null)
    {
    }

    internal CircuitBreakerInfo(CircuitState state, DateTimeOffset changedAt, int reopens, int consecutiveFailures, Metric metrics, TransitionCause cause, long sequence, Signal[] recentTransitions, string policy, TimeSpan? retryAfter)
    {
        RetryAfter = retryAfter;
        State = state;
        ChangedAt = changedAt;
        Reopens = reopens;
        ConsecutiveFailures = consecutiveFailures;
        Metrics = metrics;
        Cause = cause;
        Sequence = sequence;
        _recentTransitions = recentTransitions;
        _policy = policy;
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

    /// <summary>Gets why the current state was entered (<see cref="TransitionCause.None"/> before the first transition).</summary>
    public TransitionCause Cause { get; }

    /// <summary>Gets the number of the transition that began the current state period (<see cref="Signal.Sequence"/>); 0 before the first.</summary>
    public long Sequence { get; }

    /// <summary>
    /// Gets the breaker's last transitions, oldest first, at most <see cref="CircuitBreaker.RecentTransitionsKept"/> of them:
    /// what a dashboard or a coordinator that samples the breaker needs to see every transition with its cause (a gap in
    /// <see cref="Signal.Sequence"/> shows that older ones were dropped).
    /// </summary>
    public IReadOnlyList<Signal> RecentTransitions => _recentTransitions ?? [];

    /// <summary>
    /// Gets the breaker's policy as configuration writes it, e.g.
    /// <c>Window=Count(100); Tracker=All(); Tripper=MinRequests(100) &amp; FailureRate(0.5); Retry=Cooldown(60s); Permit=RampUp(0.1, 1.0, 60s); MaxHalfOpenCalls=10</c>
    /// (custom parts print their type's name); changed by <see cref="CircuitBreaker.Reconfigure"/>.
    /// </summary>
    public string Policy => _policy ?? "";

    /// <summary>
    /// Gets, while the circuit is open, how long until it lets a probe through (zero once the wait has passed: the next call
    /// probes), as a rejection's <see cref="CallNotPermittedException.RetryAfter"/> says; <see langword="null"/> in any other
    /// state, and while open with <see cref="Retry.Never"/>.
    /// </summary>
    public TimeSpan? RetryAfter { get; }

    private readonly Signal[]? _recentTransitions;
    private readonly string? _policy;

    /// <summary>Returns e.g. <c>closed since 2026-01-01T00:00:00.0000000+00:00, reopens=0, streak=0, total=10 failures=3 (30%) …</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{State.ToWireName()} since {ChangedAt:O}, reopens={Reopens}, streak={ConsecutiveFailures}, {Metrics}";
}
