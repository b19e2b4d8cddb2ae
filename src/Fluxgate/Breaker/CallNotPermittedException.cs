namespace Fluxgate;

/// <summary>Thrown when a breaker rejects a call without running it.</summary>
/// <remarks>
/// To learn of a rejection without the cost of an exception, use
/// <see cref="CircuitBreaker.TryExecute{T}(Func{T}, out T)"/> or
/// <see cref="CircuitBreaker.TryExecuteAsync{T}(Func{CancellationToken, ValueTask{T}}, CancellationToken)"/>.
/// </remarks>
public sealed class CallNotPermittedException : Exception
{
    // Two fields, as few as Polly's BrokenCircuitException carries: a rejection allocates no more than Polly's does.
    // _circuitName is null for an exception built from a message. _packed is the state when RetryAfter is unknown (so the
    // default, 0, reads closed and unknown); when it is known, the complement of its ticks, rounded up to a multiple of 8,
    // with the state in the 3 low bits: RetryAfter keeps its range, is never early, and is late by under a microsecond.
    private const long StateMask = 0b111;

    private readonly string? _circuitName;
    private readonly long _packed;

    /// <summary>Creates an exception with a generic message.</summary>
    public CallNotPermittedException()
        : this("The circuit breaker did not permit the call.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    public CallNotPermittedException(string? message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public CallNotPermittedException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception describing a rejection by the breaker <paramref name="circuitName"/>.</summary>
    /// <param name="circuitName">The breaker's name.</param>
    /// <param name="state">The state that rejected the call: open, half-open or forced open.</param>
    /// <param name="retryAfter">The time until the breaker lets a probe through, when known; negative values read as zero.</param>
    public CallNotPermittedException(string circuitName, CircuitState state, TimeSpan? retryAfter)
        : base(null)
    {
        ArgumentNullException.ThrowIfNull(circuitName);
        _circuitName = circuitName;
        var bits = (long)state & StateMask;
        _packed = retryAfter is { } wait ? ~((RoundUp(Math.Max(wait.Ticks, 0)) & ~StateMask) | bits) : bits;
    }

    /// <summary>Gets the name of the breaker that rejected the call (empty for an exception built from a message).</summary>
    public string CircuitName => _circuitName ?? string.Empty;

    /// <summary>Gets the state that rejected the call.</summary>
    public CircuitState State => (CircuitState)((_packed < 0 ? ~_packed : _packed) & StateMask);

    /// <summary>Gets the time until the breaker will let a probe through, when known (an open circuit with a finite wait), rounded up to a multiple of 800 ns; made for HTTP <c>Retry-After</c>.</summary>
    public TimeSpan? RetryAfter => _packed < 0 ? new TimeSpan(~_packed & ~StateMask) : null;

    /// <summary>Gets a message describing the rejection, built when read, so a rejection caught without reading it costs no string formatting.</summary>
    public override string Message => _circuitName is { } name ? CreateMessage(name, State, RetryAfter) : base.Message;

    private static long RoundUp(long ticks) => ticks > long.MaxValue - StateMask ? long.MaxValue : ticks + StateMask;

    private static string CreateMessage(string circuitName, CircuitState state, TimeSpan? retryAfter) => state switch
    {
        CircuitState.Open when retryAfter is { } wait => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Circuit breaker '{circuitName}' is open; a probe will be let through in {wait.TotalSeconds:0.###} s."),
        CircuitState.Open => $"Circuit breaker '{circuitName}' is open and will not retry on its own.",
        CircuitState.HalfOpen => $"Circuit breaker '{circuitName}' is half-open and did not admit this call as a probe.",
        CircuitState.ForcedOpen => $"Circuit breaker '{circuitName}' is forced open.",
        _ => $"Circuit breaker '{circuitName}' did not permit the call ({state.ToWireName()}).",
    };
}
