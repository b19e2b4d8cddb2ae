using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker;

/// <summary>
/// <see cref="CircuitBreakerOptions.MeasureDurations"/> off: no clock on a closed call with a count window, one read with a
/// window that places outcomes in time, durations reported as not measured, and trippers that need durations refused.
/// </summary>
public class MeasureDurationsTests
{
    private readonly FakeTimeProvider _clock = NewClock();

    [Fact]
    public void MeasureDurations_Default_IsTrue()
    {
        Assert.True(new CircuitBreakerOptions().MeasureDurations);
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 0)]
    public async Task EveryCallPath_ClosedWithACountWindow_ReadsTheClockTwicePerCallOnlyWhenTiming(bool measure, int readsPerCall)
    {
        var clock = new CountingClock(_clock);
        var breaker = new CircuitBreaker(Untimed(clock, measure, Tripper.FailureStreak(100)));
        var before = clock.Reads;

        breaker.Execute(() => 1);
        Assert.Throws<TrackedException>(() => breaker.Execute(() => throw new TrackedException()));
        await breaker.ExecuteAsync(_ => new ValueTask<int>(1));
        breaker.TryExecute(() => 1, out _);
        await breaker.TryExecuteAsync(_ => ValueTask.CompletedTask);
        breaker.BeginCall().Complete(1);
        breaker.BeginCall().Fail(new TrackedException());

        Assert.Equal(7 * readsPerCall, clock.Reads - before);
        Assert.Equal(7, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Execute_UntimedWithATimeWindow_ReadsTheClockOncePerCallAndPlacesTheOutcomeThen()
    {
        var clock = new CountingClock(_clock);
        var breaker = new CircuitBreaker(Untimed(clock, false, Tripper.FailureStreak(100), new TimeWindow(TimeSpan.FromSeconds(10))));
        var before = clock.Reads;

        breaker.Execute(() => 1);
        breaker.Execute(() => 1);
        var reads = clock.Reads - before;
        _clock.Advance(TimeSpan.FromSeconds(9));
        var kept = breaker.GetInfo().Metrics.TotalCount;
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, reads);
        Assert.Equal(2, kept);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Execute_UntimedIgnoredOutcomeWithATimeWindow_ReadsNoClock()
    {
        var clock = new CountingClock(_clock);
        var breaker = new CircuitBreaker(Untimed(clock, false, Tripper.FailureStreak(100), new TimeWindow(TimeSpan.FromSeconds(10))));
        var before = clock.Reads;

        breaker.FailUntracked();

        Assert.Equal(0, clock.Reads - before);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WindowGetMetric_OfAnUntimedBreaker_SaysDurationsAreNotMeasured(bool timeWindow)
    {
        Window window = timeWindow ? new TimeWindow(TimeSpan.FromSeconds(10)) : new CountWindow(10);
        var breaker = new CircuitBreaker(Untimed(_clock, false, Tripper.FailureStreak(100), window));

        breaker.Succeed(_clock, TimeSpan.FromSeconds(1));

        Assert.Equal((1, false, (TimeSpan?)null), (window.GetMetric().TotalCount, window.GetMetric().DurationsMeasured, window.GetMetric().AvgDuration));
    }

    [Fact]
    public void Complete_CallAdmittedTimedAndReportedAfterAReconfigureToUntimed_IsDroppedWithItsPeriod()
    {
        var breaker = new CircuitBreaker(Untimed(_clock, true, Tripper.FailureStreak(1)));
        var call = breaker.BeginCall();
        breaker.Reconfigure(Untimed(_clock, false, Tripper.FailureStreak(1)));

        Assert.Null(call.Fail(new TrackedException()));

        Assert.Equal((CircuitState.Closed, 0), (breaker.State, breaker.GetInfo().Metrics.TotalCount));
        Assert.Equal(CircuitState.Open, breaker.BeginCall().Fail(new TrackedException()));
    }

    [Fact]
    public void Execute_UntimedOutcomeThatTrips_OpensWithTheWaitCountedFromTheTrip()
    {
        var breaker = new CircuitBreaker(Untimed(_clock, false, Tripper.FailureStreak(2)));
        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromMinutes(5));

        breaker.Fail(_clock);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromSeconds(10), breaker.AssertRejects().RetryAfter);
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(TimeSpan.FromSeconds(1), breaker.AssertRejects().RetryAfter);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(42, breaker.Succeed(_clock));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void GetInfo_Untimed_ReportsDurationsAsNotMeasuredNotAsZero()
    {
        var listener = new RecordingListener();
        var options = Untimed(_clock, false, Tripper.FailureStreak(3));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);

        breaker.Succeed(_clock, TimeSpan.FromSeconds(1));
        breaker.Fail(_clock, TimeSpan.FromSeconds(1));
        var metrics = breaker.GetInfo().Metrics;
        breaker.Fail(_clock);
        breaker.Fail(_clock);

        Assert.False(metrics.DurationsMeasured);
        Assert.Null(metrics.AvgDuration);
        Assert.Equal(TimeSpan.Zero, metrics.TotalDuration);
        Assert.Equal("total=2 failures=1 (50%) avg=unmeasured", metrics.ToString());
        var evidence = Assert.Single(listener.Signals).Metrics;
        Assert.Equal((3, false), (evidence.FailureCount, evidence.DurationsMeasured));
        Assert.EndsWith("; MeasureDurations=false", breaker.GetInfo().Policy, StringComparison.Ordinal);
    }

    [Fact]
    public void GetInfo_Timed_ReportsTheDurations()
    {
        var breaker = new CircuitBreaker(Untimed(_clock, true, Tripper.FailureStreak(3)));

        breaker.Succeed(_clock, TimeSpan.FromSeconds(1));
        breaker.Fail(_clock, TimeSpan.FromSeconds(3));
        var info = breaker.GetInfo();

        Assert.True(info.Metrics.DurationsMeasured);
        Assert.Equal(TimeSpan.FromSeconds(2), info.Metrics.AvgDuration);
        Assert.DoesNotContain("MeasureDurations", info.Policy, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_Untimed_ShowsACustomTripperDurationsAsNotMeasured()
    {
        var tripper = new ScriptedTripper();
        var breaker = new CircuitBreaker(Untimed(_clock, false, tripper));

        breaker.Succeed(_clock, TimeSpan.FromSeconds(1));

        var seen = Assert.Single(tripper.Contexts).Metric;
        Assert.Equal((1, false, (TimeSpan?)null), (seen.TotalCount, seen.DurationsMeasured, seen.AvgDuration));
    }

    [Fact]
    public void Record_UntimedWithACustomWindow_GivesItTheTimeAndAZeroDuration()
    {
        var window = new LoggingWindow();
        var breaker = new CircuitBreaker(Untimed(_clock, false, Tripper.FailureStreak(100), window));
        _clock.Advance(TimeSpan.FromSeconds(7));
        var expected = _clock.GetTimestamp() + TimeSpan.FromSeconds(2).Ticks;

        breaker.Succeed(_clock, TimeSpan.FromSeconds(2));

        Assert.Equal([(TimeSpan.Zero, expected)], window.Records);
    }

    [Fact]
    public void BeginCall_UntimedWhileHalfOpen_AdmitsTheProbeAndItsSuccessCloses()
    {
        var breaker = new CircuitBreaker(Untimed(_clock, false, Tripper.FailureStreak(1)));
        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromSeconds(10));

        var probe = breaker.BeginCall();

        Assert.True(probe.IsPermitted);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(CircuitState.Closed, probe.Complete());
    }

    [Theory]
    [InlineData("SlowRate(0.5, 1s)")]
    [InlineData("MinRequests(5) & AvgLatency(200ms)")]
    [InlineData("FailureRate(0.5) | ~(MinRequests(2) & SlowRate(0.2, 3s))")]
    public void Constructor_UntimedWithATripperThatReadsDurations_ThrowsNamingTheOptionAndLeavesTheWindowFree(string tripper)
    {
        var options = Untimed(_clock, false, Tripper.Parse(tripper));

        var exception = Assert.Throws<ArgumentException>(() => new CircuitBreaker(options));

        Assert.Equal("options", exception.ParamName);
        Assert.Contains("MeasureDurations", exception.Message, StringComparison.Ordinal);
        Assert.Contains(options.Tripper.ToString(), exception.Message, StringComparison.Ordinal);
        options.MeasureDurations = true;
        Assert.Equal(CircuitState.Closed, new CircuitBreaker(options).State);
    }

    [Fact]
    public void Constructor_UntimedWithACustomTripperThatSaysItDecidesOnDurations_Throws()
    {
        var options = Untimed(_clock, false, Tripper.FailureStreak(3) | new LatencyBudget());

        Assert.Equal("options", Assert.Throws<ArgumentException>(() => new CircuitBreaker(options)).ParamName);
        Assert.True(new LatencyBudget().ReadsDurations());
    }

    [Fact]
    public void Reconfigure_UntimedWithATripperThatReadsDurations_ThrowsAndKeepsTheOldParts()
    {
        var breaker = new CircuitBreaker(Untimed(_clock, true, Tripper.AvgLatency(TimeSpan.FromSeconds(1))));
        breaker.Succeed(_clock, TimeSpan.FromSeconds(3));

        Assert.Throws<ArgumentException>(() => breaker.Reconfigure(Untimed(_clock, false, Tripper.AvgLatency(TimeSpan.FromSeconds(2)))));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Contains("AvgLatency(1s)", breaker.GetInfo().Policy, StringComparison.Ordinal);
    }

    [Fact]
    public void Reconfigure_TimedToUntimed_StopsTimingFromTheNewPeriod()
    {
        var breaker = new CircuitBreaker(Untimed(_clock, true, Tripper.FailureStreak(100)));
        breaker.Succeed(_clock, TimeSpan.FromSeconds(1));

        breaker.Reconfigure(Untimed(_clock, false, Tripper.FailureStreak(100)));
        breaker.Succeed(_clock, TimeSpan.FromSeconds(1));

        var metrics = breaker.GetInfo().Metrics;
        Assert.Equal((1, false, TimeSpan.Zero), (metrics.TotalCount, metrics.DurationsMeasured, metrics.TotalDuration));
    }

    private static CircuitBreakerOptions Untimed(TimeProvider clock, bool measure, Tripper tripper, Window? window = null) => new()
    {
        Name = "untimed",
        TimeProvider = clock,
        Window = window ?? new CountWindow(10),
        Tracker = Tracker.TypeOf<TrackedException>(),
        Tripper = tripper,
        Retry = Retry.Cooldown(TimeSpan.FromSeconds(10)),
        Permit = Permit.All(),
        MeasureDurations = measure,
    };

    /// <summary>A custom tripper that reads the average duration, and says so.</summary>
    private sealed class LatencyBudget : Tripper
    {
        protected override bool DecidesOnDurations => true;

        public override bool Evaluate(CallContext context) => context.Metric.AvgDuration > TimeSpan.FromSeconds(1);
    }

    /// <summary>A fake clock that counts the monotonic reads the breaker makes.</summary>
    private sealed class CountingClock(FakeTimeProvider inner) : TimeProvider
    {
        public int Reads { get; private set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp()
        {
            Reads++;
            return inner.GetTimestamp();
        }
    }

    /// <summary>A custom window that keeps what it is given.</summary>
    private sealed class LoggingWindow : Window
    {
        public List<(TimeSpan Duration, long Timestamp)> Records { get; } = [];

        public override Metric GetMetric() => new(Records.Count, 0, TimeSpan.Zero);

        public override void Reset() => Records.Clear();

        protected override void Record(bool isFailure, TimeSpan duration, long timestamp) => Records.Add((duration, timestamp));
    }
}
