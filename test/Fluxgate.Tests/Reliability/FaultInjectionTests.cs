using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Reliability;

/// <summary>Cancellation at every await point and clock jumps: nothing reaches the caller but its own outcome or a rejection, and nothing is miscounted.</summary>
public class FaultInjectionTests
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task CallerCancellation_AtEachAwaitPoint_IsNeitherCountedNorGivenToTheFallback(int cancelAt)
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Tracker = Tracker.All();
        var breaker = new CircuitBreaker(options);
        using var cts = new CancellationTokenSource();
        var gates = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var fallbackCalls = 0;
        if (cancelAt == 0)
        {
            await cts.CancelAsync();                                   // cancelled before the call starts
        }

        var call = breaker.ExecuteAsync(
            async ct =>
            {
                ct.ThrowIfCancellationRequested();
                foreach (var gate in gates)
                {
                    await gate.Task.WaitAsync(ct);
                }

                return 1;
            },
            _ => { fallbackCalls++; return -1; },
            cts.Token);
        for (var i = 0; i < 3; i++)
        {
            if (i + 1 == cancelAt)
            {
                await cts.CancelAsync();
                break;
            }

            gates[i].SetResult();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await call);
        Assert.Equal(0, fallbackCalls);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public async Task CallerCancellation_InHalfOpen_FreesTheProbeSlot()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.MaxHalfOpenCalls = 1;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromSeconds(10));
        using var cts = new CancellationTokenSource();

        var probe = breaker.ExecuteAsync(async ct => { await TestKit.UntilCancelled(ct); return 1; }, cts.Token);
        breaker.AssertRejects();                                      // the only slot is taken
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await probe);

        Assert.Equal(42, breaker.Succeed(_clock));                     // the slot is free again
    }

    [Fact]
    public void WallClockJumps_MoveNeitherTheOpenWaitNorDurations_ButStampTransitions()
    {
        var clock = new JumpingClock(_clock);
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1) | Tripper.SlowRate(1, TimeSpan.FromDays(1)));
        options.TimeProvider = clock;
        options.Retry = Retry.Cooldown(TimeSpan.FromMinutes(1));
        var breaker = new CircuitBreaker(options);
        breaker.Succeed(_clock, TimeSpan.FromMilliseconds(10));
        Assert.Equal(TimeSpan.FromMilliseconds(10), breaker.GetInfo().Metrics.TotalDuration);

        clock.WallOffset = TimeSpan.FromDays(-2);                     // the wall clock goes back two days
        breaker.Fail(_clock);
        Assert.Equal(TestKit.Epoch - TimeSpan.FromDays(2) + TimeSpan.FromMilliseconds(10), breaker.GetInfo().ChangedAt);
        clock.WallOffset = TimeSpan.FromDays(365);                    // then forward a year: the wait is not over
        Assert.Equal(TimeSpan.FromMinutes(1), breaker.AssertRejects().RetryAfter);

        _clock.Advance(TimeSpan.FromMinutes(1));                       // a minute of monotonic time is
        breaker.Succeed(_clock, TimeSpan.FromMilliseconds(5));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Timestamps_GoingBackwards_CountAsZeroDurationNotNegative()
    {
        var clock = new BackwardsClock();
        var options = TestKit.Options(_clock, Tripper.FailureStreak(10));
        options.TimeProvider = clock;
        var breaker = new CircuitBreaker(options);

        breaker.Execute(() => 1);
        breaker.Execute(() => 1);

        var metrics = breaker.GetInfo().Metrics;
        Assert.Equal(2, metrics.TotalCount);
        Assert.Equal(TimeSpan.Zero, metrics.TotalDuration);
    }

    /// <summary>A broken clock whose timestamps decrease: a custom TimeProvider can be wrong, the breaker must not be.</summary>
    private sealed class BackwardsClock : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref _ticks, -TimeSpan.TicksPerSecond);
    }

    private sealed class JumpingClock(FakeTimeProvider inner) : TimeProvider
    {
        public TimeSpan WallOffset { get; set; }

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + WallOffset;

        public override long GetTimestamp() => inner.GetTimestamp();
    }
}
