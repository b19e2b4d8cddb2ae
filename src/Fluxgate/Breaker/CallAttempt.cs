namespace Fluxgate;

/// <summary>The outcome of <see cref="CircuitBreaker.TryExecuteAsync{T}(Func{CancellationToken, ValueTask{T}}, CancellationToken)"/>: the call's result, or the fact that the breaker rejected it.</summary>
/// <typeparam name="T">The call's result type.</typeparam>
/// <remarks>Deconstructs as <c>var (permitted, result) = await breaker.TryExecuteAsync(...)</c>.</remarks>
public readonly struct CallAttempt<T>
{
    private CallAttempt(bool isPermitted, T result, CircuitState? rejectedIn, TimeSpan? retryAfter)
    {
        IsPermitted = isPermitted;
        Result = result;
        RejectedIn = rejectedIn;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets whether the breaker ran the call; <see langword="false"/> when it rejected it.</summary>
    public bool IsPermitted { get; }

    /// <summary>Gets the call's result, or <see langword="default"/> when the call was rejected.</summary>
    public T Result { get; }

    /// <summary>Gets the state that rejected the call, or <see langword="null"/> when it ran.</summary>
    public CircuitState? RejectedIn { get; }

    /// <summary>Gets the time until the breaker will let a probe through, when the call was rejected and that time is known.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>An attempt the breaker ran.</summary>
    internal static CallAttempt<T> Permitted(T result) => new(true, result, null, null);

    /// <summary>An attempt the breaker rejected.</summary>
    internal static CallAttempt<T> Rejected(CircuitState state, TimeSpan? retryAfter) => new(false, default!, state, retryAfter);

    /// <summary>Deconstructs the attempt.</summary>
    /// <param name="isPermitted">Whether the call ran.</param>
    /// <param name="result">The call's result, or <see langword="default"/>.</param>
    public void Deconstruct(out bool isPermitted, out T result)
    {
        isPermitted = IsPermitted;
        result = Result;
    }
}
