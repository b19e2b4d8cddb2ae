namespace Fluxgate;

/// <summary>Thrown when a breaker rejects a call without running it.</summary>
/// <remarks>
/// To learn of a rejection without the cost of an exception, use
/// <see cref="CircuitBreaker.TryExecute{T}(Func{T}, out T)"/> or
/// <see cref="CircuitBreaker.TryExecuteAsync{T}(Func{CancellationToken, ValueTask{T}}, CancellationToken)"/>.
/// </remarks>
public sealed class CallNotPermittedException : Exception
{
    private readonly bool _describesRejection;
    private string? _message;

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
        CircuitName = string.Empty;
    }

    /// <summary>Creates an exception with <paramref name="message"/> and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public CallNotPermittedException(string? message, Exception? innerException)
        : base(message, innerException)
    {
        CircuitName = string.Empty;
    }

    /// <summary>Creates an exception describing a rejection by the breaker <paramref name="circuitName"/>.</summary>
    /// <param name="circuitName">The breaker's name.</param>
    /// <param name="state">The state that rejected the call: open, half-open or forced open.</param>
    /// <param name="retryAfter">The time until the breaker lets a probe through, when known.</param>
    public CallNotPermittedException(string circuitName, CircuitState state, TimeSpan? retryAfter)
        : base(null)
    {
        ArgumentNullException.ThrowIfNull(circuitName);
        _describesRejection = true;
        CircuitName = circuitName;
        State = state;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets the name of the breaker that rejected the call.</summary>
    public string CircuitName { get; }

    /// <summary>Gets the state that rejected the call.</summary>
    public CircuitState State { get; }

    /// <summary>Gets the time until the breaker will let a probe through, when known (an open circuit with a finite wait); made for HTTP <c>Retry-After</c>.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Gets a message describing the rejection, built on first use so a rejection caught without reading it costs no string formatting.</summary>
    public override string Message => _describesRejection ? _message ??= CreateMessage(CircuitName, State, RetryAfter) : base.Message;

    private static string CreateMessage(string circuitName, CircuitState state, TimeSpan? retryAfter) => state switch
    {
        CircuitState.Open when retryAfter is { } wait => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Circuit breaker '{circuitName}' is open; a probe will be let through in {wait.TotalSeconds:0.###} s."),
        CircuitState.Open => $"Circuit breaker '{circuitName}' is open and will not retry on its own.",
        CircuitState.HalfOpen => $"Circuit breaker '{circuitName}' is half-open and did not admit this call as a probe.",
        CircuitState.ForcedOpen => $"Circuit breaker '{circuitName}' is forced open.",
        _ => $"Circuit breaker '{circuitName}' did not permit the call ({state.ToWireName()}).",
    };
}
