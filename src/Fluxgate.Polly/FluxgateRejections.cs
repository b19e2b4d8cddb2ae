using Polly;
using Polly.Hedging;
using Polly.Retry;

namespace Fluxgate.Polly;

/// <summary>
/// Keeps Polly's retry and hedging from acting on the breaker's rejections. By default both handle every exception but
/// cancellation, so a retry would wait and try a call the breaker has already refused, and each attempt would be refused again.
/// </summary>
/// <remarks>
/// <c>ExcludingRejections</c> wraps the options' <c>ShouldHandle</c> as it is when called. A <c>ShouldHandle</c> set
/// afterwards replaces the exclusion: then the retry's first attempt at a rejection throws an
/// <see cref="InvalidOperationException"/> that says so, rather than retrying refused calls quietly (hedging's callback sees no
/// outcome, so there only the order of the calls guards it): set <c>ShouldHandle</c> first, then call <c>ExcludingRejections</c>.
/// </remarks>
public static class FluxgateRejections
{
    /// <summary>Returns whether <paramref name="outcome"/> is a rejection by a Fluxgate breaker (its exception is a <see cref="Fluxgate.CallNotPermittedException"/>).</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="outcome">The outcome.</param>
    /// <returns><see langword="true"/> for a rejection.</returns>
    public static bool IsRejection<TResult>(Outcome<TResult> outcome) => outcome.Exception is Fluxgate.CallNotPermittedException;

    /// <summary>Makes the retry leave rejections alone; every other outcome is decided by the <c>ShouldHandle</c> set so far.</summary>
    /// <param name="options">The retry options; their <c>ShouldHandle</c> is wrapped (once: calling this again changes nothing), so set it before calling this.</param>
    /// <returns>The same options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static RetryStrategyOptions ExcludingRejections(this RetryStrategyOptions options)
    {
        ExcludingRejections<object>(options);
        return options;
    }

    /// <summary>Makes the retry leave rejections alone; every other outcome is decided by the <c>ShouldHandle</c> set so far.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="options">The retry options; their <c>ShouldHandle</c> is wrapped (once: calling this again changes nothing), so set it before calling this.</param>
    /// <returns>The same options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static RetryStrategyOptions<TResult> ExcludingRejections<TResult>(this RetryStrategyOptions<TResult> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ShouldHandle = Exclude(options.ShouldHandle, static (RetryPredicateArguments<TResult> args) => args.Outcome);
        options.OnRetry = Guard(options.OnRetry, static (OnRetryArguments<TResult> args) => args.Outcome, "retry");
        return options;
    }

    /// <summary>Makes hedging leave rejections alone (no hedged attempt for a rejected one); every other outcome is decided by the <c>ShouldHandle</c> set so far.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="options">The hedging options; their <c>ShouldHandle</c> is wrapped (once: calling this again changes nothing), so set it before calling this.</param>
    /// <returns>The same options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static HedgingStrategyOptions<TResult> ExcludingRejections<TResult>(this HedgingStrategyOptions<TResult> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ShouldHandle = Exclude(options.ShouldHandle, static (HedgingPredicateArguments<TResult> args) => args.Outcome);
        return options;
    }

    /// <summary>Wraps <paramref name="inner"/> once: wrapping an already wrapped predicate returns it unchanged.</summary>
    private static Func<TArgs, ValueTask<bool>> Exclude<TArgs, TResult>(Func<TArgs, ValueTask<bool>> inner, Func<TArgs, Outcome<TResult>> outcome) =>
        inner.Target is Excluding<TArgs, TResult> ? inner : new Excluding<TArgs, TResult>(inner, outcome).ShouldHandle;

    private sealed class Excluding<TArgs, TResult>(Func<TArgs, ValueTask<bool>> inner, Func<TArgs, Outcome<TResult>> outcome)
    {
        public ValueTask<bool> ShouldHandle(TArgs args) => IsRejection(outcome(args)) ? PredicateResult.False() : inner(args);
    }

    /// <summary>Wraps an <c>OnRetry</c>/<c>OnHedging</c> callback once: a rejection that reaches it means the exclusion was replaced since.</summary>
    private static Func<TArgs, ValueTask>? Guard<TArgs, TResult>(Func<TArgs, ValueTask>? inner, Func<TArgs, Outcome<TResult>> outcome, string strategy) =>
        inner?.Target is Guarding<TArgs, TResult> ? inner : new Guarding<TArgs, TResult>(inner, outcome, strategy).OnAttempt;

    private sealed class Guarding<TArgs, TResult>(Func<TArgs, ValueTask>? inner, Func<TArgs, Outcome<TResult>> outcome, string strategy)
    {
        public ValueTask OnAttempt(TArgs args)
        {
            if (IsRejection(outcome(args)))
            {
                throw new InvalidOperationException(
                    $"The {strategy} strategy was about to act on a rejection by a Fluxgate circuit breaker, though ExcludingRejections() was called on its options: ShouldHandle was set after it, replacing the exclusion. Set ShouldHandle first, then call ExcludingRejections().");
            }

            return inner?.Invoke(args) ?? ValueTask.CompletedTask;
        }
    }
}
