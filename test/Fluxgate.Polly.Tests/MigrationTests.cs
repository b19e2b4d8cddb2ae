using Polly;
using Polly.CircuitBreaker;

namespace Fluxgate.PollyTests;

/// <summary>
/// The migration of docs/polly.md, checked: Polly's breaker and its Fluxgate translation, driven by the same executions on
/// the same fake clock, open, reject, probe, reopen and close at the same steps.
/// </summary>
public class MigrationTests
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();

    [Fact]
    public void TranslatedOptions_DecideAsPollysBreakerAtEveryStep()
    {
        var polly = new ResiliencePipelineBuilder { TimeProvider = _clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 20,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(15),
                ShouldHandle = new PredicateBuilder().Handle<TrackedException>(),
            })
            .Build();
        var fluxgate = new ResiliencePipelineBuilder()
            .AddFluxgate(new CircuitBreaker(new CircuitBreakerOptions
            {
                Name = "inventory",
                TimeProvider = _clock,
                Window = new TimeWindow(TimeSpan.FromSeconds(30)),
                Tracker = Tracker.TypeOf<TrackedException>(),
                Tripper = (Tripper.Closed() & Tripper.MinRequests(20) & Tripper.FailureRate(0.5)) | (Tripper.HalfOpened() & Tripper.FailureStreak(1)),
                Retry = Retry.Cooldown(TimeSpan.FromSeconds(15)),
                Permit = Permit.All(),
                MaxHalfOpenCalls = 1,
            }))
            .Build();

        // 19 calls, every other one failing: under MinimumThroughput, both stay closed.
        for (var i = 0; i < 19; i++)
        {
            Same(i % 2 == 0 ? "fail" : "ok", "ran");
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Same("fail", "ran");                          // the 20th: 10 of 20 failed, both open
        Same("ok", "rejected");
        _clock.Advance(TimeSpan.FromSeconds(15));
        Same("fail", "ran");                          // the probe fails: both reopen
        Same("ok", "rejected");
        _clock.Advance(TimeSpan.FromSeconds(15));
        Same("ok", "ran");                            // the probe succeeds: both close
        Same("fail", "ran");
        Same("ok", "ran");

        void Same(string outcome, string expected)
        {
            var seen = (Run(polly, outcome), Run(fluxgate, outcome));
            Assert.Equal((expected, expected), seen);
        }
    }

    private static string Run(ResiliencePipeline pipeline, string outcome)
    {
        try
        {
            pipeline.Execute(() =>
            {
                if (outcome == "fail")
                {
                    throw new TrackedException();
                }
            });
            return "ran";
        }
        catch (TrackedException)
        {
            return "ran";
        }
        catch (Exception e) when (e is BrokenCircuitException or CallNotPermittedException)
        {
            return "rejected";
        }
    }
}
