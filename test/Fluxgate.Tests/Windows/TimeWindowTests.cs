using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Windows;

public class TimeWindowTests
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();

    public static TheoryData<TimeSpan> OutOfRange => new()
    {
        TimeSpan.Zero,
        TimeSpan.FromMilliseconds(999),
        TimeSpan.FromSeconds(-1),
        TimeSpan.MinValue,
        TimeSpan.FromSeconds(1_000_001),
        TimeSpan.MaxValue,
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Constructor_SizeOutOfRange_ThrowsNamingSizeAndRange(TimeSpan size)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TimeWindow(size));

        Assert.Equal("size", error.ParamName);
        Assert.Contains("between 1 second and 1,000,000 seconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_LargestAndSmallestSizes_AreAccepted()
    {
        Assert.Equal(TimeWindow.MaxSize, new TimeWindow(TimeWindow.MaxSize).Size);
        Assert.Equal(TimeSpan.FromSeconds(1), new TimeWindow(TimeSpan.FromSeconds(1)).Size);
    }

    [Fact]
    public void Constructor_FractionalSeconds_ThrowsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => new TimeWindow(TimeSpan.FromMilliseconds(1500)));

        Assert.Equal("size", error.ParamName);
        Assert.Contains("whole number of seconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetMetric_KeepsTheLastNSecondsInOneSecondBuckets()
    {
        var window = new TimeWindow(TimeSpan.FromSeconds(3));
        var breaker = new CircuitBreaker(TestKit.Options(_clock, Tripper.FailureStreak(100), window));
        _clock.Advance(TimeSpan.FromMilliseconds(100));      // mid-second, to check bucket edges

        breaker.Fail(_clock);                                 // second 0
        _clock.Advance(TimeSpan.FromSeconds(1));
        breaker.Succeed(_clock);                              // second 1
        breaker.Succeed(_clock);
        _clock.Advance(TimeSpan.FromSeconds(1));
        breaker.Succeed(_clock);                              // second 2
        Assert.Equal(4, window.GetMetric().TotalCount);

        _clock.Advance(TimeSpan.FromSeconds(1));              // second 3: second 0 leaves
        var metric = window.GetMetric();
        Assert.Equal(3, metric.TotalCount);
        Assert.Equal(0, metric.FailureCount);

        _clock.Advance(TimeSpan.FromSeconds(1));              // second 4: second 1 leaves
        Assert.Equal(1, window.GetMetric().TotalCount);
    }

    [Fact]
    public void GetInfo_WithNoCallsArriving_ForgetsExpiredSeconds()
    {
        var breaker = new CircuitBreaker(TestKit.Options(_clock, Tripper.FailureStreak(100), new TimeWindow(TimeSpan.FromSeconds(60))));
        breaker.Fail(_clock);
        breaker.Succeed(_clock, TimeSpan.FromMilliseconds(5));
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);

        _clock.Advance(TimeSpan.FromSeconds(1));
        var metrics = breaker.GetInfo().Metrics;
        Assert.Equal(0, metrics.TotalCount);
        Assert.Equal(TimeSpan.Zero, metrics.TotalDuration);
    }

    [Fact]
    public void GetMetric_AfterAGapLongerThanTheWindow_IsEmptyAndRecordsAfresh()
    {
        var window = new TimeWindow(TimeSpan.FromSeconds(5));
        var breaker = new CircuitBreaker(TestKit.Options(_clock, Tripper.FailureStreak(100), window));
        for (var i = 0; i < 5; i++)
        {
            breaker.Fail(_clock);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        _clock.Advance(TimeSpan.FromDays(400));
        Assert.Equal(0, window.GetMetric().TotalCount);

        breaker.Succeed(_clock);
        _clock.Advance(TimeSpan.FromSeconds(4));
        breaker.Succeed(_clock);
        Assert.Equal(2, window.GetMetric().TotalCount);
        Assert.Equal(0, window.GetMetric().FailureCount);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, window.GetMetric().TotalCount);
    }

    [Fact]
    public void Reset_MidSecond_CountsOnlyCallsAfterTheResetInThatSecond()
    {
        var window = new TimeWindow(TimeSpan.FromSeconds(2));
        var breaker = new CircuitBreaker(TestKit.Options(_clock, Tripper.FailureStreak(100), window));
        breaker.Fail(_clock);
        breaker.Fail(_clock);

        breaker.Reset();
        breaker.Succeed(_clock);

        Assert.Equal(1, window.GetMetric().TotalCount);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, window.GetMetric().TotalCount);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, window.GetMetric().TotalCount);
    }

    [Fact]
    public void WallClockJump_DoesNotMoveTheWindow()
    {
        var clock = new JumpingClock(_clock);
        var options = TestKit.Options(_clock, Tripper.FailureStreak(100), new TimeWindow(TimeSpan.FromSeconds(10)));
        options.TimeProvider = clock;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(_clock);
        breaker.Fail(_clock);

        clock.WallOffset = TimeSpan.FromDays(-3);
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);

        clock.WallOffset = TimeSpan.FromDays(30);
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Record_OutcomeThatEndedBeforeTheWindow_IsDroppedWithoutDisturbingIt()
    {
        // An outcome's timestamp can lag the window's newest second: its call read the clock, then waited for the
        // lock while other calls moved the window on. Played here with a clock set by hand.
        var clock = new SettableClock();
        var breaker = Breaker(clock, TimeSpan.FromSeconds(10));

        clock.Second = 100;
        breaker.Execute(() => 1);
        clock.Second = 50;                                                // far older than the window: dropped
        breaker.Execute(() => 1);
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
        clock.Second = 90;                                                // exactly one window old: dropped
        breaker.Execute(() => 1);
        clock.Second = 91;                                                // the window's oldest second: kept
        breaker.Execute(() => 1);

        clock.Second = 100;
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);
        clock.Second = 101;
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);            // second 91 left, second 100 stays
        clock.Second = 109;
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
        clock.Second = 110;
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Record_OutcomeThatEndedBeforeTheLastReset_IsDropped()
    {
        var clock = new SettableClock();
        var breaker = Breaker(clock, TimeSpan.FromSeconds(10));
        clock.Second = 100;
        breaker.Execute(() => 1);

        breaker.Reset();
        clock.Second = 99;
        breaker.Execute(() => 1);
        clock.Second = 100;
        breaker.Execute(() => 1);

        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void SlowCounts_OfSeveralThresholds_LeaveTheWindowWithTheirOwnSecond()
    {
        var one = TimeSpan.FromSeconds(1);
        var two = TimeSpan.FromSeconds(2);
        var window = new TimeWindow(TimeSpan.FromSeconds(10));
        var breaker = new CircuitBreaker(TestKit.Options(_clock, Tripper.MinRequests(1000) & (Tripper.SlowRate(0.9, one) | Tripper.SlowRate(0.9, two)), window));

        breaker.Succeed(_clock, TimeSpan.FromMilliseconds(1500));         // slow for 1 s only; ends in second 1
        _clock.Advance(TimeSpan.FromSeconds(6));
        breaker.Succeed(_clock, TimeSpan.FromSeconds(3));                 // slow for both; ends in second 10, the bucket before
        var before = window.GetMetric();
        Assert.Equal((2, 1), (before.SlowCount(one), before.SlowCount(two)));

        _clock.Advance(TimeSpan.FromSeconds(1));                          // the first call's second leaves
        var after = window.GetMetric();
        Assert.Equal((1, 1, 1), (after.TotalCount, after.SlowCount(one), after.SlowCount(two)));
    }

    private static CircuitBreaker Breaker(TimeProvider clock, TimeSpan size)
    {
        var options = TestKit.Options(TestKit.NewClock(), Tripper.FailureStreak(100), new TimeWindow(size));
        options.TimeProvider = clock;
        return new CircuitBreaker(options);
    }

    /// <summary>A monotonic clock set by hand, to the second; its wall clock does not matter here.</summary>
    private sealed class SettableClock : TimeProvider
    {
        public long Second { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Second * TimeSpan.TicksPerSecond;

        public override DateTimeOffset GetUtcNow() => TestKit.Epoch;
    }

    /// <summary>A clock whose wall time can jump while its monotonic timestamps keep going.</summary>
    private sealed class JumpingClock(FakeTimeProvider inner) : TimeProvider
    {
        public TimeSpan WallOffset { get; set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + WallOffset;

        public override long GetTimestamp() => inner.GetTimestamp();
    }
}
