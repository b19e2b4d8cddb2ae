using System.Diagnostics.CodeAnalysis;

namespace Fluxgate;

// RS0026 (several overloads with optional parameters): the async overloads take "CancellationToken cancellationToken =
// default" last, as .NET APIs do, beside the state-passing and fallback forms of the same method; the rule is about
// binary compatibility when optional parameters are added later, which the public API files already make visible.
#pragma warning disable RS0026

public sealed partial class CircuitBreaker
{
    /// <summary>Runs <paramref name="action"/> through the breaker and returns its result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <returns>The call's result (recorded as a failure when the result tracker says so, but returned all the same).</returns>
    /// <exception cref="CallNotPermittedException">The breaker rejected the call; it did not run.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    /// <remarks>Exceptions of the call propagate unchanged (same object, stack intact).</remarks>
    public T Execute<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Execute(static f => f(), action);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker, passing <paramref name="state"/> to it so that a <see langword="static"/> lambda needs no closure.</summary>
    /// <typeparam name="TState">The state type.</typeparam>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="state">The value passed to <paramref name="action"/>.</param>
    /// <returns>The call's result.</returns>
    /// <exception cref="CallNotPermittedException">The breaker rejected the call; it did not run.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public T Execute<TState, T>(Func<TState, T> action, TState state)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!TryEnter(out var period, out var start))
        {
            ThrowRejected(period, start);
        }

        return Run(action, state, period, start);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker.</summary>
    /// <param name="action">The protected call.</param>
    /// <exception cref="CallNotPermittedException">The breaker rejected the call; it did not run.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public void Execute(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Execute(static a => { a(); return default(VoidResult); }, action);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker, passing <paramref name="state"/> to it.</summary>
    /// <typeparam name="TState">The state type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="state">The value passed to <paramref name="action"/>.</param>
    /// <exception cref="CallNotPermittedException">The breaker rejected the call; it did not run.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public void Execute<TState>(Action<TState> action, TState state)
    {
        ArgumentNullException.ThrowIfNull(action);
        Execute(static s => { s.action(s.state); return default(VoidResult); }, (action, state));
    }

