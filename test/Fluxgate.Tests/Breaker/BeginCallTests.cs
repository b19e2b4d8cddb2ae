using System.Collections.Concurrent;
using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Breaker.StateMachine.StateMachineKit;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker;

/// <summary>
/// BeginCall: admission and recording as Execute's, with the outcome reported by the caller — a result, or an exception given
/// as a value — and the guarantees of every call: outcomes of an earlier period discarded, half-open slots given back (also
/// for probes that are never reported), misuse loud in Debug builds.
/// </summary>
public class BeginCallTests
{
    [Fact]
    public void BeginCall_Closed_PermitsAndCompleteRecordsASuccess()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));

        var call = breaker.BeginCall();
        clock.Advance(TimeSpan.FromMilliseconds(250));
        var entered = call.Complete(42);

        Assert.True(call.IsPermitted);
        Assert.Equal(CircuitState.Closed, call.State);
        Assert.False(call.EnteredHalfOpen);
        Assert.Null(entered);
        var metric = breaker.GetInfo().Metrics;
        Assert.Equal(1, metric.TotalCount);
        Assert.Equal(0, metric.FailureCount);
        Assert.Equal(TimeSpan.FromMilliseconds(250), metric.TotalDuration);
    }

    [Fact]
    public void Fail_TrackedExceptionsThatTrip_ReturnOpenOnTheOneThatOpened()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));

        var first = breaker.BeginCall().Fail(new TrackedException());
        var second = breaker.BeginCall().Fail(new TrackedException());

        Assert.Null(first);
        Assert.Equal(CircuitState.Open, second);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Fail_UntrackedException_IsNotRecorded()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));

        Assert.Null(breaker.BeginCall().Fail(new UntrackedException()));

        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Fail_CancellationOfTheCallersToken_IsNeverAFailure()
    {
        var clock = NewClock();
        var options = Options(clock, Tripper.FailureStreak(1));
        options.Tracker = Tracker.TypeOf<OperationCanceledException>();
        var breaker = new CircuitBreaker(options);
        using var caller = new CancellationTokenSource();
        caller.Cancel();

        breaker.BeginCall().Fail(new OperationCanceledException(caller.Token), caller.Token);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);

        // The same exception without the caller's cancellation is the dependency's (here tracked) failure.
        var entered = breaker.BeginCall().Fail(new OperationCanceledException(), CancellationToken.None);
        Assert.Equal(CircuitState.Open, entered);
    }

    [Fact]
    public void Complete_ResultTheResultTrackerFlags_IsAFailure()
    {
        var clock = NewClock();
        var options = Options(clock, Tripper.FailureStreak(2));
        options.ResultTracker = ResultTracker.When<int>(status => status >= 500);
        var breaker = new CircuitBreaker(options);

        Assert.Null(breaker.BeginCall().Complete("not an int: a success"));
        Assert.Null(breaker.BeginCall().Complete(503));
        Assert.Equal(CircuitState.Open, breaker.BeginCall().Complete(500));
    }

    [Fact]
    public void Complete_WithoutResult_IsASuccessNeverShownToTheResultTracker()
    {
        var clock = NewClock();
        var asked = 0;
        var options = Options(clock);
        options.ResultTracker = ResultTracker.When<object?>(_ => ++asked > 0);
        var breaker = new CircuitBreaker(options);

        breaker.BeginCall().Complete();

        Assert.Equal(0, asked);
        Assert.Equal((1, 0), (breaker.GetInfo().Metrics.TotalCount, breaker.GetInfo().Metrics.FailureCount));
    }

    [Fact]
    public void BeginCall_Open_RejectsWithTheTimeLeftAndCreatesTheExceptionOnlyWhenAsked()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));
        breaker.OpenWithFailures(clock);
        clock.Advance(TimeSpan.FromSeconds(4));

        var call = breaker.BeginCall();

        Assert.False(call.IsPermitted);
        Assert.Equal(CircuitState.Open, call.State);
        Assert.Equal(TimeSpan.FromSeconds(6), call.RetryAfter);
        var rejection = call.CreateRejection();
        Assert.Equal(("test", CircuitState.Open, TimeSpan.FromSeconds(6)), (rejection.CircuitName, rejection.State, rejection.RetryAfter));
        Assert.NotSame(rejection, call.CreateRejection());
    }

    [Fact]
    public void BeginCall_ForcedOpen_RejectsWithoutATimeToRetry()
    {
        var breaker = new CircuitBreaker(Options(NewClock()));
        breaker.ForceOpen();

        var call = breaker.BeginCall();

        Assert.False(call.IsPermitted);
        Assert.Equal(CircuitState.ForcedOpen, call.State);
        Assert.Null(call.RetryAfter);
        Assert.Equal(CircuitState.ForcedOpen, call.CreateRejection().State);
    }

    [Fact]
    public void BeginCall_FirstCallAfterTheWait_EntersHalfOpenAndSaysSo()
    {
        var clock = NewClock();
        var listener = new RecordingListener();
        var options = Options(clock, Tripper.MinRequests(2) & Tripper.FailureRate(0.5));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        breaker.OpenWithFailures(clock);
        clock.Advance(Cooldown);

        var first = breaker.BeginCall();
        var second = breaker.BeginCall();

        Assert.True(first.EnteredHalfOpen);
        Assert.False(second.EnteredHalfOpen);
        Assert.Equal(CircuitState.HalfOpen, first.State);
        Assert.Equal((CircuitState.Open, CircuitState.HalfOpen), listener.Transitions[^1]);
        first.Abandon();
        second.Abandon();
    }

    [Fact]
    public void Complete_SuccessfulProbe_ReturnsClosed_FailedProbe_ReturnsOpenAndCountsAReopen()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureStreak(1)));

        breaker.BeginCall().Fail(new TrackedException());
        clock.Advance(Cooldown);
        Assert.Equal(CircuitState.Open, breaker.BeginCall().Fail(new TrackedException()));
        Assert.Equal(1, breaker.GetInfo().Reopens);

        clock.Advance(Cooldown);
        Assert.Equal(CircuitState.Closed, breaker.BeginCall().Complete(1));
        Assert.Equal(0, breaker.GetInfo().Reopens);
    }

    [Fact]
    public void Report_AfterTheStateChanged_IsNotRecordedInTheNewPeriod()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureStreak(1)));
        var call = breaker.BeginCall();

        breaker.Reset();
        var entered = call.Fail(new TrackedException());

        Assert.Null(entered);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void BeginCall_Disabled_PermitsAndRecordsNothing()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureStreak(1)));
        breaker.Disable();

        var call = breaker.BeginCall();
        Assert.True(call.IsPermitted);
        Assert.Null(call.Fail(new TrackedException()));
        Assert.Null(breaker.BeginCall().Complete(1));

        Assert.Equal(CircuitState.Disabled, breaker.State);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void BeginCall_MetricsOnly_RecordsAndNeverOpens()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureStreak(1)));
        breaker.MetricsOnly();

        Assert.Null(breaker.BeginCall().Fail(new TrackedException()));

        Assert.Equal(CircuitState.MetricsOnly, breaker.State);
        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public void Abandon_HalfOpenProbe_GivesItsSlotBackAndRecordsNothing()
    {
        var (clock, breaker) = HalfOpenWithOneSlot();
        var probe = breaker.BeginCall();
        Assert.True(probe.IsPermitted);
        Assert.False(breaker.BeginCall().IsPermitted);

        probe.Abandon();

        var next = breaker.BeginCall();
        Assert.True(next.IsPermitted);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(CircuitState.Closed, next.Complete(1));
        _ = clock;
    }

    [Fact]
    public void Report_OnARejectedCall_Throws()
    {
        var breaker = new CircuitBreaker(Options(NewClock()));
        breaker.ForceOpen();
        var call = breaker.BeginCall();

        Assert.Contains("rejected", Assert.Throws<InvalidOperationException>(() => call.Complete(1)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => call.Complete());
        Assert.Throws<InvalidOperationException>(() => call.Fail(new TrackedException()));
        Assert.Throws<InvalidOperationException>(call.Abandon);
    }

    [Fact]
    public void CreateRejection_OnAPermittedCall_Throws()
    {
        var call = new CircuitBreaker(Options(NewClock())).BeginCall();

        Assert.Throws<InvalidOperationException>(() => call.CreateRejection());
        Assert.Null(call.RetryAfter);
        call.Abandon();
    }

    [Fact]
    public void DefaultValue_IsNotACall()
    {
        var call = default(CircuitBreakerCall);

        Assert.False(call.IsPermitted);
        Assert.Null(call.RetryAfter);
        Assert.Equal("(not begun)", call.ToString());
        Assert.Contains("BeginCall", Assert.Throws<InvalidOperationException>(() => call.Complete()).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => call.CreateRejection());
    }

    [Fact]
    public void Fail_NullException_Throws()
    {
        var call = new CircuitBreaker(Options(NewClock())).BeginCall();

        Assert.Equal("exception", Assert.Throws<ArgumentNullException>(() => call.Fail(null!)).ParamName);
        call.Abandon();
    }

    [Fact]
    public void ToString_NamesTheBreakerTheDecisionAndTheState()
    {
        var breaker = new CircuitBreaker(Options(NewClock()));
        var permitted = breaker.BeginCall();
        breaker.ForceOpen();

        Assert.Equal("test: permitted (closed)", permitted.ToString());
        Assert.Equal("test: rejected (forced_open)", breaker.BeginCall().ToString());
        permitted.Abandon();
    }

    [Fact]
    public void UnreportedProbe_AfterItsLease_GivesItsSlotToTheNextCallAndIsReported()
    {
        var (clock, breaker, observer) = HalfOpenWithOneSlotObserved(Tripper.MinRequests(1)); // successes keep it half-open
        var lost = breaker.BeginCall();
        Assert.True(lost.IsPermitted);

        clock.Advance(CircuitBreakerOptions.DefaultProbeLease - TimeSpan.FromTicks(1));
        Assert.False(breaker.BeginCall().IsPermitted);
        Assert.Empty(observer.Failures);

        clock.Advance(TimeSpan.FromTicks(1));
        var next = breaker.BeginCall();
        Assert.True(next.IsPermitted);
        var failure = Assert.Single(observer.Failures);
        Assert.Same(breaker, failure.Source);
        Assert.Equal("CircuitBreakerCall.Complete", failure.Operation);
        Assert.IsType<InvalidOperationException>(failure.Exception);
        Assert.Contains("given to new calls", failure.Consequence, StringComparison.Ordinal);

        // The lost call reports after all: recorded (same period), but it gives back no slot it no longer holds.
        Assert.Null(lost.Complete(1));
        Assert.False(breaker.BeginCall().IsPermitted);
        next.Abandon();
        Assert.True(breaker.BeginCall().IsPermitted);
        Assert.False(breaker.BeginCall().IsPermitted);
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(600)]
    public void ProbeLease_OfTheOptions_IsHowLongAProbeMayGoUnreported(int seconds)
    {
        var clock = NewClock();
        var observer = new RecordingObserver();
        var options = Options(clock, Tripper.FailureStreak(1) & Tripper.Closed());
        options.ProbeLease = TimeSpan.FromSeconds(seconds);
        options.MaxHalfOpenCalls = 1;
        options.Listeners.Add(observer);
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        clock.Advance(Cooldown);
        var lost = breaker.BeginCall();

        clock.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromTicks(1));
        Assert.False(breaker.BeginCall().IsPermitted);
        clock.Advance(TimeSpan.FromTicks(1));
        var next = breaker.BeginCall();

        Assert.True(next.IsPermitted);
        Assert.Single(observer.Failures);
        lost.Abandon();
        next.Abandon();
    }

    [Fact]
    public void ProbeLease_Infinite_NeverReclaims()
    {
        var clock = NewClock();
        var options = Options(clock, Tripper.FailureStreak(1) & Tripper.Closed());
        options.ProbeLease = Timeout.InfiniteTimeSpan;
        options.MaxHalfOpenCalls = 1;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        clock.Advance(Cooldown);
        var held = breaker.BeginCall();

        clock.Advance(TimeSpan.FromDays(3650));

        Assert.False(breaker.BeginCall().IsPermitted);
        held.Abandon();
        Assert.True(breaker.BeginCall().IsPermitted);
    }

    [Fact]
    public async Task LateReports_RacingTheReclaimOfTheirLeases_GiveBackEachSlotOnce()
    {
        for (var round = 0; round < 50; round++)
        {
            var clock = NewClock();
            var options = Options(clock, (Tripper.Closed() & Tripper.FailureStreak(1)) | (Tripper.HalfOpened() & Tripper.MinRequests(1)));
            options.MaxHalfOpenCalls = 4;
            options.ProbeLease = TimeSpan.FromSeconds(5);
            var breaker = new CircuitBreaker(options);
            breaker.Fail(clock);
            clock.Advance(Cooldown);
            var late = Enumerable.Range(0, 4).Select(_ => breaker.BeginCall()).ToList();
            Assert.All(late, call => Assert.True(call.IsPermitted));
            clock.Advance(TimeSpan.FromSeconds(5));

            // The late reports and the admissions that reclaim the same leases run at once.
            var admitted = new ConcurrentQueue<CircuitBreakerCall>();
            await Task.WhenAll(
                Task.Run(() => late.ForEach(call => call.Abandon())),
                Task.Run(() =>
                {
                    for (var i = 0; i < 4; i++)
                    {
                        if (breaker.BeginCall() is { IsPermitted: true } call)
                        {
                            admitted.Enqueue(call);
                        }
                    }
                }));

            // Whatever the interleaving, the slots the admitted calls do not hold are free: exactly four in all.
            foreach (var call in admitted)
            {
                call.Abandon();
            }

            var probes = Enumerable.Range(0, 5).Select(_ => breaker.BeginCall()).ToList();
            Assert.Equal([true, true, true, true, false], probes.Select(p => p.IsPermitted));
            probes.Where(p => p.IsPermitted).ToList().ForEach(p => p.Abandon());
        }
    }

    [Fact]
    public async Task ProbesRunByTheBreakerItself_AreNeverReclaimed()
    {
        var (clock, breaker, observer) = HalfOpenWithOneSlotObserved();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = breaker.ExecuteAsync(_ => new ValueTask<int>(gate.Task));

        clock.Advance(TimeSpan.FromHours(1));

        Assert.False(breaker.BeginCall().IsPermitted);
        Assert.Empty(observer.Failures);
        gate.SetResult(1);
        Assert.Equal(1, await probe);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task ConcurrentCalls_InHalfOpen_NeverRunMoreProbesThanAllowed()
    {
        var clock = NewClock();
        var options = Options(clock, (Tripper.Closed() & Tripper.FailureStreak(1)) | (Tripper.HalfOpened() & Tripper.MinRequests(1)));
        options.MaxHalfOpenCalls = 3;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        clock.Advance(Cooldown);
        var inside = 0;
        var most = 0;
        var permitted = 0;

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                var call = breaker.BeginCall();
                if (!call.IsPermitted)
                {
                    continue;
                }

                // Counted while the probe holds its slot (uncounted just before it gives the slot back, so the count never
                // exceeds the slots actually held); the yield keeps it counted long enough for the others to overlap it.
                InterlockedMax(ref most, Interlocked.Increment(ref inside));
                Interlocked.Increment(ref permitted);
                Thread.Yield();
                Interlocked.Decrement(ref inside);
                switch ((worker + i) % 3)
                {
                    case 0:
                        call.Abandon();
                        break;
                    case 1:
                        call.Fail(new UntrackedException());
                        break;
                    default:
                        call.Complete(1); // half-open, a success with the tripper true: it stays half-open
                        break;
                }
            }
        })));

        Assert.InRange(most, 1, 3);
        Assert.True(permitted > 0);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        // Every slot was given back: three probes at once are admitted again, the fourth is not.
        var probes = Enumerable.Range(0, 4).Select(_ => breaker.BeginCall()).ToList();
        Assert.Equal([true, true, true, false], probes.Select(p => p.IsPermitted));
        probes.Where(p => p.IsPermitted).ToList().ForEach(p => p.Abandon());
    }

    [Fact]
    public void Report_TwiceThroughOneValue_IsIgnored_AndToldToTheListeners()
    {
        var observer = new RecordingObserver();
        var options = Options(NewClock());
        options.Listeners.Add(observer);
        var breaker = new CircuitBreaker(options);
        var call = breaker.BeginCall();
        call.Complete(1);

        Assert.Null(call.Fail(new TrackedException()));
        call.Abandon();

        Assert.Equal((1, 0), (breaker.GetInfo().Metrics.TotalCount, breaker.GetInfo().Metrics.FailureCount));
        Assert.Equal(2, observer.Failures.Count);
        Assert.All(observer.Failures, f => Assert.Equal("CircuitBreakerCall.Complete", f.Operation));
        Assert.Contains("reported a second time", observer.Failures.First().Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_ReportedTwiceThroughOneValue_GivesItsSlotBackOnce()
    {
        var (_, breaker, observer) = HalfOpenWithOneSlotObserved(Tripper.FailureStreak(2));
        var probe = breaker.BeginCall();
        probe.Abandon();
        probe.Abandon(); // a second give-back would let two probes in at once

        var first = breaker.BeginCall();
        Assert.True(first.IsPermitted);
        Assert.False(breaker.BeginCall().IsPermitted);
        first.Abandon();
        Assert.Single(observer.Failures);
    }

    [Fact]
    public void LostProbe_ReclaimedAfterItsLease_IsReportedWithoutAStackByDefault()
    {
        var (clock, breaker, observer) = HalfOpenWithOneSlotObserved(Tripper.FailureStreak(2));
        Assert.True(breaker.BeginCall().IsPermitted); // never reported
        clock.Advance(CircuitBreakerOptions.DefaultProbeLease);

        var next = breaker.BeginCall();

        Assert.True(next.IsPermitted);
        next.Abandon();
        var failure = Assert.Single(observer.Failures);
        Assert.Contains("Fluxgate.CircuitBreakerCall.CaptureStacks", failure.Exception.Message, StringComparison.Ordinal); // how to see where
    }

    [Fact]
    public void LostProbes_WithTheCaptureStacksSwitchOn_AreReportedWithTheStacksThatBeganThem()
    {
        // Same class as the test of the default, so the two never run at once (the switch is process-wide).
        AppContext.SetSwitch("Fluxgate.CircuitBreakerCall.CaptureStacks", true);
        try
        {
            var (clock, breaker, observer) = HalfOpenWithOneSlotObserved(Tripper.FailureStreak(2));
            Assert.True(BeginLostProbe(breaker).IsPermitted);
            clock.Advance(CircuitBreakerOptions.DefaultProbeLease);

            breaker.BeginCall().Abandon();

            var message = Assert.Single(observer.Failures).Exception.Message;
            Assert.Contains("They began at:", message, StringComparison.Ordinal);
            Assert.Contains(nameof(BeginLostProbe), message, StringComparison.Ordinal);
            Assert.DoesNotContain("Turn the AppContext switch", message, StringComparison.Ordinal);
        }
        finally
        {
            AppContext.SetSwitch("Fluxgate.CircuitBreakerCall.CaptureStacks", false);
        }
    }

    [Fact]
    public void ManyProbesAtOnce_EachHoldsALeaseAndEachReportFreesIts()
    {
        var clock = TestKit.NewClock();
        var options = TestKit.Options(clock, Tripper.FailureStreak(1));
        options.MaxHalfOpenCalls = 10;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        clock.Advance(Cooldown);

        var calls = Enumerable.Range(0, 10).Select(_ => breaker.BeginCall()).ToArray();   // more leases than the first array holds

        Assert.All(calls, c => Assert.True(c.IsPermitted));
        Assert.False(breaker.BeginCall().IsPermitted);
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i].Abandon();
        }

        Assert.True(breaker.BeginCall().IsPermitted);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static CircuitBreakerCall BeginLostProbe(CircuitBreaker breaker) => breaker.BeginCall();

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private static (FakeTimeProvider Clock, CircuitBreaker Breaker) HalfOpenWithOneSlot()
    {
        var (clock, breaker, _) = HalfOpenWithOneSlotObserved();
        return (clock, breaker);
    }

    /// <summary>A breaker that opens on a failure and is half-open with one probe slot; a success closes it unless <paramref name="halfOpenTripper"/> says otherwise.</summary>
    private static (FakeTimeProvider Clock, CircuitBreaker Breaker, RecordingObserver Observer) HalfOpenWithOneSlotObserved(Tripper? halfOpenTripper = null)
    {
        var clock = NewClock();
        var observer = new RecordingObserver();
        var options = Options(clock, halfOpenTripper is null ? Tripper.FailureStreak(1) : (Tripper.Closed() & Tripper.FailureStreak(1)) | (Tripper.HalfOpened() & halfOpenTripper));
        options.MaxHalfOpenCalls = 1;
        options.Listeners.Add(observer);
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        clock.Advance(Cooldown);
        return (clock, breaker, observer);
    }

    private sealed class RecordingObserver : ICircuitBreakerListener
    {
        public ConcurrentQueue<CircuitBreakerFailure> Failures { get; } = new();

        public void OnStateChanged(Signal signal)
        {
        }

        public void OnFailure(CircuitBreakerFailure failure) => Failures.Enqueue(failure);
    }
}
