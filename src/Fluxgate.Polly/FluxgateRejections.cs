using Polly.Hedging;
using Polly.Retry;

namespace Polly;

/// <summary>
/// Keeps Polly's retry and hedging from acting on the breaker's rejections. By default both handle every exception but
/// cancellation, so a retry would wait and try a call the breaker has already refused, and each attempt would be refused again.
/// </summary>
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
}
