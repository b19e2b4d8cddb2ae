using System.Collections.Concurrent;
using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Listeners;

/// <summary>
/// A custom part that throws never reaches a caller: the call's own result or exception is what the caller sees, the
/// breaker carries on with a safe answer, and the fault is reported to the listeners (<see cref="ICircuitBreakerListener.OnFailure"/>)
/// and to listeners that observe component failures.
/// </summary>
public class ComponentFailureTests
{
    private readonly FakeTimeProvider _clock = NewClock();
    private readonly ConcurrentQueue<CircuitBreakerFailure> _reported = new();

    private CircuitBreaker Breaker(Action<CircuitBreakerOptions> configure)
    {
        var options = Options(_clock);
        options.Listeners.Add(new FailureRecorder(_reported.Enqueue));
        configure(options);
        return new CircuitBreaker(options);
    }

    [Fact]
    public void Execute_TripperThrowsAfterASuccessfulCall_CallerGetsTheResultAndTheFaultIsReported()
    {
        var tripper = new ThrowingTripper();
        var breaker = Breaker(o => o.Tripper = tripper);
        var sideEffects = 0;

        var result = breaker.Execute(() => { sideEffects++; return 42; });

        Assert.Equal(42, result);
        Assert.Equal(1, sideEffects);
        var failure = Assert.Single(_reported);
        Assert.Equal("test", failure.CircuitName);
        Assert.Same(tripper, failure.Source);
        Assert.Equal("Tripper.Evaluate", failure.Operation);
        Assert.IsType<InvalidOperationException>(failure.Exception);
        Assert.Contains("taken as false", failure.Consequence, StringComparison.Ordinal);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public async Task ExecuteAsync_TripperThrowsAfterSuccess_SyncAndAsyncCompletionsKeepTheirResults()
    {
        var breaker = Breaker(o => o.Tripper = new ThrowingTripper());

        Assert.Equal(1, await breaker.ExecuteAsync(_ => new ValueTask<int>(1)));
        Assert.Equal(2, await breaker.ExecuteAsync(async _ => { await Task.Yield(); return 2; }));
        Assert.True(breaker.TryExecute(() => 3, out var three));
        Assert.Equal(3, three);
        await breaker.ExecuteAsync(_ => ValueTask.CompletedTask);

        Assert.Equal(4, _reported.Count);
    }

    [Fact]
    public void Execute_TripperThrowsWhileHalfOpen_ReleasesTheProbeSlot()
    {
        var tripper = new ScriptedTripper { Answer = true };
        var breaker = Breaker(o =>
        {
            o.Tripper = tripper;
            o.MaxHalfOpenCalls = 1;
        });
        breaker.Succeed(_clock);
        Assert.Equal(CircuitState.Open, breaker.State);
        _clock.Advance(TimeSpan.FromSeconds(10));
        var throwing = new ThrowingTripper();
        breaker.Reconfigure(WithTripper(throwing));

        // Each probe's tripper throws; had the slot leaked, the second probe would be rejected.
        Assert.Equal(42, breaker.Succeed(_clock));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(42, breaker.Succeed(_clock));
        Assert.Equal(2, _reported.Count);
    }

    [Fact]
    public void Execute_RetryThrowsWhenOpening_TheCircuitOpensAndProbesOnTheNextCall()
    {
        var retry = new ThrowingRetry();
        var breaker = Breaker(o =>
        {
            o.Tripper = Tripper.FailureStreak(1);
            o.Retry = retry;
        });
        var thrown = new TrackedException();

        Assert.Same(thrown, Assert.Throws<TrackedException>(() => breaker.Execute<int>(() => throw thrown)));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal("Retry.GetWaitDuration", Assert.Single(_reported).Operation);
        Assert.Equal(42, breaker.Succeed(_clock));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Execute_PermitThrows_CallIsRejectedWithoutRunningAndTheFaultIsReported()
    {
        var breaker = Breaker(o =>
        {
            o.Tripper = Tripper.FailureStreak(1);
            o.Permit = new ThrowingPermit();
        });
        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromSeconds(10));

        breaker.AssertRejects();

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal("Permit.Admit", Assert.Single(_reported).Operation);
    }

    [Fact]
    public void Execute_TrackerThrows_TheCallsOwnExceptionReachesTheCallerAndCountsAsAFailure()
    {
        var breaker = Breaker(o => o.Tracker = Tracker.Custom(_ => throw new InvalidOperationException("tracker bug")));
        var thrown = new UntrackedException();

        Assert.Same(thrown, Assert.Throws<UntrackedException>(() => breaker.Execute<int>(() => throw thrown)));

        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
        var failure = Assert.Single(_reported);
        Assert.Equal("Tracker.IsFailure", failure.Operation);
        Assert.Contains("counted as a failure", failure.Consequence, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_ResultTrackerThrows_TheResultReachesTheCallerAndCountsAsAFailure()
    {
        var breaker = Breaker(o => o.ResultTracker = ResultTracker.When<int>(_ => throw new InvalidOperationException("bug")));

        Assert.Equal(7, breaker.Execute(() => 7));

        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
        Assert.Equal("ResultTracker.IsFailure", Assert.Single(_reported).Operation);
    }

    [Fact]
    public void Execute_WindowThrowsOnEveryOperation_CallsKeepTheirResultsAndTransitionsStillHappen()
    {
        var listener = new RecordingListener();
        var breaker = Breaker(o =>
        {
            o.Window = new ThrowingWindow();
            o.Listeners.Add(listener);
        });

        Assert.Equal(42, breaker.Succeed(_clock));
        breaker.ForceOpen();

        Assert.Equal([(CircuitState.Closed, CircuitState.ForcedOpen)], listener.Transitions);
        // The second GetMetric is the transition reading the figures its signal carries: that failure is reported too, and the
        // signal goes out with empty figures.
        Assert.Equal(["Window.Record", "Window.GetMetric", "Window.GetMetric", "Window.Reset"], _reported.Select(f => f.Operation));
        Assert.Equal(0, Assert.Single(listener.Signals).Metrics.TotalCount);
    }

    [Fact]
    public void Execute_HookAndObserverThrow_TheCallIsUnaffectedAndOtherObserversStillHear()
    {
        var observer = new RecordingObserver();
        var options = Options(_clock);
        options.Tripper = new ThrowingTripper();
        options.Listeners.Add(new FailureRecorder(_ => throw new InvalidOperationException("hook bug")));
        options.Listeners.Add(new ThrowingObserver());
        options.Listeners.Add(observer);
        var breaker = new CircuitBreaker(options);

        Assert.Equal(42, breaker.Succeed(_clock));

        Assert.Single(observer.Failures);
    }

    [Fact]
    public void Evaluate_CompositeTripperHidingItsSlowRateChild_IsReportedOnceWithTheFix()
    {
        // A custom composite that forgets GetChildren: the window never counts slow calls for 1s, so the rate reads 0.
        var hidden = new HidingComposite(Tripper.SlowRate(0.5, TimeSpan.FromSeconds(1)));
        var breaker = Breaker(o => o.Tripper = hidden);

        breaker.Succeed(_clock, TimeSpan.FromSeconds(2));
        breaker.Succeed(_clock, TimeSpan.FromSeconds(2));

        Assert.Equal(CircuitState.Closed, breaker.State);
        var failure = Assert.Single(_reported);
        Assert.Equal("Tripper.SlowThreshold", failure.Operation);
        Assert.Same(hidden, failure.Source);
        Assert.Contains("GetChildren", failure.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("1s", failure.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_CompositeExposingItsChildren_ReadsSlowCallsAndReportsNothing()
    {
        var exposed = new ExposingComposite(Tripper.SlowRate(0.5, TimeSpan.FromSeconds(1)));
        var breaker = Breaker(o => o.Tripper = exposed);

        breaker.Succeed(_clock, TimeSpan.FromSeconds(2));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Empty(_reported);
    }

    [Fact]
    public void GetInfo_ReadingAThresholdNobodyRegistered_IsNotAFault()
    {
        var breaker = Breaker(_ => { });
        breaker.Succeed(_clock, TimeSpan.FromSeconds(2));

        Assert.Equal(0, breaker.GetInfo().Metrics.SlowCount(TimeSpan.FromSeconds(1)));

        Assert.Empty(_reported);
    }

    [Theory]
    [InlineData("Tracker.IsFailure", "the exception was counted as a failure")]
    [InlineData("ResultTracker.IsFailure", "the result was counted as a failure")]
    [InlineData("Tripper.Evaluate", "the tripper's answer was taken as false (no transition)")]
    [InlineData("Tripper.SlowThreshold", "the slow count read as 0; return the SlowRate trippers from GetChildren so the window counts them")]
    [InlineData("Retry.GetWaitDuration", "the circuit will let a probe through on the next call")]
    [InlineData("Permit.Admit", "the call was not admitted as a probe")]
    [InlineData("Window.Record", "the outcome may be missing from the window")]
    [InlineData("Window.Reset", "the window may keep outcomes of the previous state")]
    [InlineData("Window.GetMetric", "the tripper was not asked (no transition)")]
    [InlineData("Something.Else", "the breaker carried on")]
    public void Consequence_SaysWhatTheBreakerDidInstead(string operation, string consequence)
    {
        var failure = new CircuitBreakerFailure("payments", new ThrowingTripper(), operation, new InvalidOperationException());

        Assert.Equal(consequence, failure.Consequence);
        Assert.Equal($"payments: {operation} of ThrowingTripper threw InvalidOperationException; {consequence}", failure.ToString());
    }

    private CircuitBreakerOptions WithTripper(Tripper tripper)
    {
        var options = Options(_clock, tripper);
        options.MaxHalfOpenCalls = 1;
        return options;
    }

    private sealed class ThrowingTripper : Tripper
    {
        public override bool Evaluate(CallContext context) => throw new InvalidOperationException("tripper bug");
    }

    private sealed class ThrowingRetry : Retry
    {
        public override TimeSpan GetWaitDuration(int reopens) => throw new InvalidOperationException("retry bug");
    }

    private sealed class ThrowingPermit : Permit
    {
        public override bool Admit(TimeSpan elapsedSinceHalfOpen) => throw new InvalidOperationException("permit bug");
    }

    private sealed class ThrowingWindow : Window
    {
        public override Metric GetMetric() => throw new InvalidOperationException("window bug");

        public override void Reset() => throw new InvalidOperationException("window bug");

        protected override void Record(bool isFailure, TimeSpan duration, long timestamp) => throw new InvalidOperationException("window bug");
    }

    private sealed class HidingComposite(Tripper inner) : Tripper
    {
        public override bool Evaluate(CallContext context) => inner.Evaluate(context);
    }

    private sealed class ExposingComposite(Tripper inner) : Tripper
    {
        public override bool Evaluate(CallContext context) => inner.Evaluate(context);

        protected override IEnumerable<Tripper> GetChildren() => [inner];
    }

    private sealed class RecordingObserver : ICircuitBreakerListener
    {
        public ConcurrentQueue<CircuitBreakerFailure> Failures { get; } = new();

        public void OnStateChanged(Signal signal)
        {
        }

        public void OnFailure(CircuitBreakerFailure failure) => Failures.Enqueue(failure);
    }

    private sealed class ThrowingObserver : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal)
        {
        }

        public void OnFailure(CircuitBreakerFailure failure) => throw new InvalidOperationException("observer bug");
    }
}
