using System.Threading.Tasks.Sources;
using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker;

/// <summary>
/// The paths a call takes through the breaker, each pinned down: when an outcome is recorded relative to the call's
/// own cleanup, calls that complete later, sources that must be consumed once, the caller's synchronization context,
/// timestamps that are not in ticks, and a state that changes between a call's first look and its admission.
/// </summary>
public class ExecutionPathTests
{
    private readonly FakeTimeProvider _clock = NewClock();

    [Fact]
    public void Execute_Failure_IsRecordedAfterTheCallsFinallyBlocksRan()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var countedDuringCleanup = -1;

        Assert.Throws<TrackedException>(() => breaker.Execute<int>(() =>
        {
            try
            {
                throw new TrackedException();
            }
            finally
            {
                countedDuringCleanup = breaker.GetInfo().Metrics.TotalCount;
            }
        }));

        Assert.Equal(0, countedDuringCleanup);
        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public void Execute_FailingProbe_HoldsItsHalfOpenSlotThroughItsFinallyBlocks()
    {
        var options = Options(_clock, Tripper.FailureStreak(1) & Tripper.Closed());
        options.MaxHalfOpenCalls = 1;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromSeconds(10));
        bool? secondProbeAdmitted = null;

        Assert.Throws<TrackedException>(() => breaker.Execute<int>(() =>
        {
            try
            {
                throw new TrackedException();
            }
            finally
            {
                // Still this probe's slot: a second probe must wait until this call has fully unwound.
                secondProbeAdmitted = breaker.TryExecute(() => 1, out _);
            }
        }));

