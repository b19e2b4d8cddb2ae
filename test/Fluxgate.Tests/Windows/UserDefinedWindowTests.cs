using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Windows;

/// <summary>A window written outside the library: the breaker feeds it every recorded outcome, and the tripper reads its metric.</summary>
public class UserDefinedWindowTests
{
    [Fact]
    public void Breaker_UserDefinedWindow_IsFedEveryOutcomeAndDrivesTheTripper()
    {
        var clock = TestKit.NewClock();
        var breaker = new CircuitBreaker(TestKit.Options(clock, Tripper.MinRequests(3), new TallyWindow()));

        breaker.Succeed(clock);
        breaker.Fail(clock);
        Assert.Equal((2, 1), (breaker.GetInfo().Metrics.TotalCount, breaker.GetInfo().Metrics.FailureCount));
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.Succeed(clock);

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    /// <summary>Counts outcomes and failures, forever: no eviction, no durations.</summary>
    private sealed class TallyWindow : Window
    {
        private int _count;
        private int _failures;

        public override Metric GetMetric() => new(_count, _failures, TimeSpan.Zero);

        public override void Reset() => (_count, _failures) = (0, 0);

        protected override void Record(bool isFailure, TimeSpan duration, long timestamp)
        {
            _count++;
            _failures += isFailure ? 1 : 0;
        }
    }
}
