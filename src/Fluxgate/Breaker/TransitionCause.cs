namespace Fluxgate;

/// <summary>Why a breaker changed state: told to listeners with each <see cref="Signal"/> and kept in <see cref="CircuitBreakerInfo"/>.</summary>
/// <remarks>
/// A breaker opened on its own evidence has <see cref="Tripper"/> or <see cref="ProbeFailed"/> as the cause of its last
/// open; one opened by a coordinator (<see cref="CircuitBreaker.Trip"/>) has <see cref="Coordinator"/>. Each cause has a
/// wire name for logs, JSON and metric labels (<see cref="CircuitStateExtensions.ToWireName(TransitionCause)"/>).
/// </remarks>
public enum TransitionCause
{
    /// <summary>No transition yet: the breaker's first period, as created. Wire name <c>none</c>.</summary>
    None = 0,

    /// <summary>The tripper opened the circuit on the outcomes in its window (closed → open). Wire name <c>tripper</c>.</summary>
    Tripper = 1,

    /// <summary>A probe failed and the tripper reopened the circuit (half-open → open). Wire name <c>probe_failed</c>.</summary>
    ProbeFailed = 2,

    /// <summary>A probe succeeded and the tripper let the circuit close (half-open → closed). Wire name <c>probe_succeeded</c>.</summary>
    ProbeSucceeded = 3,

    /// <summary>The wait drawn by the retry passed and a call moved the circuit to half-open (open → half-open). Wire name <c>retry_elapsed</c>.</summary>
    RetryElapsed = 4,

    /// <summary>A coordinator opened the circuit with <see cref="CircuitBreaker.Trip"/> on evidence the breaker did not see itself (a fleet's quorum). Wire name <c>coordinator</c>.</summary>
    Coordinator = 5,

    /// <summary>A person or program called <see cref="CircuitBreaker.Reset"/>, <see cref="CircuitBreaker.Disable"/>, <see cref="CircuitBreaker.MetricsOnly"/> or <see cref="CircuitBreaker.ForceOpen"/>. Wire name <c>manual</c>.</summary>
    Manual = 6,
}