    /// <summary>Runs <paramref name="action"/> through the breaker; on any exception, or a rejection, returns <paramref name="fallback"/>'s answer instead.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="fallback">Receives the call's exception (tracked or not) or the <see cref="CallNotPermittedException"/>, and returns a replacement result or throws.</param>
    /// <returns>The call's result, or the fallback's.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> or <paramref name="fallback"/> is <see langword="null"/>.</exception>
    public T Execute<T>(Func<T> action, Func<Exception, T> fallback)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(fallback);
        return ExecuteWithFallback(static f => f(), action, fallback);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker; on any exception, or a rejection, runs <paramref name="fallback"/> instead of throwing.</summary>
    /// <param name="action">The protected call.</param>
    /// <param name="fallback">Receives the call's exception or the <see cref="CallNotPermittedException"/>; may rethrow.</param>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> or <paramref name="fallback"/> is <see langword="null"/>.</exception>
    public void Execute(Action action, Action<Exception> fallback)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(fallback);
        ExecuteWithFallback(static a => { a(); return default(VoidResult); }, action, fallback, static (f, e) => { f(e); return default; });
    }

    /// <summary>Runs <paramref name="action"/> unless the breaker rejects it; never throws for a rejection and allocates nothing when rejecting.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="result">The call's result, or <see langword="default"/> when rejected.</param>
    /// <returns><see langword="true"/> when the call ran; <see langword="false"/> when the breaker rejected it (nothing ran).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    /// <remarks>Exceptions of the call propagate as with <see cref="Execute{T}(Func{T})"/>.</remarks>
    public bool TryExecute<T>(Func<T> action, out T result)
    {
        ArgumentNullException.ThrowIfNull(action);
        return TryExecute(static f => f(), action, out result);
    }

    /// <summary>Runs <paramref name="action"/> with <paramref name="state"/> unless the breaker rejects it; never throws for a rejection.</summary>
    /// <typeparam name="TState">The state type.</typeparam>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="state">The value passed to <paramref name="action"/>.</param>
    /// <param name="result">The call's result, or <see langword="default"/> when rejected.</param>
    /// <returns><see langword="true"/> when the call ran; <see langword="false"/> when the breaker rejected it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public bool TryExecute<TState, T>(Func<TState, T> action, TState state, out T result)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!TryEnter(out var period, out var start))
        {
            CountRejection();
            result = default!;
            return false;
        }

        result = Run(action, state, period, start);
        return true;
    }

    /// <summary>Runs <paramref name="action"/> unless the breaker rejects it; never throws for a rejection.</summary>
    /// <param name="action">The protected call.</param>
    /// <returns><see langword="true"/> when the call ran; <see langword="false"/> when the breaker rejected it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public bool TryExecute(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return TryExecute(static a => { a(); return default(VoidResult); }, action, out _);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker and returns its result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call; receives <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">The caller's token; an <see cref="OperationCanceledException"/> while it is cancelled is never recorded as a failure.</param>
    /// <returns>The call's result. A rejection faults the task with <see cref="CallNotPermittedException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    /// <remarks>Allocates nothing when the call completes synchronously and succeeds.</remarks>
    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return ExecuteAsync(static (f, ct) => f(ct), action, cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker, passing <paramref name="state"/> to it so that a <see langword="static"/> lambda needs no closure.</summary>
    /// <typeparam name="TState">The state type.</typeparam>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="state">The value passed to <paramref name="action"/>.</param>
    /// <param name="cancellationToken">The caller's token, passed to <paramref name="action"/>.</param>
    /// <returns>The call's result. A rejection faults the task with <see cref="CallNotPermittedException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public ValueTask<T> ExecuteAsync<TState, T>(Func<TState, CancellationToken, ValueTask<T>> action, TState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!TryEnter(out var period, out var start))
        {
            return ValueTask.FromException<T>(CreateRejection(period, start));
        }

        return RunAsync(action, state, period, start, cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker.</summary>
    /// <param name="action">The protected call; receives <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">The caller's token; an <see cref="OperationCanceledException"/> while it is cancelled is never recorded as a failure.</param>
    /// <returns>A task for the call. A rejection faults it with <see cref="CallNotPermittedException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public ValueTask ExecuteAsync(Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return ExecuteAsync(static (f, ct) => f(ct), action, cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker, passing <paramref name="state"/> to it.</summary>
    /// <typeparam name="TState">The state type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="state">The value passed to <paramref name="action"/>.</param>
    /// <param name="cancellationToken">The caller's token, passed to <paramref name="action"/>.</param>
    /// <returns>A task for the call. A rejection faults it with <see cref="CallNotPermittedException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public ValueTask ExecuteAsync<TState>(Func<TState, CancellationToken, ValueTask> action, TState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!TryEnter(out var period, out var start))
        {
            return ValueTask.FromException(CreateRejection(period, start));
        }

        return RunAsync(action, state, period, start, cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker; on any exception, or a rejection, returns <paramref name="fallback"/>'s answer instead.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="fallback">Receives the call's exception (tracked or not) or the <see cref="CallNotPermittedException"/>, and returns a replacement result or throws.</param>
    /// <param name="cancellationToken">The caller's token. Its own cancellation is not given to the fallback: it propagates.</param>
    /// <returns>The call's result, or the fallback's.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> or <paramref name="fallback"/> is <see langword="null"/>.</exception>
    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> action, Func<Exception, T> fallback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(fallback);
        if (!TryEnter(out var period, out var start))
        {
            try
            {
                return new ValueTask<T>(fallback(CreateRejection(period, start)));
            }
#pragma warning disable CA1031 // A throwing fallback faults the task, as any async method would.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                return ValueTask.FromException<T>(exception);
            }
        }

        var run = RunAsync(static (f, ct) => f(ct), action, period, start, cancellationToken);
        return run.IsCompletedSuccessfully ? run : WithFallbackAsync(run, fallback, cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> unless the breaker rejects it; a rejection is reported in the result, without an exception.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="cancellationToken">The caller's token, passed to <paramref name="action"/>.</param>
    /// <returns>The call's result, or a rejected attempt. Exceptions of the call fault the task as with <see cref="ExecuteAsync{T}(Func{CancellationToken, ValueTask{T}}, CancellationToken)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public ValueTask<CallAttempt<T>> TryExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return TryExecuteAsync(static (f, ct) => f(ct), action, cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> with <paramref name="state"/> unless the breaker rejects it; a rejection is reported in the result, without an exception.</summary>
    /// <typeparam name="TState">The state type.</typeparam>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="action">The protected call.</param>
    /// <param name="state">The value passed to <paramref name="action"/>.</param>
    /// <param name="cancellationToken">The caller's token, passed to <paramref name="action"/>.</param>
    /// <returns>The call's result, or a rejected attempt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public ValueTask<CallAttempt<T>> TryExecuteAsync<TState, T>(Func<TState, CancellationToken, ValueTask<T>> action, TState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!TryEnter(out var period, out var start))
        {
            CountRejection();
            return new ValueTask<CallAttempt<T>>(CallAttempt<T>.Rejected(period.State, RetryAfter(period, start)));
        }

        var run = RunAsync(action, state, period, start, cancellationToken);
        return run.IsCompletedSuccessfully
            ? new ValueTask<CallAttempt<T>>(CallAttempt<T>.Permitted(run.Result))
            : AsAttemptAsync(run);
    }

    /// <summary>Runs <paramref name="action"/> unless the breaker rejects it; a rejection is reported as <see langword="false"/>, without an exception.</summary>
    /// <param name="action">The protected call.</param>
    /// <param name="cancellationToken">The caller's token, passed to <paramref name="action"/>.</param>
    /// <returns><see langword="true"/> when the call ran; <see langword="false"/> when the breaker rejected it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is <see langword="null"/>.</exception>
    public ValueTask<bool> TryExecuteAsync(Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!TryEnter(out var period, out var start))
        {
            CountRejection();
            return new ValueTask<bool>(false);
        }

        var run = RunAsync(static (f, ct) => f(ct), action, period, start, cancellationToken);
        return run.IsCompletedSuccessfully ? new ValueTask<bool>(true) : AsTrueAsync(run);
    }

    private T ExecuteWithFallback<TState, T>(Func<TState, T> action, TState state, Func<Exception, T> fallback) =>
        ExecuteWithFallback(action, state, fallback, static (f, e) => f(e));

    private T ExecuteWithFallback<TState, TFallback, T>(Func<TState, T> action, TState state, TFallback fallbackState, Func<TFallback, Exception, T> fallback)
    {
        if (!TryEnter(out var period, out var start))
        {
            // No throw needed: the fallback gets the exception object directly.
            return fallback(fallbackState, CreateRejection(period, start));
        }

        try
        {
            return Run(action, state, period, start);
        }
#pragma warning disable CA1031 // The fallback receives every exception of the call, by design.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return fallback(fallbackState, exception);
        }
    }

    private T Run<TState, T>(Func<TState, T> action, TState state, Period period, long start)
    {
        if (period.State == CircuitState.Disabled)
        {
            return action(state);
        }

        T result;
        try
        {
            result = action(state);
        }
        catch (Exception exception)
        {
            // Caught, recorded, rethrown: the outcome is recorded once the call has fully unwound (its own finally
            // blocks have run), as on the async path. Recording from an exception filter would be cheaper (the
            // exception thrown once instead of twice), but a filter runs before those finally blocks, so a failed
            // probe would give up its half-open slot while its cleanup still runs, and the concurrency torture test
            // caught MaxHalfOpenCalls + 1 probe bodies running at once.
            OnException(period, start, exception, CancellationToken.None);
            throw;
        }

        OnResult(period, start, result);
        return result;
    }

    private ValueTask<T> RunAsync<TState, T>(Func<TState, CancellationToken, ValueTask<T>> action, TState state, Period period, long start, CancellationToken cancellationToken)
    {
        ValueTask<T> pending;
        try
        {
            pending = action(state, cancellationToken);
        }
        catch (Exception exception)
        {
            // A synchronous throw faults the task, as an async method's would, whatever the state: disabling the
            // breaker during an incident must not change what callers and their fallbacks see.
            if (period.State != CircuitState.Disabled)
            {
                OnException(period, start, exception, cancellationToken);
            }

            return ValueTask.FromException<T>(exception);
        }

        if (period.State == CircuitState.Disabled)
        {
            return pending;
        }

        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            OnResult(period, start, result);
            return new ValueTask<T>(result);
        }

        return AwaitAsync(pending, period, start, cancellationToken);
    }

    private ValueTask RunAsync<TState>(Func<TState, CancellationToken, ValueTask> action, TState state, Period period, long start, CancellationToken cancellationToken)
    {
        ValueTask pending;
        try
        {
            pending = action(state, cancellationToken);
        }
        catch (Exception exception)
        {
            // As in RunAsync<TState, T>: a synchronous throw faults the task in every state.
            if (period.State != CircuitState.Disabled)
            {
                OnException(period, start, exception, cancellationToken);
            }

            return ValueTask.FromException(exception);
        }

        if (period.State == CircuitState.Disabled)
        {
            return pending;
        }

        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            OnResult(period, start, default(VoidResult));
            return default;
        }

        return AwaitAsync(pending, period, start, cancellationToken);
    }

    private async ValueTask<T> AwaitAsync<T>(ValueTask<T> pending, Period period, long start, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            OnException(period, start, exception, cancellationToken);
            throw;
        }

        OnResult(period, start, result);
        return result;
    }

    private async ValueTask AwaitAsync(ValueTask pending, Period period, long start, CancellationToken cancellationToken)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            OnException(period, start, exception, cancellationToken);
            throw;
        }

        OnResult(period, start, default(VoidResult));
    }

    private static async ValueTask<T> WithFallbackAsync<T>(ValueTask<T> run, Func<Exception, T> fallback, CancellationToken cancellationToken)
    {
        try
        {
            return await run.ConfigureAwait(false);
        }
        catch (Exception exception) when (!(exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return fallback(exception);
        }
    }

    private static async ValueTask<CallAttempt<T>> AsAttemptAsync<T>(ValueTask<T> run) => CallAttempt<T>.Permitted(await run.ConfigureAwait(false));

    private static async ValueTask<bool> AsTrueAsync(ValueTask run)
    {
        await run.ConfigureAwait(false);
        return true;
    }

    [DoesNotReturn]
    private void ThrowRejected(Period period, long start) => throw CreateRejection(period, start);
}
