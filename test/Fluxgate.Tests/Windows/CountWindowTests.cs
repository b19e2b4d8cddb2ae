using CsCheck;
using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Windows;

public class CountWindowTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(CountWindow.MaxSize + 1)]
    [InlineData(int.MaxValue)]
    public void Constructor_SizeOutOfRange_ThrowsNamingSizeAndRange(int size)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CountWindow(size));

        Assert.Equal("size", error.ParamName);
        Assert.Contains("between 1 and 10,000,000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(CountWindow.MaxSize)]
    public void Constructor_SizeAtTheBounds_IsAccepted(int size) => Assert.Equal(size, new CountWindow(size).Size);

    [Fact]
    public void GetMetricAndReset_BeforeAnyBreakerUsesTheWindow_ReadEmptyWithoutThrowing()
    {
        var window = new CountWindow(10);

        Assert.Equal(new Metric(0, 0, TimeSpan.Zero), window.GetMetric());
        window.Reset();
        Assert.Equal(new Metric(0, 0, TimeSpan.Zero), window.GetMetric());
    }

    [Fact]
    public void Record_BeyondTheSize_EvictsTheOldestOutcomeWithItsDurationAndSlowness()
    {
        var clock = TestKit.NewClock();
        var window = new CountWindow(3);
        var breaker = new CircuitBreaker(TestKit.Options(clock, Tripper.FailureStreak(100) & Tripper.SlowRate(1, TimeSpan.FromSeconds(1)), window));

        breaker.Fail(clock, TimeSpan.FromSeconds(2));        // evicted below
        breaker.Succeed(clock, TimeSpan.FromMilliseconds(10));
        breaker.Succeed(clock, TimeSpan.FromMilliseconds(20));
        Assert.Equal(1, window.GetMetric().FailureCount);

        breaker.Succeed(clock, TimeSpan.FromMilliseconds(30));

        var metric = window.GetMetric();
        Assert.Equal(3, metric.TotalCount);
        Assert.Equal(0, metric.FailureCount);
        Assert.Equal(TimeSpan.FromMilliseconds(60), metric.TotalDuration);
        Assert.Equal(0, metric.SlowCount(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Record_ManyTimesTheSize_KeepsExactlyTheLastN()
    {
        var clock = TestKit.NewClock();
        var window = new CountWindow(7);
        var breaker = new CircuitBreaker(TestKit.Options(clock, Tripper.FailureStreak(1000), window));
        var outcomes = new List<bool>();
        for (var i = 0; i < 50; i++)
        {
            var fail = i % 3 == 0;
            outcomes.Add(fail);
            if (fail)
            {
                breaker.Fail(clock, TimeSpan.FromMilliseconds(i));
            }
            else
            {
                breaker.Succeed(clock, TimeSpan.FromMilliseconds(i));
            }
        }

        var metric = window.GetMetric();
        Assert.Equal(7, metric.TotalCount);
        Assert.Equal(outcomes.TakeLast(7).Count(f => f), metric.FailureCount);
        Assert.Equal(TimeSpan.FromMilliseconds(Enumerable.Range(43, 7).Sum()), metric.TotalDuration);
    }

    [Fact]
    public void Record_AnySizeAndOutcomes_KeepsExactlyTheLastN()
    {
        // Sizes around and above 8 outcomes per cache line, where outcomes are spread over lines (CountWindow.Place).
        Gen.Select(Gen.Int[1, 40], Gen.Bool.Array[0, 200]).Sample((size, outcomes) =>
        {
            var clock = TestKit.NewClock();
            var window = new CountWindow(size);
            var breaker = new CircuitBreaker(TestKit.Options(clock, Tripper.FailureStreak(int.MaxValue), window));
            for (var i = 0; i < outcomes.Length; i++)
            {
                if (outcomes[i])
                {
                    breaker.Fail(clock, TimeSpan.FromTicks(i + 1));
                }
                else
                {
                    breaker.Succeed(clock, TimeSpan.FromTicks(i + 1));
                }
            }

            var kept = Enumerable.Range(0, outcomes.Length).TakeLast(size).ToList();
            var metric = window.GetMetric();
            return metric.TotalCount == kept.Count
                && metric.FailureCount == kept.Count(i => outcomes[i])
                && metric.TotalDuration == TimeSpan.FromTicks(kept.Sum(i => (long)i + 1));
        });
    }
}
