using Polly;

namespace Fluxgate.Docs.Snippets.PollyDocs;

internal static class MigrationAfter
{
    public static ResiliencePipeline Build()
    {
        #region snippet
        var after = new ResiliencePipelineBuilder()
            .AddFluxgate(new CircuitBreaker(new CircuitBreakerOptions
            {
                Name = "inventory",
                Window = new TimeWindow(TimeSpan.FromSeconds(30)),                    // SamplingDuration
                Tracker = Tracker.TypeOf<HttpRequestException>()                      // ShouldHandle
                    | Tracker.TypeOf<TimeoutException>(),
                Tripper = (Tripper.Closed() & Tripper.MinRequests(20)                 // MinimumThroughput
                        & Tripper.FailureRate(0.5))                                   // FailureRatio
                    | (Tripper.HalfOpened() & Tripper.FailureStreak(1)),              // a failed probe reopens
                Retry = Retry.Cooldown(TimeSpan.FromSeconds(15)),                     // BreakDuration
                Permit = Permit.All(),                                                // any call may be the probe,
                MaxHalfOpenCalls = 1,                                                 // one at a time
            }))
            .Build();
        #endregion
        return after;
    }
}
