using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Windows;

/// <summary>The contract every window honours, run against each implementation (the dotnet/runtime pattern).</summary>
public abstract class WindowContractTests
{
    private protected FakeTimeProvider Clock { get; } = TestKit.NewClock();

    /// <summary>A window big enough to hold the few outcomes each test records.</summary>
    private protected abstract Window CreateWindow();

    private protected (CircuitBreaker Breaker, Window Window) Attach(Tripper? tripper = null)
    {
        var window = CreateWindow();
        var options = TestKit.Options(Clock, tripper ?? Tripper.FailureStreak(1000), window);
        return (new CircuitBreaker(options), window);
    }

    [Fact]
    public void GetMetric_New_IsEmptyWithNullRates()
    {
        var (_, window) = Attach();

        var metric = window.GetMetric();

        Assert.Equal(0, metric.TotalCount);
        Assert.Equal(0, metric.FailureCount);
        Assert.Equal(TimeSpan.Zero, metric.TotalDuration);
        Assert.Null(metric.FailureRate);
        Assert.Null(metric.AvgDuration);
        Assert.Null(metric.SlowRate(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Record_SuccessesAndFailures_AreCountedWithTheirDurations()
    {
        var (breaker, window) = Attach(Tripper.FailureStreak(1000) & Tripper.SlowRate(1, TimeSpan.FromMilliseconds(100)));

        breaker.Succeed(Clock, TimeSpan.FromMilliseconds(50));
        breaker.Fail(Clock, TimeSpan.FromMilliseconds(150));
        breaker.Succeed(Clock, TimeSpan.FromMilliseconds(100));

        var metric = window.GetMetric();
        Assert.Equal(3, metric.TotalCount);
        Assert.Equal(1, metric.FailureCount);
        Assert.Equal(TimeSpan.FromMilliseconds(300), metric.TotalDuration);
        Assert.Equal(TimeSpan.FromMilliseconds(100), metric.AvgDuration);
        Assert.Equal(1.0 / 3, metric.FailureRate);
        Assert.Equal(2, metric.SlowCount(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(2.0 / 3, metric.SlowRate(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void SlowCount_ForAThresholdNoTripperRegistered_IsZero()
    {
        var (breaker, window) = Attach(Tripper.FailureStreak(1000) & Tripper.SlowRate(1, TimeSpan.FromMilliseconds(100)));
        breaker.Succeed(Clock, TimeSpan.FromSeconds(5));

        Assert.Equal(1, window.GetMetric().SlowCount(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(0, window.GetMetric().SlowCount(TimeSpan.FromMilliseconds(99)));
        Assert.Equal(0.0, window.GetMetric().SlowRate(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void SlowCounts_ForManyThresholds_AreEachKept()
    {
        var thresholds = Enumerable.Range(1, 6).Select(i => TimeSpan.FromMilliseconds(i * 100)).ToArray();
        var tripper = thresholds.Aggregate(Tripper.FailureStreak(1000), (t, th) => t & Tripper.SlowRate(1, th));
        var (breaker, window) = Attach(tripper);

        breaker.Succeed(Clock, TimeSpan.FromMilliseconds(350));
        breaker.Succeed(Clock, TimeSpan.FromMilliseconds(600));

        var metric = window.GetMetric();
        Assert.Equal([2, 2, 2, 1, 1, 1], thresholds.Select(metric.SlowCount));
    }

    [Fact]
    public void Reset_EmptiesTheWindowAndCountingStartsAfresh()
    {
        var (breaker, window) = Attach(Tripper.FailureStreak(1000) & Tripper.SlowRate(1, TimeSpan.FromMilliseconds(10)));
        breaker.Fail(Clock, TimeSpan.FromMilliseconds(20));
        breaker.Succeed(Clock, TimeSpan.FromMilliseconds(20));

        window.Reset();
        Assert.Equal(0, window.GetMetric().TotalCount);

        breaker.Succeed(Clock, TimeSpan.FromMilliseconds(20));
        var metric = window.GetMetric();
        Assert.Equal(1, metric.TotalCount);
        Assert.Equal(0, metric.FailureCount);
        Assert.Equal(TimeSpan.FromMilliseconds(20), metric.TotalDuration);
        Assert.Equal(1, metric.SlowCount(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void Reset_CalledDirectly_EmptiesTheWindowTheBreakerReads()
    {
        var (breaker, window) = Attach();
        breaker.Succeed(Clock);
        breaker.Fail(Clock);

        window.Reset();

        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(0, window.GetMetric().TotalCount);
        breaker.Succeed(Clock);
        Assert.Equal(1, window.GetMetric().TotalCount);
    }

    [Fact]
    public void Attach_ToASecondBreaker_ThrowsNamingTheWindow()
    {
        var (_, window) = Attach();

        var error = Assert.Throws<ArgumentException>(() => new CircuitBreaker(TestKit.Options(Clock, window: window)));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("Window", error.Message, StringComparison.Ordinal);
        Assert.Contains("already serves another circuit breaker also named 'test'", error.Message, StringComparison.Ordinal);
    }
}

public sealed class CountWindowContractTests : WindowContractTests
{
    private protected override Window CreateWindow() => new CountWindow(100);
}

public sealed class TimeWindowContractTests : WindowContractTests
{
    private protected override Window CreateWindow() => new TimeWindow(TimeSpan.FromMinutes(10));

    [Fact]
    public void GetMetric_CalledDirectly_ReadsTheClockUnderTheBreakersLock()
    {
        // A time window forgets expired seconds as it is read, so a direct read must not race the breaker's writes.
        var clock = new WatchingClock(Clock);
        var window = new TimeWindow(TimeSpan.FromMinutes(1));
        var options = TestKit.Options(Clock, window: window);
        options.TimeProvider = clock;
        var breaker = new CircuitBreaker(options);
        clock.Breaker = breaker;

        clock.Watching = true;
        _ = window.GetMetric();
        clock.Watching = false;

        Assert.True(clock.SawTheLockHeld);
    }

    private sealed class WatchingClock(FakeTimeProvider inner) : TimeProvider
    {
        public CircuitBreaker? Breaker { get; set; }

        public bool Watching { get; set; }

        public bool SawTheLockHeld { get; private set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp()
        {
            if (Watching)
            {
                SawTheLockHeld = Breaker!.IsLockHeldByCurrentThread;
            }

            return inner.GetTimestamp();
        }
    }
}
