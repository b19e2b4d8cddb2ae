using Polly;
namespace Fluxgate.Polly;

/// <summary>Options of the Fluxgate strategy: which breaker each execution goes through, and the strategy's name in Polly's telemetry.</summary>
public class FluxgateStrategyOptions : ResilienceStrategyOptions
{
    /// <summary>The strategy's default name: <c>Fluxgate</c>.</summary>
    public const string DefaultName = "Fluxgate";

    /// <summary>Creates options named <see cref="DefaultName"/>, with no breaker yet.</summary>
    public FluxgateStrategyOptions() => Name = DefaultName;

    /// <summary>Gets or sets the breaker every execution goes through. Set this or <see cref="BreakerSelector"/>.</summary>
    public Fluxgate.CircuitBreaker? Breaker { get; set; }

    /// <summary>
    /// Gets or sets a function that picks the breaker of each execution from its context, e.g. one per
    /// <see cref="ResilienceContext.OperationKey"/> from a <see cref="Fluxgate.CircuitBreakerRegistry"/>. Set this or <see cref="Breaker"/>.
    /// </summary>
    /// <remarks>It runs on every execution, so it should be cheap; a selector that throws or returns <see langword="null"/> fails that execution (as its outcome), never the pipeline.</remarks>
    public Func<ResilienceContext, Fluxgate.CircuitBreaker>? BreakerSelector { get; set; }
}
