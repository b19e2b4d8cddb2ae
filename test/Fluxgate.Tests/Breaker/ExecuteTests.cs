using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker;

public class ExecuteTests
{
    private readonly FakeTimeProvider _clock = NewClock();

    private CircuitBreaker OpenBreaker()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));
        breaker.Fail(_clock);
        return breaker;
    }

    [Fact]
    public void Execute_Action_RunsIt()
    {
        var breaker = new CircuitBreaker(Options(_clock));
        var ran = 0;

        breaker.Execute(() => ran++);
        breaker.Execute(s => ran += s, 10);

        Assert.Equal(11, ran);
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Execute_StatePassing_PassesTheState()
    {
        var breaker = new CircuitBreaker(Options(_clock));

        Assert.Equal(5, breaker.Execute(static s => s.Length, "hello"));
    }

    [Fact]
    public void Execute_NullDelegates_Throw()
    {
        var breaker = new CircuitBreaker(Options(_clock));

        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => breaker.Execute((Func<int>)null!)).ParamName);
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => breaker.Execute((Action)null!)).ParamName);
        Assert.Equal("fallback", Assert.Throws<ArgumentNullException>(() => breaker.Execute(() => 1, null!)).ParamName);
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => breaker.TryExecute<int>(null!, out _)).ParamName);
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => breaker.ExecuteAsync<int>(null!)).ParamName);
        Assert.Equal("func", Assert.Throws<ArgumentNullException>(() => breaker.Decorate((Func<int>)null!)).ParamName);
    }

    [Fact]
    public void ExecuteWithFallback_ReceivesEveryExceptionOfTheCallTrackedOrNot()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var tracked = new TrackedException();
        var untracked = new UntrackedException();
        var seen = new List<Exception>();

        Assert.Equal(-1, breaker.Execute<int>(() => throw tracked, ex => { seen.Add(ex); return -1; }));
        Assert.Equal(-2, breaker.Execute<int>(() => throw untracked, ex => { seen.Add(ex); return -2; }));

        Assert.Equal([tracked, untracked], seen);
        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public void ExecuteWithFallback_WhenRejected_GetsTheRejectionWithoutRunningTheCall()
    {
        var breaker = OpenBreaker();
        var ran = false;
        Exception? seen = null;

        var result = breaker.Execute(() => { ran = true; return 1; }, ex => { seen = ex; return 2; });

        Assert.Equal(2, result);
        Assert.False(ran);
        var rejection = Assert.IsType<CallNotPermittedException>(seen);
        Assert.Equal(CircuitState.Open, rejection.State);
    }

    [Fact]
    public void ExecuteActionWithFallback_RunsTheFallbackInsteadOfThrowing()
    {
        var breaker = OpenBreaker();
        Exception? seen = null;

        breaker.Execute(() => { }, ex => seen = ex);

        Assert.IsType<CallNotPermittedException>(seen);
    }

    [Fact]
    public void ExecuteWithFallback_WhenTheFallbackThrows_ItsExceptionPropagates()
    {
        var breaker = new CircuitBreaker(Options(_clock));

        var error = Assert.Throws<InvalidOperationException>(() => breaker.Execute<int>(() => throw new TrackedException(), _ => throw new InvalidOperationException("fallback")));

        Assert.Equal("fallback", error.Message);
    }

    [Fact]
    public void TryExecute_Admitted_RunsAndReturnsTrue()
    {
        var breaker = new CircuitBreaker(Options(_clock));

        Assert.True(breaker.TryExecute(() => 7, out var result));
        Assert.Equal(7, result);
        Assert.True(breaker.TryExecute(static s => s * 2, 21, out var doubled));
        Assert.Equal(42, doubled);
        Assert.True(breaker.TryExecute(() => { }));
    }

    [Fact]
    public void TryExecute_Rejected_ReturnsFalseWithoutRunningOrThrowing()
    {
        var breaker = OpenBreaker();
        var ran = false;

        Assert.False(breaker.TryExecute(() => { ran = true; return 7; }, out var result));
        Assert.False(breaker.TryExecute(() => ran = true));

        Assert.Equal(0, result);
        Assert.False(ran);
    }

    [Fact]
    public void TryExecute_ExceptionsOfTheCall_Propagate()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));

        Assert.Throws<TrackedException>(() => breaker.TryExecute<int>(() => throw new TrackedException(), out _));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task ExecuteAsync_SynchronousAndAsynchronousCompletions_AreRecorded()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));

        Assert.Equal(1, await breaker.ExecuteAsync(_ => new ValueTask<int>(1)));
        Assert.Equal(2, await breaker.ExecuteAsync(async _ => { await Task.Yield(); return 2; }));
        await breaker.ExecuteAsync(_ => ValueTask.CompletedTask);
        await breaker.ExecuteAsync(async _ => await Task.Yield());
        Assert.Equal(6, await breaker.ExecuteAsync(static (s, _) => new ValueTask<int>(s * 2), 3));
        await breaker.ExecuteAsync(static (s, _) => { s.Add(1); return ValueTask.CompletedTask; }, new List<int>());
        await Assert.ThrowsAsync<TrackedException>(async () => await breaker.ExecuteAsync(async _ => { await Task.Yield(); throw new TrackedException(); }));
        await Assert.ThrowsAsync<TrackedException>(async () => await breaker.ExecuteAsync(_ => ValueTask.FromException(new TrackedException())));

        var metrics = breaker.GetInfo().Metrics;
        Assert.Equal(8, metrics.TotalCount);
        Assert.Equal(2, metrics.FailureCount);
    }

    [Fact]
    public async Task ExecuteAsync_ActionThrowingSynchronously_FaultsTheTaskAndRecordsTheFailure()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));
        var thrown = new TrackedException();

        var task = breaker.ExecuteAsync<int>(_ => throw thrown);

        Assert.True(task.IsFaulted);
        Assert.Same(thrown, await Assert.ThrowsAsync<TrackedException>(async () => await task));
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task ExecuteAsync_Rejected_FaultsWithCallNotPermittedWithoutRunning()
    {
        var breaker = OpenBreaker();
        var ran = false;

        var rejection = await Assert.ThrowsAsync<CallNotPermittedException>(async () => await breaker.ExecuteAsync(_ => { ran = true; return new ValueTask<int>(1); }));
        await Assert.ThrowsAsync<CallNotPermittedException>(async () => await breaker.ExecuteAsync(_ => { ran = true; return ValueTask.CompletedTask; }));

        Assert.False(ran);
        Assert.Equal(TimeSpan.FromSeconds(10), rejection.RetryAfter);
    }

    [Fact]
    public async Task ExecuteAsyncWithFallback_GetsExceptionsAndRejectionsButNotTheCallersCancellation()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        Assert.Equal(-1, await breaker.ExecuteAsync<int>(async _ => { await Task.Yield(); throw new UntrackedException(); }, _ => -1));
        Assert.Equal(-2, await breaker.ExecuteAsync<int>(_ => throw new TrackedException(), _ => -2));
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(-3, await breaker.ExecuteAsync(_ => new ValueTask<int>(1), ex => ex is CallNotPermittedException ? -3 : 0));

        breaker.Reset();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await breaker.ExecuteAsync(async ct =>
        {
            await TestKit.UntilCancelled(ct);
            return 1;
        }, _ => -4, cts.Token));
        Assert.Equal(1, await breaker.ExecuteAsync(_ => new ValueTask<int>(1), _ => -5));
    }

    [Fact]
    public async Task ExecuteAsyncWithFallback_WhenTheFallbackThrowsOnRejection_FaultsTheTask()
    {
        var breaker = OpenBreaker();

        var task = breaker.ExecuteAsync<int>(_ => new ValueTask<int>(1), _ => throw new InvalidOperationException("fallback"));

        Assert.Equal("fallback", (await Assert.ThrowsAsync<InvalidOperationException>(async () => await task)).Message);
    }

    [Fact]
    public async Task TryExecuteAsync_Admitted_ReturnsTheResult()
    {
        var breaker = new CircuitBreaker(Options(_clock));

        var (permitted, result) = await breaker.TryExecuteAsync(_ => new ValueTask<int>(3));
        var slow = await breaker.TryExecuteAsync(async _ => { await Task.Yield(); return "x"; });

        Assert.True(permitted);
        Assert.Equal(3, result);
        Assert.True(slow.IsPermitted);
        Assert.Equal("x", slow.Result);
        Assert.Null(slow.RejectedIn);
        Assert.True(await breaker.TryExecuteAsync(_ => ValueTask.CompletedTask));
        Assert.True(await breaker.TryExecuteAsync(async _ => await Task.Yield()));
        Assert.True((await breaker.TryExecuteAsync(static (s, _) => new ValueTask<int>(s), 9)).IsPermitted);
    }

    [Fact]
    public async Task TryExecuteAsync_Rejected_ReportsItWithoutAnExceptionAndWithoutRunning()
    {
        var breaker = OpenBreaker();
        _clock.Advance(TimeSpan.FromSeconds(4));
        var ran = false;

        var attempt = await breaker.TryExecuteAsync(_ => { ran = true; return new ValueTask<int>(1); });
        var plain = await breaker.TryExecuteAsync(_ => { ran = true; return ValueTask.CompletedTask; });

        Assert.False(attempt.IsPermitted);
        Assert.Equal(0, attempt.Result);
        Assert.Equal(CircuitState.Open, attempt.RejectedIn);
        Assert.Equal(TimeSpan.FromSeconds(6), attempt.RetryAfter);
        Assert.False(plain);
        Assert.False(ran);
    }

    [Fact]
    public async Task TryExecuteAsync_ExceptionsOfTheCall_FaultTheTask()
    {
        var breaker = new CircuitBreaker(Options(_clock));

        await Assert.ThrowsAsync<TrackedException>(async () => await breaker.TryExecuteAsync<int>(async _ => { await Task.Yield(); throw new TrackedException(); }));
        await Assert.ThrowsAsync<TrackedException>(async () => await breaker.TryExecuteAsync(async _ => { await Task.Yield(); throw new TrackedException(); }));
    }

    [Fact]
    public void Execute_WhenACustomTripperThrowsWhileRecordingAFailure_TheCallerStillSeesTheCallsOwnException()
    {
        var options = Options(_clock, new ThrowingTripper());
        var breaker = new CircuitBreaker(options);
        var thrown = new TrackedException();

        Assert.Same(thrown, Assert.Throws<TrackedException>(() => breaker.Execute<int>(() => throw thrown)));
        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task ExecuteAsyncWithFallback_Disabled_ActionThrowingSynchronously_GoesToTheFallback()
    {
        var breaker = new CircuitBreaker(Options(_clock));
        breaker.Disable();

        var result = await breaker.ExecuteAsync<int>(_ => throw new TrackedException(), _ => -1);
        var fromTask = await breaker.ExecuteAsync<int>(_ => Task.FromException<int>(new TrackedException()), _ => -2);

        Assert.Equal(-1, result);
        Assert.Equal(-2, fromTask);
    }

    [Fact]
    public async Task ExecuteAsync_Disabled_ActionThrowingSynchronously_FaultsTheTaskInsteadOfThrowing()
    {
        var breaker = new CircuitBreaker(Options(_clock));
        breaker.Disable();
        var thrown = new TrackedException();

        var generic = breaker.ExecuteAsync<int>(_ => throw thrown);
        var plain = breaker.ExecuteAsync(_ => throw thrown);
        var attempt = breaker.TryExecuteAsync<int>(_ => throw thrown);
        var tried = breaker.TryExecuteAsync(_ => throw thrown);

        Assert.True(generic.IsFaulted && plain.IsFaulted && attempt.IsFaulted && tried.IsFaulted);
        Assert.Same(thrown, await Assert.ThrowsAsync<TrackedException>(async () => await generic));
        Assert.Same(thrown, await Assert.ThrowsAsync<TrackedException>(async () => await attempt));
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public async Task DecorateAsyncWithFallback_Disabled_FunctionThrowingBeforeGoingAsync_GoesToTheFallback()
    {
        var breaker = new CircuitBreaker(Options(_clock));
        breaker.Disable();
        Func<int, Task<int>> charge = amount => amount > 0 ? throw new TrackedException() : Task.FromResult(amount);
        Func<Task> ping = () => throw new TrackedException();

        var decorated = breaker.Decorate(charge, _ => -1);
        var fallbackRan = false;
        var decoratedPing = breaker.Decorate(ping, _ => fallbackRan = true);

        Assert.Equal(-1, await decorated(5));
        await decoratedPing();
        Assert.True(fallbackRan);
        Assert.Equal(CircuitState.Disabled, breaker.State);
    }

    [Fact]
    public async Task TaskReturningCalls_GoThroughTheTaskExtensions()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        Func<CancellationToken, Task<int>> value = _ => Task.FromResult(5);
        Func<CancellationToken, Task<int>> failing = _ => Task.FromException<int>(new TrackedException());
        Func<CancellationToken, Task> plain = _ => Task.CompletedTask;

        Assert.Equal(5, await breaker.ExecuteAsync(value));
        Assert.Equal(-1, await breaker.ExecuteAsync(failing, _ => -1));
        await breaker.ExecuteAsync(plain);
        Assert.Equal((true, 5), await breaker.TryExecuteAsync(value) is var (permitted, result) ? (permitted, result) : default);
        Assert.True(await breaker.TryExecuteAsync(plain));
        breaker.ForceOpen();
        Assert.False(await breaker.TryExecuteAsync(plain));
        Assert.Equal(-2, await breaker.ExecuteAsync(value, _ => -2));
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount + 1);
    }

    [Fact]
    public void CallNotPermittedException_Messages_DescribeTheRejection()
    {
        Assert.Equal("Circuit breaker 'a' is open; a probe will be let through in 1.5 s.", new CallNotPermittedException("a", CircuitState.Open, TimeSpan.FromMilliseconds(1500)).Message);
        Assert.Equal("Circuit breaker 'a' is open and will not retry on its own.", new CallNotPermittedException("a", CircuitState.Open, null).Message);
        Assert.Equal("Circuit breaker 'a' is half-open and did not admit this call as a probe.", new CallNotPermittedException("a", CircuitState.HalfOpen, null).Message);
        Assert.Equal("Circuit breaker 'a' is forced open.", new CallNotPermittedException("a", CircuitState.ForcedOpen, null).Message);
        Assert.Equal("The circuit breaker did not permit the call.", new CallNotPermittedException().Message);
        Assert.Equal("custom", new CallNotPermittedException("custom").Message);
        Assert.Equal("custom", new CallNotPermittedException("custom", new InvalidOperationException()).Message);
        Assert.Throws<ArgumentNullException>(() => new CallNotPermittedException(null!, CircuitState.Open, null));
    }

    [Fact]
    public void CallNotPermittedException_KeepsEveryStateAndRetryAfter()
    {
        TimeSpan?[] waits = [null, TimeSpan.Zero, TimeSpan.FromTicks(8), TimeSpan.FromMilliseconds(1500), TimeSpan.FromDays(365 * 20_000)];
        foreach (var state in Enum.GetValues<CircuitState>())
        {
            foreach (var wait in waits)
            {
                var rejection = new CallNotPermittedException("a", state, wait);
                Assert.Equal(("a", state, wait), (rejection.CircuitName, rejection.State, rejection.RetryAfter));
            }
        }
    }

    [Fact]
    public void CallNotPermittedException_RetryAfter_IsRoundedUpToWithinAMicrosecondAndNegativeReadsAsZero()
    {
        Assert.Equal(TimeSpan.MaxValue.Ticks & ~7L, new CallNotPermittedException("a", CircuitState.ForcedOpen, TimeSpan.MaxValue).RetryAfter!.Value.Ticks);
        Assert.Equal(TimeSpan.FromTicks(16), new CallNotPermittedException("a", CircuitState.HalfOpen, TimeSpan.FromTicks(9)).RetryAfter);
        Assert.Equal(TimeSpan.FromTicks(8), new CallNotPermittedException("a", CircuitState.Open, TimeSpan.FromTicks(1)).RetryAfter);
        Assert.Equal(TimeSpan.Zero, new CallNotPermittedException("a", CircuitState.Open, TimeSpan.FromSeconds(-1)).RetryAfter);
        Assert.Equal((CircuitState.Closed, (TimeSpan?)null), (new CallNotPermittedException("custom").State, new CallNotPermittedException("custom").RetryAfter));
    }

    private sealed class ThrowingTripper : Tripper
    {
        public override bool Evaluate(CallContext context) => throw new InvalidOperationException("buggy tripper");
    }

    [Fact]
    public void GetInfo_And_ToString_DescribeTheBreaker()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(5)));
        breaker.Fail(_clock, TimeSpan.FromMilliseconds(20));

        var info = breaker.GetInfo();

        Assert.Equal("test (closed)", breaker.ToString());
        Assert.StartsWith("closed since 2026-01-01T00:00:00", info.ToString(), StringComparison.Ordinal);
        Assert.Contains("streak=1", info.ToString(), StringComparison.Ordinal);
        Assert.Equal(Epoch, info.ChangedAt);
    }

    [Fact]
    public void GetInfo_RetryAfter_IsTheOpenCircuitsWaitLeftAndNullOtherwise()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));   // Cooldown(10s)
        Assert.Null(breaker.GetInfo().RetryAfter);

        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(TimeSpan.FromSeconds(6), breaker.GetInfo().RetryAfter);
        Assert.Equal(breaker.GetInfo().RetryAfter, Assert.Throws<CallNotPermittedException>(() => breaker.Execute(() => 0)).RetryAfter);
        _clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.Zero, breaker.GetInfo().RetryAfter);                   // the next call probes
        breaker.ForceOpen();
        Assert.Null(breaker.GetInfo().RetryAfter);
    }
}
