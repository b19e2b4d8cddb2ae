using Polly;
using Polly.CircuitBreaker;

namespace Fluxgate.Docs.Snippets.PollyDocs;

internal static class MigrationBefore
{
    public static ResiliencePipeline Build()
    {
        #region snippet
        var before = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 20,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(15),
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutException>(),
            })
            .Build();
        #endregion
        return before;
    }
}
