using Fluxgate.Polly;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Fluxgate.Docs.Snippets.PollyDocs;

internal static class Pipeline
{
    public static ResiliencePipeline Build()
    {
        #region snippet
        var breaker = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "inventory",
            Tracker = Tracker.TypeOf<HttpRequestException>() | Tracker.TypeOf<TimeoutRejectedException>(),
            Tripper = Tripper.MinRequests(20) & Tripper.FailureRate(0.5),
        });

        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 3 }.ExcludingRejections())
            .AddFluxgate(breaker)
            .AddTimeout(TimeSpan.FromSeconds(2))
            .Build();
        #endregion
        return pipeline;
    }
}
