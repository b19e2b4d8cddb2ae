using System.Diagnostics.CodeAnalysis;
using Fluxgate.Polly;

namespace Polly;

/// <summary>Adds a Fluxgate circuit breaker to a Polly resilience pipeline, as Polly.RateLimiting's <c>AddRateLimiter</c> adds a rate limiter.</summary>
public static class FluxgateResiliencePipelineBuilderExtensions
{
    /// <summary>Adds <paramref name="breaker"/> to the pipeline: each execution through the strategy is one call of the breaker.</summary>
    /// <typeparam name="TBuilder">The builder type: <see cref="ResiliencePipelineBuilder"/> or <see cref="ResiliencePipelineBuilder{TResult}"/>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="breaker">The breaker. It may serve other pipelines and direct calls at the same time: one state, one window.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="breaker"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// A success is recorded; an exception (Polly hands it over as a value: it is never rethrown) is a failure when the breaker's
    /// tracker tracks it and not recorded otherwise, and never when the execution's own token was cancelled; a result is
    /// classified by the breaker's result tracker and returned unchanged. A rejected execution does not run the rest of the
    /// pipeline: its outcome carries a <see cref="Fluxgate.CallNotPermittedException"/>, created, not thrown.
    /// </remarks>
    public static TBuilder AddFluxgate<TBuilder>(this TBuilder builder, Fluxgate.CircuitBreaker breaker)
        where TBuilder : ResiliencePipelineBuilderBase
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(breaker);
        return builder.AddFluxgate(new FluxgateStrategyOptions { Breaker = breaker });
    }

    /// <summary>Adds a Fluxgate circuit breaker described by <paramref name="options"/>: one breaker, or one chosen per execution.</summary>
    /// <typeparam name="TBuilder">The builder type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The options: exactly one of <see cref="FluxgateStrategyOptions.Breaker"/> and <see cref="FluxgateStrategyOptions.BreakerSelector"/>, and the strategy's name.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Neither or both of <c>Breaker</c> and <c>BreakerSelector</c> are set.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification = "Polly validates the options with data annotations; the DynamicDependency keeps their members.")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(FluxgateStrategyOptions))]
    public static TBuilder AddFluxgate<TBuilder>(this TBuilder builder, FluxgateStrategyOptions options)
        where TBuilder : ResiliencePipelineBuilderBase
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if ((options.Breaker is null) == (options.BreakerSelector is null))
        {
            throw new ArgumentException(
                $"Set exactly one of FluxgateStrategyOptions.Breaker (one breaker for every execution) and BreakerSelector (a breaker per execution); {(options.Breaker is null ? "neither is set" : "both are set")}.",
                nameof(options));
        }

        // Read now: options are mutable, and a pipeline keeps what it was built with.
        var breaker = options.Breaker;
        var selector = options.BreakerSelector;
        return builder.AddStrategy(context => new FluxgateResilienceStrategy(breaker, selector, context.Telemetry), options);
    }
}
