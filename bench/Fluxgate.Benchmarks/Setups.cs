using Polly;
using Polly.CircuitBreaker;

namespace Fluxgate.Benchmarks;

/// <summary>Fluxgate and Polly configured as equivalently as their models allow.</summary>
internal static class Setups
{
    public static readonly TimeSpan Break = TimeSpan.FromMinutes(10);

    /// <summary>The default-shaped breaker: CountWindow(100), MinRequests(100) &amp; FailureRate(0.5), every exception tracked.</summary>
    public static CircuitBreaker Fluxgate(Window? window = null, Tripper? tripper = null, TimeProvider? clock = null, bool measureDurations = true) => new(new CircuitBreakerOptions
    {
        MeasureDurations = measureDurations,
        Name = "bench",
        TimeProvider = clock ?? TimeProvider.System,
        Window = window ?? new CountWindow(100),
        Tracker = Tracker.TypeOf<InvalidOperationException>(),
        Tripper = tripper ?? Tripper.MinRequests(100) & Tripper.FailureRate(0.5),
        Retry = Retry.Cooldown(Break),
        Permit = Permit.All(),
    });

    /// <summary>Polly v8's breaker with the same thresholds: 50% failures over at least 100 calls (in 30 s), handling InvalidOperationException.</summary>
    public static ResiliencePipeline Polly(int minimumThroughput = 100) => new ResiliencePipelineBuilder()
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = minimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = Break,
            ShouldHandle = new PredicateBuilder().Handle<InvalidOperationException>(),
        })
        .Build();

    /// <summary>Polly's generic pipeline, for outcome-based (non-throwing) results.</summary>
    public static ResiliencePipeline<int> PollyOf(int minimumThroughput = 100) => new ResiliencePipelineBuilder<int>()
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions<int>
        {
            FailureRatio = 0.5,
            MinimumThroughput = minimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = Break,
            ShouldHandle = new PredicateBuilder<int>().Handle<InvalidOperationException>(),
        })
        .Build();
}
