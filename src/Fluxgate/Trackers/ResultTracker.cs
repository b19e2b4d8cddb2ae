namespace Fluxgate;

/// <summary>
/// Decides which successful results count as failures (an HTTP 503 response, say), without throwing
/// them at the caller: the result is recorded as a failure and still returned.
/// </summary>
/// <remarks>
/// Set it through <see cref="CircuitBreakerOptions.ResultTracker"/>; it is consulted only for calls that
/// return a value. Combine several with <c>|</c>. Checking a result never boxes it when the tracker's
/// type is the call's result type. To write a custom one, override <see cref="IsFailure{TResult}(TResult)"/>. It is
/// called for every result, on the caller's thread and outside the breaker's lock, so it must be thread-safe and quick.
/// One that throws does not replace the call's result: the call counts as a failure and the fault is reported as a
/// <see cref="CircuitBreakerFailure"/>.
/// </remarks>
public abstract class ResultTracker
{
    /// <summary>Initializes a result tracker.</summary>
    protected ResultTracker()
    {
    }

    /// <summary>Returns the result tracker as text, e.g. <c>When&lt;HttpResponseMessage&gt;(...)</c>; the type's name for a custom one that does not override it.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => GetType().Name;

    /// <summary>Returns whether <paramref name="result"/> counts as a failure.</summary>
    /// <typeparam name="TResult">The call's result type.</typeparam>
    /// <param name="result">The value the protected call returned.</param>
    /// <returns><see langword="true"/> to record a failure (the caller still receives the result).</returns>
    public abstract bool IsFailure<TResult>(TResult result);

    /// <summary>Counts results of type <typeparamref name="TResult"/> (or derived) that satisfy <paramref name="predicate"/> as failures.</summary>
    /// <typeparam name="TResult">The result type to inspect; results of other types are successes.</typeparam>
    /// <param name="predicate">Returns <see langword="true"/> for a failure; must be thread-safe. If it throws, the result is counted as a failure.</param>
    /// <returns>The result tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="predicate"/> is <see langword="null"/>.</exception>
    public static ResultTracker When<TResult>(Func<TResult, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new PredicateResultTracker<TResult>(predicate);
    }

    /// <summary>A result tracker that counts a result when either tracker does.</summary>
    /// <param name="left">The first result tracker.</param>
    /// <param name="right">The second result tracker.</param>
    /// <returns>The combined result tracker.</returns>
    public static ResultTracker operator |(ResultTracker left, ResultTracker right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new OrResultTracker(left, right);
    }

    /// <summary>Returns a result tracker that counts a result when either does; the method form of <c>|</c>.</summary>
    /// <param name="other">The second result tracker.</param>
    /// <returns>The combined result tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    public ResultTracker Or(ResultTracker other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this | other;
    }

    private sealed class PredicateResultTracker<T>(Func<T, bool> predicate) : ResultTracker
    {
        // A null result is shown to the predicate when T can hold null and the call's result type is T's kin (int? for
        // When<int?>, string for When<object>): "is T" is false for null, and When<int?>(v => v is null) must see it.
        private static readonly bool s_acceptsNull = default(T) is null;

        public override bool IsFailure<TResult>(TResult result)
        {
            if (typeof(TResult) == typeof(T))
            {
                // The JIT folds this test for value types; no boxing, and null reaches the predicate as itself.
                return predicate(System.Runtime.CompilerServices.Unsafe.As<TResult, T>(ref result));
            }

            if (result is null)
            {
                return s_acceptsNull && (typeof(T).IsAssignableFrom(typeof(TResult)) || typeof(TResult).IsAssignableFrom(typeof(T))) && predicate(default!);
            }

            // Otherwise a value-type result is boxed once to test it.
            return result is T value && predicate(value);
        }

        public override string ToString() => $"When<{typeof(T).Name}>(...)";
    }

    private sealed class OrResultTracker(ResultTracker left, ResultTracker right) : ResultTracker
    {
        public override bool IsFailure<TResult>(TResult result) => left.IsFailure(result) || right.IsFailure(result);

        public override string ToString() => $"{left} | {right}";
    }
}
