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

    /// <summary>A clock whose wall time can jump while its monotonic timestamps keep going.</summary>
    private sealed class JumpingClock(FakeTimeProvider inner) : TimeProvider
    {
        public TimeSpan WallOffset { get; set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + WallOffset;

        public override long GetTimestamp() => inner.GetTimestamp();
    }
}
