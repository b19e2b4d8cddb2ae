using System.Collections.Concurrent;
using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Listeners;

public class ListenerTests
{
    private readonly FakeTimeProvider _clock = NewClock();

    [Fact]
    public void SyncListeners_SeeEveryTransitionInOrderBeforeTheTriggeringCallReturns()
    {
        var first = new RecordingListener();
        var second = new RecordingListener();
        var options = Options(_clock, Tripper.FailureRate(0.5));
        options.Listeners.Add(first);
        options.Listeners.Add(second);
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);
        Assert.Single(first.Signals);                      // delivered before Fail returned
        _clock.Advance(TimeSpan.FromSeconds(10));
        breaker.Succeed(_clock);
        breaker.ForceOpen();

        (CircuitState, CircuitState)[] expected =
        [
            (CircuitState.Closed, CircuitState.Open),
            (CircuitState.Open, CircuitState.HalfOpen),
            (CircuitState.HalfOpen, CircuitState.Closed),
            (CircuitState.Closed, CircuitState.ForcedOpen),
        ];
        Assert.Equal(expected, first.Transitions);
        Assert.Equal(expected, second.Transitions);
        Assert.All(first.Signals, s => Assert.Equal("test", s.CircuitName));
    }

    [Fact]
    public void ThrowingListener_NeverReachesTheCallerAndIsReported()
    {
        var failures = new List<CircuitBreakerFailure>();
        var observer = new ObservingListener();
        var after = new RecordingListener();
        var thrower = new ThrowingListener();
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(thrower);
        options.Listeners.Add(observer);
        options.Listeners.Add(after);
        options.Listeners.Add(new FailureRecorder(failures.Add));
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);                             // the caller sees its own exception only
        breaker.Reset();

        Assert.Equal(2, after.Signals.Count);
        Assert.Equal(2, failures.Count);
        Assert.Same(thrower, failures[0].Source);
        Assert.Equal("test", failures[0].CircuitName);
        Assert.Equal(CircuitState.Open, failures[0].Signal!.Value.NewState);
        Assert.Equal("listener bug", failures[0].Exception.Message);
        Assert.Equal(failures, observer.Failures);
    }

    [Fact]
    public void FailureHooks_ThatThrowThemselves_AreSwallowed()
    {
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(new ThrowingListener());
        options.Listeners.Add(new ThrowingObserver());
        options.Listeners.Add(new FailureRecorder(_ => throw new InvalidOperationException("hook bug")));
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void ReentrantListener_ReadingAndResettingTheBreaker_NeitherDeadlocksNorRecurses()
    {
        var seen = new List<(CircuitState Old, CircuitState New, CircuitState StateSeen)>();
        CircuitBreaker? breaker = null;
        var listener = new DelegateListener(signal =>
        {
            var info = breaker!.GetInfo();
            seen.Add((signal.OldState, signal.NewState, info.State));
            if (signal.NewState == CircuitState.Open)
            {
                breaker.Reset();                          // queued; delivered after this signal
                Assert.Single(seen);                      // not delivered recursively
            }
        });
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(listener);
        breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);

        Assert.Equal(
            [(CircuitState.Closed, CircuitState.Open, CircuitState.Open), (CircuitState.Open, CircuitState.Closed, CircuitState.Closed)],
            seen);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task HangingSyncListener_BlocksNeitherReadersNorCallsWithoutTransitions_AndItsThreadDeliversLaterSignalsInOrder()
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var order = new ConcurrentQueue<CircuitState>();
        var listener = new DelegateListener(signal =>
        {
            order.Enqueue(signal.NewState);
            if (signal.NewState == CircuitState.Open)
            {
                entered.Set();
                release.Wait();
            }
        });
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);

        var tripping = Task.Run(() => breaker.Fail(_clock));
        entered.Wait();

        // The listener hangs on the other thread: readers and calls that cause no transition go on.
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitState.Open, breaker.GetInfo().State);
        breaker.AssertRejects();
        breaker.Disable();                                // a transition: queued, and this call returns
        Assert.Equal(42, breaker.Succeed(_clock));
        Assert.Equal([CircuitState.Open], order);

        release.Set();
        await tripping;
        Assert.Equal([CircuitState.Open, CircuitState.Disabled], order);
    }

    [Fact]
    public async Task AsyncListener_ReceivesSignalsInOrderWithoutDelayingTheCaller()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = new RecordingAsyncListener(release.Task);
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);                             // returns although the listener is blocked
        breaker.Reset();
        breaker.ForceOpen();
        Assert.Empty(listener.Completed);

        release.SetResult();
        await breaker.FlushListenersAsync();

        Assert.Equal([CircuitState.Open, CircuitState.Closed, CircuitState.ForcedOpen], listener.Completed.Select(s => s.NewState));
        Assert.Equal(1, listener.MaxConcurrency);
    }

    [Fact]
    public async Task AsyncListener_ThatThrows_IsReportedAndLaterSignalsStillArrive()
    {
        var reported = new TaskCompletionSource<CircuitBreakerFailure>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = new ThrowingAsyncListener();
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(listener);
        options.Listeners.Add(new FailureRecorder(f => reported.TrySetResult(f)));
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);
        breaker.Reset();
        await breaker.FlushListenersAsync();

        var failure = await reported.Task;
        Assert.Same(listener, failure.Source);
        Assert.Equal(CircuitState.Open, failure.Signal!.Value.NewState);
        Assert.Equal(2, listener.Calls);
    }

    [Fact]
    public async Task AsyncListener_ThatHangs_TimesOutIsReportedAndDeliveryMovesOn()
    {
        var failures = new ConcurrentQueue<CircuitBreakerFailure>();
        var listener = new HangingAsyncListener();
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.AsyncListenerTimeout = TimeSpan.FromSeconds(5);
        options.Listeners.Add(listener);
        options.Listeners.Add(new FailureRecorder(failures.Enqueue));
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);
        breaker.Reset();
        await listener.Entered.Task;                      // the timeout's timer is armed before the call

        _clock.Advance(TimeSpan.FromSeconds(5));
        await breaker.FlushListenersAsync();

        var failure = Assert.Single(failures);
        Assert.IsType<TimeoutException>(failure.Exception);
        Assert.Equal(CircuitState.Open, failure.Signal!.Value.NewState);
        Assert.True(listener.TokenWasCancelled);
        Assert.Equal([CircuitState.Open, CircuitState.Closed], listener.Received);
    }

    [Fact]
    public void SyncListener_ForcingOpenOnHalfOpen_TheCallThatCausedHalfOpenIsRejected()
    {
        CircuitBreaker? breaker = null;
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(new DelegateListener(s =>
        {
            if (s.NewState == CircuitState.HalfOpen)
            {
                breaker!.ForceOpen();
            }
        }));
        breaker = new CircuitBreaker(options);
        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromSeconds(10));
        var ran = false;

        var permitted = breaker.TryExecute(() => ran = true, out _);
        var throwing = Assert.Throws<CallNotPermittedException>(() => breaker.Execute(() => ran = true));

        Assert.False(permitted);
        Assert.False(ran);
        Assert.Equal(CircuitState.ForcedOpen, breaker.State);
        Assert.Equal(CircuitState.ForcedOpen, throwing.State);
    }

    [Fact]
    public async Task SyncListener_ForcingOpenOnHalfOpen_AnAsyncCallThatCausedHalfOpenIsRejectedToo()
    {
        CircuitBreaker? breaker = null;
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(new DelegateListener(s =>
        {
            if (s.NewState == CircuitState.HalfOpen)
            {
                breaker!.ForceOpen();
            }
        }));
        breaker = new CircuitBreaker(options);
        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromSeconds(10));

        var attempt = await breaker.TryExecuteAsync(_ => new ValueTask<int>(1));

        Assert.False(attempt.IsPermitted);
        Assert.Equal(CircuitState.ForcedOpen, attempt.RejectedIn);
    }

    [Fact]
    public async Task AsyncListener_WithTheLongestTimeout_HearsEverySignalAndFlushCompletes()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        release.SetResult();
        var listener = new RecordingAsyncListener(release.Task);
        var failures = new ConcurrentQueue<CircuitBreakerFailure>();
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.AsyncListenerTimeout = CircuitBreakerOptions.MaxAsyncListenerTimeout;
        options.Listeners.Add(new FailureRecorder(failures.Enqueue));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);
        breaker.Reset();
        await breaker.FlushListenersAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([CircuitState.Open, CircuitState.Closed], listener.Completed.Select(s => s.NewState));
        Assert.Empty(failures);
    }

    [Fact]
    public async Task AsyncListener_WhoseTimeoutTimerCannotBeCreated_IsReportedAndTheQueueGoesOn()
    {
        // A TimeProvider whose timers throw stands for anything that breaks before the listener is even called.
        var failures = new ConcurrentQueue<CircuitBreakerFailure>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        release.SetResult();
        var listener = new RecordingAsyncListener(release.Task);
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.TimeProvider = new TimerlessClock(_clock);
        options.Listeners.Add(new FailureRecorder(failures.Enqueue));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);
        breaker.Reset();
        await breaker.FlushListenersAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.IsType<NotSupportedException>(f.Exception));
    }

    [Fact]
    public async Task ListenerAddedThroughBothInterfaces_GetsEachSignalOncePerRegistration()
    {
        var both = new BothKindsListener();
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add((ICircuitBreakerListener)both);
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);
        await breaker.FlushListenersAsync();

        Assert.Equal(1, both.SyncCalls);
        Assert.Equal(0, both.AsyncCalls);
    }

    [Fact]
    public async Task ListenerAddedThroughBothInterfaces_RegisteredAsEach_GetsEachSignalOnBoth()
    {
        var both = new BothKindsListener();
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add((ICircuitBreakerListener)both);
        options.Listeners.Add((IAsyncCircuitBreakerListener)both);
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);
        breaker.Reset();
        await breaker.FlushListenersAsync();

        Assert.Equal((2, 2), (both.SyncCalls, both.AsyncCalls));
    }

    [Fact]
    public async Task FlushListenersAsync_WithoutAsyncListeners_CompletesAtOnceAndHonoursCancellation()
    {
        var breaker = new CircuitBreaker(Options(_clock));
        await breaker.FlushListenersAsync();

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(new RecordingAsyncListener(release.Task));
        var busy = new CircuitBreaker(options);
        busy.Fail(_clock);
        using var cts = new CancellationTokenSource();
        var flush = busy.FlushListenersAsync(cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush);
        release.SetResult();
        await busy.FlushListenersAsync();
    }

    [Fact]
    public async Task FlushListenersAsync_AsyncListenersIdle_IsAlreadyComplete()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        release.SetResult();
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(new RecordingAsyncListener(release.Task));
        var breaker = new CircuitBreaker(options);

        Assert.True(breaker.FlushListenersAsync().IsCompletedSuccessfully);     // nothing was ever queued
        breaker.Fail(_clock);
        await breaker.FlushListenersAsync();
        Assert.True(breaker.FlushListenersAsync().IsCompletedSuccessfully);     // everything queued was handled
    }

    [Fact]
    public async Task FlushListenersAsync_SeveralWaitersWhileBusy_AllComplete()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = new RecordingAsyncListener(release.Task);
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        breaker.Fail(_clock);

        var first = breaker.FlushListenersAsync();
        var second = breaker.FlushListenersAsync();
        Assert.False(first.IsCompleted);
        release.SetResult();

        // A generous guard: a waiter that is never completed must fail the test, not hang it.
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(listener.Completed);
    }

    [Fact]
    public async Task AsyncListener_ThatThrowsBeforeReturningATask_IsReportedAndLaterSignalsStillArrive()
    {
        var failures = new ConcurrentQueue<CircuitBreakerFailure>();
        var listener = new EagerlyThrowingAsyncListener();
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(listener);
        options.Listeners.Add(new FailureRecorder(failures.Enqueue));
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);
        breaker.Reset();
        await breaker.FlushListenersAsync();

        var failure = Assert.Single(failures);
        Assert.Equal("eager listener bug", failure.Exception.Message);
        Assert.Equal(CircuitState.Open, failure.Signal!.Value.NewState);
        Assert.Equal([CircuitState.Open, CircuitState.Closed], listener.Received);
    }

    [Fact]
    public void FailureObserver_IsNotToldOfItsOwnFailure_ButOfOthers()
    {
        // An observer that is itself the failing listener would otherwise be asked to handle its own bug, which
        // a logging listener would log as a failure of itself, possibly failing again.
        var selfObserving = new FailingObserver();
        var other = new FailingObserver();
        var options = Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(selfObserving);
        options.Listeners.Add(other);
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);

        Assert.Same(other, Assert.Single(selfObserving.Observed).Source);
        Assert.Same(selfObserving, Assert.Single(other.Observed).Source);
    }

    private sealed class DelegateListener(Action<Signal> onSignal) : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => onSignal(signal);
    }

    private sealed class ThrowingListener : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => throw new InvalidOperationException("listener bug");
    }

    private sealed class ObservingListener : ICircuitBreakerListener
    {
        public List<CircuitBreakerFailure> Failures { get; } = [];

        public void OnStateChanged(Signal signal)
        {
        }

        public void OnFailure(CircuitBreakerFailure failure) => Failures.Add(failure);
    }

    private sealed class ThrowingObserver : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal)
        {
        }

        public void OnFailure(CircuitBreakerFailure failure) => throw new InvalidOperationException("observer bug");
    }

    private sealed class RecordingAsyncListener(Task release) : IAsyncCircuitBreakerListener
    {
        private int _concurrent;

        public ConcurrentQueue<Signal> Completed { get; } = new();

        public int MaxConcurrency { get; private set; }

        public async ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken)
        {
            MaxConcurrency = Math.Max(MaxConcurrency, Interlocked.Increment(ref _concurrent));
            await release;
            Completed.Enqueue(signal);
            Interlocked.Decrement(ref _concurrent);
        }
    }

    private sealed class ThrowingAsyncListener : IAsyncCircuitBreakerListener
    {
        private int _calls;

        public int Calls => _calls;

        public async ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            await Task.Yield();
            if (signal.NewState == CircuitState.Open)
            {
                throw new InvalidOperationException("slack is down");
            }
        }
    }

    private sealed class HangingAsyncListener : IAsyncCircuitBreakerListener
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<CircuitState> Received { get; } = new();

        public bool TokenWasCancelled { get; private set; }

        public async ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken)
        {
            Received.Enqueue(signal.NewState);
            if (signal.NewState != CircuitState.Open)
            {
                return;
            }

            var hang = new TaskCompletionSource();
            await using var registration = cancellationToken.Register(() => TokenWasCancelled = true);
            Entered.SetResult();
            await hang.Task;                              // ignores the token: only the timeout frees the queue
        }
    }

    private sealed class BothKindsListener : ICircuitBreakerListener, IAsyncCircuitBreakerListener
    {
        public int SyncCalls { get; private set; }

        public int AsyncCalls { get; private set; }

        public void OnStateChanged(Signal signal) => SyncCalls++;

        public ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken)
        {
            AsyncCalls++;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class EagerlyThrowingAsyncListener : IAsyncCircuitBreakerListener
    {
        public ConcurrentQueue<CircuitState> Received { get; } = new();

        public ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken)
        {
            Received.Enqueue(signal.NewState);
            return signal.NewState == CircuitState.Open ? throw new InvalidOperationException("eager listener bug") : ValueTask.CompletedTask;
        }
    }

    private sealed class FailingObserver : ICircuitBreakerListener
    {
        public List<CircuitBreakerFailure> Observed { get; } = [];

        public void OnStateChanged(Signal signal) => throw new InvalidOperationException("observer's own bug");

        public void OnFailure(CircuitBreakerFailure failure) => Observed.Add(failure);
    }

    /// <summary>Delegates to a fake clock, but refuses to create timers.</summary>
    private sealed class TimerlessClock(FakeTimeProvider inner) : TimeProvider
    {
        public override long TimestampFrequency => inner.TimestampFrequency;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException("no timers here");
    }
}