        Assert.False(secondProbeAdmitted);
        Assert.True(breaker.TryExecute(() => 1, out _));
    }

    [Fact]
    public void Execute_TrackedFailure_ReachesTheCallerAsTheSameObjectWithItsStackTrace()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));

        var error = Assert.Throws<TrackedException>(() => breaker.Execute(Thrower));

        Assert.Contains(nameof(Thrower), error.StackTrace, StringComparison.Ordinal);

        static int Thrower() => throw new TrackedException();
    }

    [Fact]
    public async Task ExecuteAsync_ActionCompletingLater_IsRecordedAsASuccess()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = breaker.ExecuteAsync(async _ => await gate.Task);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
        gate.SetResult();
        await call;

        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(0, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task TryExecuteAsync_ActionCompletingLater_ReportsThatItRan()
    {
        // Held by a gate, not Task.Yield: a yielded continuation may finish before the breaker looks, and the
        // synchronous path would be tested instead.
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var attempt = breaker.TryExecuteAsync(async _ => { await gate.Task; return 7; });
        var ran = breaker.TryExecuteAsync(async _ => await gate.Task);
        Assert.False(attempt.IsCompleted);
        Assert.False(ran.IsCompleted);
        gate.SetResult();

        var (permitted, result) = await attempt;
        Assert.True(permitted);
        Assert.Equal(7, result);
        Assert.True(await ran);
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void ActionOverloads_RunRecordAndFallBack()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var seen = new List<string>();

        breaker.Execute(static s => s.Add("state"), seen);
        breaker.Execute(() => throw new TrackedException(), e => seen.Add(e.GetType().Name));
        Assert.True(breaker.TryExecute(() => seen.Add("try")));

        Assert.Equal(["state", nameof(TrackedException), "try"], seen);
        Assert.Equal((3, 1), (breaker.GetInfo().Metrics.TotalCount, breaker.GetInfo().Metrics.FailureCount));
        breaker.ForceOpen();
        Assert.False(breaker.TryExecute(() => seen.Add("rejected")));
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public async Task ExecuteAsync_ActionThrowingBeforeReturningATask_IsRecordedAndFaultsTheTask()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));

        await Assert.ThrowsAsync<TrackedException>(async () => await breaker.ExecuteAsync(_ => throw new TrackedException()));
        await Assert.ThrowsAsync<TrackedException>(async () => await breaker.ExecuteAsync<int>(_ => throw new TrackedException()));

        Assert.Equal(2, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task ExecuteAsync_Disabled_RunsWithoutRecording()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));
        breaker.Disable();
        var ran = 0;

        await breaker.ExecuteAsync(_ => { ran++; return ValueTask.CompletedTask; });
        await Assert.ThrowsAsync<TrackedException>(async () => await breaker.ExecuteAsync(_ => throw new TrackedException()));
        await breaker.ExecuteAsync(_ => { ran++; return new ValueTask<int>(1); });

        Assert.Equal(2, ran);
        Assert.Equal(CircuitState.Disabled, breaker.State);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public async Task ExecuteAsync_WithFallback_CancellationThatIsNotTheCallers_GoesToTheFallback()
    {
        // A TaskCanceledException from an inner timeout (HttpClient's, say) is a failure of the call, not the caller
        // cancelling: the fallback answers it. Only the caller's own token propagates.
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));

        var result = await breaker.ExecuteAsync<int>(async _ => { await Task.Yield(); throw new TaskCanceledException("inner timeout"); }, _ => -1);

        Assert.Equal(-1, result);
    }

    [Fact]
    public async Task ExecuteAsync_WithFallback_CallerCancellingLater_Propagates()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        using var cts = new CancellationTokenSource();
        var fallbackCalls = 0;

        var call = breaker.ExecuteAsync<int>(async ct => { await TestKit.UntilCancelled(ct); return 1; }, _ => { fallbackCalls++; return -1; }, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await call);
        Assert.Equal(0, fallbackCalls);
    }

    [Fact]
    public async Task AsyncPaths_DoNotResumeOnTheCallersSynchronizationContext()
    {
        // Library code must not capture the caller's context (ConfigureAwait(false) everywhere): a UI or legacy
        // ASP.NET caller blocking on the task would deadlock otherwise.
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var context = new CountingSynchronizationContext();
        var gates = Enumerable.Range(0, 5).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var calls = context.RunWith<Task[]>(() =>
        [
            breaker.ExecuteAsync(async _ => { await gates[0].Task.ConfigureAwait(false); return 1; }).AsTask(),
            breaker.ExecuteAsync(async _ => await gates[1].Task.ConfigureAwait(false)).AsTask(),
            breaker.ExecuteAsync<int>(async _ => { await gates[2].Task.ConfigureAwait(false); throw new TrackedException(); }, _ => -1).AsTask(),
            breaker.TryExecuteAsync(async _ => { await gates[3].Task.ConfigureAwait(false); return 1; }).AsTask(),
            breaker.TryExecuteAsync(async _ => await gates[4].Task.ConfigureAwait(false)).AsTask(),
        ]);

        foreach (var gate in gates)
        {
            gate.SetResult();
        }

        await Task.WhenAll(calls);
        Assert.Equal(0, context.Posts);
        Assert.Equal(5, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public async Task ExecuteAsync_CompletedPooledSource_IsConsumedExactlyOnce()
    {
        // A ValueTask backed by a pooled IValueTaskSource must have its result read exactly once, even when it
        // completed before the breaker looked at it: the source is recycled after GetResult.
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var withResult = new CompletedSource();
        var withoutResult = new CompletedSource();

        Assert.Equal(42, await breaker.ExecuteAsync(_ => new ValueTask<int>(withResult, 0)));
        await breaker.ExecuteAsync(_ => new ValueTask(withoutResult, 0));

        Assert.Equal(1, withResult.Reads);
        Assert.Equal(1, withoutResult.Reads);
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Durations_WithATimestampFrequencyThatIsNotTicks_AreConverted()
    {
        // TimeProvider.System on Linux counts nanoseconds; durations, waits and RetryAfter must convert.
        var clock = new MicrosecondClock();
        var options = Options(NewClock(), Tripper.FailureStreak(1) | Tripper.AvgLatency(TimeSpan.FromSeconds(100)));
        options.TimeProvider = clock;
        options.Retry = Retry.Cooldown(TimeSpan.FromSeconds(10));
        var breaker = new CircuitBreaker(options);

        breaker.Execute(() =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(1500));
            return 1;
        });
        Assert.Equal(TimeSpan.FromMilliseconds(1500), breaker.GetInfo().Metrics.TotalDuration);
        Assert.Throws<TrackedException>(() => breaker.Execute<int>(() => throw new TrackedException()));
        clock.Advance(TimeSpan.FromSeconds(4));
        var rejection = breaker.AssertRejects();
        clock.Advance(TimeSpan.FromMilliseconds(5_999));
        var almost = breaker.AssertRejects();
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(TimeSpan.FromSeconds(6), rejection.RetryAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(1), almost.RetryAfter);
        Assert.True(breaker.TryExecute(() => 1, out _));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void OpenWait_NearTimeSpanMaxValue_SaturatesInsteadOfOverflowing()
    {
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Retry = Retry.Cooldown(TimeSpan.MaxValue);
        var breaker = new CircuitBreaker(options);
        breaker.Fail(_clock);

        _clock.Advance(TimeSpan.FromDays(3650));
        var rejection = breaker.AssertRejects();

        Assert.True(rejection.RetryAfter > TimeSpan.FromDays(365 * 10_000), $"RetryAfter was {rejection.RetryAfter}");
    }

    [Theory]
    [InlineData(CircuitState.Closed, true)]
    [InlineData(CircuitState.ForcedOpen, false)]
    public void Admission_StateChangedBetweenFirstLookAndAdmission_FollowsTheNewState(CircuitState changedTo, bool admitted)
    {
        // The call sees an open circuit whose wait has passed; before it can move it to half-open, another thread
        // resets it or forces it open (played here by the clock read that happens in between). The call is then
        // handled by the new state: run in the closed period, or rejected.
        var clock = new HookedClock(NewClock());
        var options = Options(NewClock(), Tripper.FailureStreak(1) & Tripper.Closed());
        options.TimeProvider = clock;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock.Inner);
        clock.Inner.Advance(TimeSpan.FromSeconds(10));
        clock.OnNextRead = changedTo == CircuitState.Closed ? breaker.Reset : breaker.ForceOpen;

        Assert.Equal(admitted, breaker.TryExecute(() => 1, out _));

        Assert.Equal(changedTo, breaker.State);
        Assert.Equal(admitted ? 1 : 0, breaker.GetInfo().Metrics.TotalCount);
    }

    /// <summary>A source that has already succeeded and counts how often its result is read.</summary>
    [Fact]
    public async Task ClockThatThrowsAfterTheCall_NeverReplacesTheCallsOwnOutcome()
    {
        // The last line of defence of the recording path: even a TimeProvider that fails when the call ends cannot turn a
        // result into an exception (the caller may retry a non-idempotent call) or replace the call's exception.
        var clock = new HookedClock(_clock);
        var options = Options(_clock);
        options.TimeProvider = clock;
        var breaker = new CircuitBreaker(options);
        var thrown = new TrackedException();

        Assert.Equal(1, breaker.Execute(() => { clock.OnNextRead = () => throw new InvalidOperationException("clock"); return 1; }));
        Assert.Same(thrown, Assert.Throws<TrackedException>(() => breaker.Execute<int>(() => { clock.OnNextRead = () => throw new InvalidOperationException("clock"); throw thrown; })));
        Assert.Equal(2, await breaker.ExecuteAsync(async _ => { await Task.Yield(); clock.OnNextRead = () => throw new InvalidOperationException("clock"); return 2; }));
    }

    private sealed class CompletedSource : IValueTaskSource<int>, IValueTaskSource
    {
        public int Reads { get; private set; }

        public ValueTaskSourceStatus GetStatus(short token) => ValueTaskSourceStatus.Succeeded;

        public int GetResult(short token)
        {
            Reads++;
            return 42;
        }

        void IValueTaskSource.GetResult(short token) => Reads++;

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) => continuation(state);
    }

    /// <summary>A manual clock whose timestamps count microseconds, not ticks.</summary>
    private sealed class MicrosecondClock : TimeProvider
    {
        private long _microseconds;

        public override long TimestampFrequency => 1_000_000;

        public override long GetTimestamp() => _microseconds;

        public override DateTimeOffset GetUtcNow() => Epoch.AddTicks(_microseconds * 10);

        public void Advance(TimeSpan by) => _microseconds += by.Ticks / 10;
    }

    /// <summary>A fake clock that runs a hook once, on the next timestamp read: another thread acting at that instant.</summary>
    private sealed class HookedClock(FakeTimeProvider inner) : TimeProvider
    {
        public FakeTimeProvider Inner { get; } = inner;

        public Action? OnNextRead { get; set; }

        public override long TimestampFrequency => Inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow();

        public override long GetTimestamp()
        {
            var hook = OnNextRead;
            OnNextRead = null;
            hook?.Invoke();
            return Inner.GetTimestamp();
        }
    }
}
