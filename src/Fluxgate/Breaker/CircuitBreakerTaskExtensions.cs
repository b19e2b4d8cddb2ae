namespace Fluxgate;

// RS0026 (several overloads with optional parameters): the async overloads take "CancellationToken cancellationToken =
// default" last, as .NET APIs do, beside the state-passing and fallback forms of the same method; the rule is about
// binary compatibility when optional parameters are added later, which the public API files already make visible.
#pragma warning disable RS0026

/// <summary>
/// <see cref="Task"/>-returning forms of <see cref="CircuitBreaker.ExecuteAsync{T}(Func{CancellationToken, ValueTask{T}}, CancellationToken)"/>
/// and <see cref="CircuitBreaker.TryExecuteAsync{T}(Func{CancellationToken, ValueTask{T}}, CancellationToken)"/>, so that
/// <c>cb.ExecuteAsync(ct => client.GetFromJsonAsync&lt;Data&gt;(url, ct))</c> compiles.
/// </summary>
/// <remarks>
/// These are extension methods on purpose: C# considers them only when no instance method applies, which is
/// the case for a lambda or method group returning a <see cref="Task"/>. An <see langword="async"/> lambda still
/// binds to the <see cref="ValueTask"/> instance methods, so it is never ambiguous (as same-named Task
/// overloads on the class would make it, CS0121).
/// </remarks>
public static class CircuitBreakerTaskExtensions
{
    /// <summary>Runs the Task-returning <paramref name="action"/> through the breaker and returns its result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="breaker">The breaker.</param>
    /// <param name="action">The protected call; receives <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">The caller's token; its own cancellation is never recorded as a failure.</param>
    /// <returns>The call's result. A rejection faults the task with <see cref="CallNotPermittedException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> or <paramref name="action"/> is <see langword="null"/>.</exception>
    public static ValueTask<T> ExecuteAsync<T>(this CircuitBreaker breaker, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        ArgumentNullException.ThrowIfNull(action);
        return breaker.ExecuteAsync(static (f, ct) => new ValueTask<T>(f(ct)), action, cancellationToken);
    }

    /// <summary>Runs the Task-returning <paramref name="action"/> through the breaker.</summary>
    /// <param name="breaker">The breaker.</param>
    /// <param name="action">The protected call; receives <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">The caller's token; its own cancellation is never recorded as a failure.</param>
    /// <returns>A task for the call. A rejection faults it with <see cref="CallNotPermittedException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> or <paramref name="action"/> is <see langword="null"/>.</exception>
    public static ValueTask ExecuteAsync(this CircuitBreaker breaker, Func<CancellationToken, Task> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        ArgumentNullException.ThrowIfNull(action);
        return breaker.ExecuteAsync(static (f, ct) => new ValueTask(f(ct)), action, cancellationToken);
    }

    /// <summary>Runs the Task-returning <paramref name="action"/> through the breaker; on any exception, or a rejection, returns <paramref name="fallback"/>'s answer.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="breaker">The breaker.</param>
    /// <param name="action">The protected call.</param>
    /// <param name="fallback">Receives the call's exception or the <see cref="CallNotPermittedException"/>; not the caller's own cancellation.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The call's result, or the fallback's.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static ValueTask<T> ExecuteAsync<T>(this CircuitBreaker breaker, Func<CancellationToken, Task<T>> action, Func<Exception, T> fallback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        ArgumentNullException.ThrowIfNull(action);
        return breaker.ExecuteAsync(ct => new ValueTask<T>(action(ct)), fallback, cancellationToken);
    }

    /// <summary>Runs the Task-returning <paramref name="action"/> unless the breaker rejects it; a rejection is reported in the result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="breaker">The breaker.</param>
    /// <param name="action">The protected call.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The call's result, or a rejected attempt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> or <paramref name="action"/> is <see langword="null"/>.</exception>
    public static ValueTask<CallAttempt<T>> TryExecuteAsync<T>(this CircuitBreaker breaker, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        ArgumentNullException.ThrowIfNull(action);
        return breaker.TryExecuteAsync(static (f, ct) => new ValueTask<T>(f(ct)), action, cancellationToken);
    }

    /// <summary>Runs the Task-returning <paramref name="action"/> unless the breaker rejects it; a rejection is reported as <see langword="false"/>.</summary>
    /// <param name="breaker">The breaker.</param>
    /// <param name="action">The protected call.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns><see langword="true"/> when the call ran.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> or <paramref name="action"/> is <see langword="null"/>.</exception>
    public static ValueTask<bool> TryExecuteAsync(this CircuitBreaker breaker, Func<CancellationToken, Task> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        ArgumentNullException.ThrowIfNull(action);
        return breaker.TryExecuteAsync(ct => new ValueTask(action(ct)), cancellationToken);
    }
}
