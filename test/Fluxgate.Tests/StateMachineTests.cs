using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests;

/// <summary>The state machine (closed, open, half-open and the three manual states; README "How it works"), one rule per test.</summary>
public class StateMachineTests
{
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(10);

    // ---- Closed -------------------------------------------------------------------------------------

    [Fact]
    public void Closed_Success_RecordsSuccessWithItsDuration()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));

        Assert.Equal(42, breaker.Succeed(clock, TimeSpan.FromMilliseconds(30)));

        var metrics = breaker.GetInfo().Metrics;
        Assert.Equal(1, metrics.TotalCount);
        Assert.Equal(0, metrics.FailureCount);
        Assert.Equal(TimeSpan.FromMilliseconds(30), metrics.TotalDuration);
    }

    [Fact]
    public void Closed_Success_ZeroesConsecutiveFailures()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureStreak(5)));
        breaker.Fail(clock);
        breaker.Fail(clock);
        Assert.Equal(2, breaker.GetInfo().ConsecutiveFailures);

        breaker.Succeed(clock);

        Assert.Equal(0, breaker.GetInfo().ConsecutiveFailures);
    }

    [Fact]
    public void Closed_TrackedException_RecordsFailureAndExtendsStreak()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureStreak(5)));

        breaker.Fail(clock);

        var info = breaker.GetInfo();
        Assert.Equal(1, info.Metrics.TotalCount);
        Assert.Equal(1, info.Metrics.FailureCount);
        Assert.Equal(1, info.ConsecutiveFailures);
    }

    [Fact]
    public void Closed_UntrackedException_RecordsNothingAndRethrows()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureStreak(5)));
        breaker.Fail(clock);

        breaker.FailUntracked();

        var info = breaker.GetInfo();
        Assert.Equal(1, info.Metrics.TotalCount);
        Assert.Equal(1, info.ConsecutiveFailures);
    }

    [Fact]
    public void Closed_EveryRecordedOutcome_EvaluatesTripperInClosedState()
    {
        var clock = NewClock();
        var tripper = new ScriptedTripper();
        var breaker = new CircuitBreaker(Options(clock, tripper));

        breaker.Succeed(clock);
        breaker.Fail(clock);
        breaker.FailUntracked();

        Assert.Equal(2, tripper.Contexts.Count);
        Assert.All(tripper.Contexts, c => Assert.Equal(CircuitState.Closed, c.State));
        Assert.Equal(1, tripper.Contexts[0].Metric.TotalCount);
        Assert.Equal(2, tripper.Contexts[1].Metric.TotalCount);
        Assert.Equal(1, tripper.Contexts[1].ConsecutiveFailures);
    }

    [Fact]
    public void Closed_TripperTrue_OpensAfterTheOutcomeIsRecorded()
    {
        var clock = NewClock();
        var tripper = new ScriptedTripper();
        var listener = new RecordingListener();
        var options = Options(clock, tripper);
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        breaker.Succeed(clock);
        Assert.Equal(CircuitState.Closed, breaker.State);

        tripper.Answer = true;
        Assert.Equal(42, breaker.Succeed(clock));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal([(CircuitState.Closed, CircuitState.Open)], listener.Transitions);
    }

    [Fact]
    public void Closed_Exception_ReachesCallerAsTheSameObjectWithItsStack()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));
        var thrown = new TrackedException();

        var caught = Assert.Throws<TrackedException>(() => breaker.Execute<int>(() => ThrowFromHere(thrown)));

        Assert.Same(thrown, caught);
        Assert.Contains(nameof(ThrowFromHere), caught.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closed_AsyncException_ReachesCallerAsTheSameObjectWithItsStack()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));
        var thrown = new TrackedException();

        var caught = await Assert.ThrowsAsync<TrackedException>(async () => await breaker.ExecuteAsync(async _ =>
        {
            await Task.Yield();
            return ThrowFromHere(thrown);
        }));

        Assert.Same(thrown, caught);
        Assert.Contains(nameof(ThrowFromHere), caught.StackTrace, StringComparison.Ordinal);
    }

    // ---- Open ---------------------------------------------------------------------------------------

    [Fact]
    public void Open_BeforeTheWait_RejectsWithoutCalling()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));
        breaker.Trip(clock);

        clock.Advance(Cooldown - TimeSpan.FromTicks(1));
        var rejection = breaker.AssertRejects();

        Assert.Equal(CircuitState.Open, rejection.State);
        Assert.Equal("test", rejection.CircuitName);
        Assert.Equal(TimeSpan.FromTicks(1), rejection.RetryAfter);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Open_WhenElapsedEqualsTheWait_MovesToHalfOpenAndRunsTheCallAsAProbe()
    {
        var clock = NewClock();
        var listener = new RecordingListener();
        var options = Options(clock, Tripper.FailureStreak(2));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        breaker.Trip(clock);

        clock.Advance(Cooldown);
        breaker.Fail(clock);

        // The probe ran in half-open: one failure with a streak of 2 needed keeps it half-open.
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
        Assert.Equal([(CircuitState.Closed, CircuitState.Open), (CircuitState.Open, CircuitState.HalfOpen)], listener.Transitions);
    }

    [Fact]
    public void Open_AfterTheWait_StaysOpenUntilTheNextCall()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));
        breaker.Trip(clock);

        clock.Advance(Cooldown * 3);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(CircuitState.Open, breaker.GetInfo().State);
        breaker.Succeed(clock);
        Assert.NotEqual(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Open_Retry_IsAskedOnceWhenOpeningWithTheReopenCount()
    {
        var clock = NewClock();
        var retry = new ScriptedRetry(Cooldown);
        var options = Options(clock, Tripper.FailureRate(0.5));
        options.Retry = retry;
        var breaker = new CircuitBreaker(options);

        breaker.Fail(clock);                      // closed → open (reopens 0)
        breaker.AssertRejects();
        breaker.AssertRejects();
        clock.Advance(Cooldown);
        breaker.Fail(clock);                      // → half-open, probe fails → open (reopens 1)
        clock.Advance(Cooldown);
        breaker.Fail(clock);                      // → half-open → open (reopens 2)

        Assert.Equal([0, 1, 2], retry.Asked);
        Assert.Equal(2, breaker.GetInfo().Reopens);
    }

    [Fact]
    public void Open_RetryNever_RejectsUntilManualReset()
    {
        var clock = NewClock();
        var options = Options(clock);
        options.Retry = Retry.Never();
        var breaker = new CircuitBreaker(options);
        breaker.Trip(clock);

        clock.Advance(TimeSpan.FromDays(3650));
        var rejection = breaker.AssertRejects();

        Assert.Null(rejection.RetryAfter);
        breaker.Reset();
        breaker.Succeed(clock);
    }

    // ---- Half-open ----------------------------------------------------------------------------------

    [Fact]
    public void HalfOpen_PermitRefuses_RejectsWithoutCalling()
    {
        var clock = NewClock();
        var permit = new ScriptedPermit { Answer = false };
        var options = Options(clock);
        options.Permit = permit;
        var breaker = new CircuitBreaker(options);
        breaker.Trip(clock);
        clock.Advance(Cooldown);

        var rejection = breaker.AssertRejects();

        Assert.Equal(CircuitState.HalfOpen, rejection.State);
        Assert.Null(rejection.RetryAfter);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void HalfOpen_Permit_ReceivesTimeSinceEnteringHalfOpen()
    {
        var clock = NewClock();
        var permit = new ScriptedPermit();
        var breaker = NewBreakerOpenedWith(clock, permit, Tripper.MinRequests(1)); // stays half-open after successes
        clock.Advance(Cooldown);

        breaker.Succeed(clock);                       // enters half-open now: elapsed 0
        clock.Advance(TimeSpan.FromSeconds(7));
        breaker.Succeed(clock);

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(7)], permit.Asked);
    }

    [Fact]
    public async Task HalfOpen_MaxHalfOpenCallsInFlight_RejectsFurtherCallsAtOnce()
    {
        var clock = NewClock();
        var options = Options(clock, Tripper.FailureRate(1.0) & Tripper.MinRequests(1));
        options.MaxHalfOpenCalls = 2;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        clock.Advance(Cooldown);

        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = breaker.ExecuteAsync(_ => new ValueTask<int>(gate.Task));
        var second = breaker.ExecuteAsync(_ => new ValueTask<int>(gate.Task));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        var rejected = await Assert.ThrowsAsync<CallNotPermittedException>(async () => await breaker.ExecuteAsync(_ => new ValueTask<int>(1)));
        Assert.Equal(CircuitState.HalfOpen, rejected.State);

        gate.SetResult(7);
        Assert.Equal(7, await first);
        Assert.Equal(7, await second);
    }

    [Fact]
    public void HalfOpen_SuccessAndTripperFalse_Closes()
    {
        var clock = NewClock();
        var tripper = new ScriptedTripper { Answer = true };
        var breaker = new CircuitBreaker(Options(clock, tripper));
        breaker.Succeed(clock);
        Assert.Equal(CircuitState.Open, breaker.State);
        clock.Advance(Cooldown);

        tripper.Answer = false;
        breaker.Succeed(clock);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(CircuitState.HalfOpen, tripper.Contexts[^1].State);
    }

    [Fact]
    public void HalfOpen_SuccessAndTripperTrue_StaysHalfOpen()
    {
        var clock = NewClock();
        var tripper = new ScriptedTripper { Answer = true };
        var breaker = new CircuitBreaker(Options(clock, tripper));
        breaker.Succeed(clock);
        clock.Advance(Cooldown);

        breaker.Succeed(clock);

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void HalfOpen_TrackedFailureAndTripperTrue_ReopensAndCountsTheReopen()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureRate(0.5)));
        breaker.Fail(clock);
        clock.Advance(Cooldown);

        breaker.Fail(clock);

        var info = breaker.GetInfo();
        Assert.Equal(CircuitState.Open, info.State);
        Assert.Equal(1, info.Reopens);
        Assert.Equal(0, info.Metrics.TotalCount);
    }

    [Fact]
    public void HalfOpen_TrackedFailureAndTripperFalse_StaysHalfOpenWithTheFailureRecorded()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.MinRequests(3) & Tripper.FailureRate(0.5)));
        breaker.Fail(clock);
        breaker.Fail(clock);
        breaker.Fail(clock);
        clock.Advance(Cooldown);

        breaker.Fail(clock);

        var info = breaker.GetInfo();
        Assert.Equal(CircuitState.HalfOpen, info.State);
        Assert.Equal(1, info.Metrics.FailureCount);
        Assert.Equal(1, info.ConsecutiveFailures);
    }

    [Fact]
    public void HalfOpen_UntrackedException_RecordsNothingAndFreesItsSlot()
    {
        var clock = NewClock();
        var options = Options(clock, Tripper.FailureRate(0.5));
        options.MaxHalfOpenCalls = 1;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        clock.Advance(Cooldown);

        breaker.FailUntracked();
        breaker.FailUntracked();

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    // ---- Manual states ------------------------------------------------------------------------------

    [Fact]
    public void MetricsOnly_RecordsEveryCallAndNeverTrips()
    {
        var clock = NewClock();
        var tripper = new ScriptedTripper { Answer = true };
        var breaker = new CircuitBreaker(Options(clock, tripper));
        breaker.MetricsOnly();

        for (var i = 0; i < 5; i++)
        {
            breaker.Fail(clock, TimeSpan.FromMilliseconds(10));
        }

        breaker.Succeed(clock, TimeSpan.FromMilliseconds(10));

        var info = breaker.GetInfo();
        Assert.Equal(CircuitState.MetricsOnly, info.State);
        Assert.Equal(6, info.Metrics.TotalCount);
        Assert.Equal(5, info.Metrics.FailureCount);
        Assert.Equal(0, info.ConsecutiveFailures);
        Assert.Empty(tripper.Contexts);
    }

    [Fact]
    public void Disabled_RunsEveryCallAndRecordsNothing()
    {
        var clock = NewClock();
        var tripper = new ScriptedTripper { Answer = true };
        var breaker = new CircuitBreaker(Options(clock, tripper));
        breaker.Disable();

        breaker.Fail(clock);
        Assert.Equal(42, breaker.Succeed(clock));

        var info = breaker.GetInfo();
        Assert.Equal(CircuitState.Disabled, info.State);
        Assert.Equal(0, info.Metrics.TotalCount);
        Assert.Equal(0, info.ConsecutiveFailures);
        Assert.Empty(tripper.Contexts);
    }

    [Fact]
    public void ForcedOpen_RejectsEverythingUntilAManualCall()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));
        breaker.ForceOpen();

        clock.Advance(TimeSpan.FromDays(1));
        var rejection = breaker.AssertRejects();
        Assert.Equal(CircuitState.ForcedOpen, rejection.State);
        Assert.Null(rejection.RetryAfter);

        breaker.Reset();
        Assert.Equal(42, breaker.Succeed(clock));
    }

    // ---- Transitions --------------------------------------------------------------------------------

    [Fact]
    public void Transition_ClearsTheWindowStampsChangedAtAndSignals()
    {
        var clock = NewClock();
        var listener = new RecordingListener();
        var options = Options(clock, Tripper.FailureStreak(10));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        breaker.Succeed(clock);
        breaker.Fail(clock);
        clock.Advance(TimeSpan.FromMinutes(5));

        breaker.MetricsOnly();

        var info = breaker.GetInfo();
        Assert.Equal(0, info.Metrics.TotalCount);
        Assert.Equal(Epoch + TimeSpan.FromMinutes(5), info.ChangedAt);
        var signal = Assert.Single(listener.Signals);
        Assert.Equal(new Signal("test", CircuitState.Closed, CircuitState.MetricsOnly, Epoch + TimeSpan.FromMinutes(5)), signal);
    }

    [Fact]
    public void ManualCall_NamingTheCurrentState_IsStillASignalledTransitionThatClearsTheWindow()
    {
        var clock = NewClock();
        var listener = new RecordingListener();
        var options = Options(clock, Tripper.FailureStreak(10));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);

        breaker.Reset();

        Assert.Equal([(CircuitState.Closed, CircuitState.Closed)], listener.Transitions);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Theory]
    [InlineData(nameof(CircuitBreaker.Disable), CircuitState.Disabled)]
    [InlineData(nameof(CircuitBreaker.MetricsOnly), CircuitState.MetricsOnly)]
    [InlineData(nameof(CircuitBreaker.ForceOpen), CircuitState.ForcedOpen)]
    [InlineData(nameof(CircuitBreaker.Reset), CircuitState.Closed)]
    public void ManualCall_FromEveryState_EntersTheNamedState(string method, CircuitState expected)
    {
        foreach (var start in new[] { CircuitState.Closed, CircuitState.Open, CircuitState.HalfOpen, CircuitState.MetricsOnly, CircuitState.Disabled, CircuitState.ForcedOpen })
        {
            var clock = NewClock();
            var listener = new RecordingListener();
            var options = Options(clock, Tripper.FailureRate(0.5));
            options.Listeners.Add(listener);
            var breaker = new CircuitBreaker(options);
            DriveTo(breaker, clock, start);

            typeof(CircuitBreaker).GetMethod(method)!.Invoke(breaker, null);

            Assert.Equal(expected, breaker.State);
            Assert.Equal((start, expected), listener.Transitions[^1]);
        }
    }

    [Fact]
    public void TransitionToClosed_ZeroesReopensAndStreak()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureRate(0.5)));
        breaker.Fail(clock);
        clock.Advance(Cooldown);
        breaker.Fail(clock);
        Assert.Equal(1, breaker.GetInfo().Reopens);
        Assert.Equal(1, breaker.GetInfo().ConsecutiveFailures);

        breaker.Reset();

        Assert.Equal(0, breaker.GetInfo().Reopens);
        Assert.Equal(0, breaker.GetInfo().ConsecutiveFailures);
    }

    [Fact]
    public void TransitionToHalfOpen_ZeroesTheStreakButKeepsReopens()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureRate(0.5)));
        breaker.Fail(clock);
        clock.Advance(Cooldown);
        breaker.Fail(clock);
        Assert.Equal(1, breaker.GetInfo().ConsecutiveFailures);
        clock.Advance(Cooldown * 2);

        breaker.FailUntracked(); // moves to half-open, records nothing

        var info = breaker.GetInfo();
        Assert.Equal(CircuitState.HalfOpen, info.State);
        Assert.Equal(0, info.ConsecutiveFailures);
        Assert.Equal(1, info.Reopens);
    }

    [Fact]
    public void TransitionToOpen_FromClosed_KeepsTheStreak()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureStreak(3)));

        breaker.Fail(clock);
        breaker.Fail(clock);
        breaker.Fail(clock);

        var info = breaker.GetInfo();
        Assert.Equal(CircuitState.Open, info.State);
        Assert.Equal(3, info.ConsecutiveFailures);
        Assert.Equal(0, info.Reopens);
    }

    // ---- State periods ------------------------------------------------------------------------------

    [Fact]
    public async Task Outcome_OfACallAdmittedBeforeAManualTransition_IsNotRecorded()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock, Tripper.FailureStreak(1)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = breaker.ExecuteAsync(async _ =>
        {
            await gate.Task;
            throw new TrackedException();
        });

        breaker.Reset();
        gate.SetResult();
        await Assert.ThrowsAsync<TrackedException>(async () => await inFlight);

        var info = breaker.GetInfo();
        Assert.Equal(CircuitState.Closed, info.State);
        Assert.Equal(0, info.Metrics.TotalCount);
        Assert.Equal(0, info.ConsecutiveFailures);
    }

    [Fact]
    public async Task Outcome_OfACallAdmittedBeforeAnAutomaticTransition_CannotTriggerAnother()
    {
        var clock = NewClock();
        var listener = new RecordingListener();
        var options = Options(clock, Tripper.FailureStreak(1));
        options.Retry = Retry.Always();
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = breaker.ExecuteAsync(async _ =>
        {
            await gate.Task;
            throw new TrackedException();
        });

        breaker.Fail(clock);                          // closed → open
        breaker.Succeed(clock);                       // open → half-open → closed
        Assert.Equal(CircuitState.Closed, breaker.State);

        gate.SetResult();
        await Assert.ThrowsAsync<TrackedException>(async () => await slow);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(3, listener.Signals.Count);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(0, breaker.GetInfo().ConsecutiveFailures);
    }

    // ---- Cancellation -------------------------------------------------------------------------------

    [Fact]
    public async Task CallerCancellation_IsNeverRecordedAsAFailure()
    {
        var clock = NewClock();
        var options = Options(clock, Tripper.FailureStreak(1));
        options.Tracker = Tracker.All();
        var breaker = new CircuitBreaker(options);
        using var cts = new CancellationTokenSource();

        var call = breaker.ExecuteAsync(async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        }, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await call);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public async Task OperationCanceled_WhileTheCallersTokenIsNotCancelled_IsATrackedFailure()
    {
        var clock = NewClock();
        var options = Options(clock, Tripper.FailureStreak(1));
        options.Tracker = Tracker.All();
        var breaker = new CircuitBreaker(options);

        await Assert.ThrowsAsync<TaskCanceledException>(async () =>
            await breaker.ExecuteAsync<int>(_ => throw new TaskCanceledException("a timeout of the dependency")));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    private static CircuitBreaker NewBreakerOpenedWith(FakeTimeProvider clock, Permit permit, Tripper halfOpenTripper)
    {
        // Opens on the first failure (closed), then keeps half-open undecided with the given tripper.
        var options = Options(clock, (Tripper.Closed() & Tripper.FailureRate(0.5)) | (Tripper.HalfOpened() & halfOpenTripper));
        options.Permit = permit;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        return breaker;
    }

    internal static void DriveTo(CircuitBreaker breaker, FakeTimeProvider clock, CircuitState state)
    {
        switch (state)
        {
            case CircuitState.Closed:
                break;
            case CircuitState.Open:
                breaker.Fail(clock);
                break;
            case CircuitState.HalfOpen:
                breaker.Fail(clock);
                clock.Advance(Cooldown);
                breaker.FailUntracked();
                break;
            case CircuitState.MetricsOnly:
                breaker.MetricsOnly();
                break;
            case CircuitState.Disabled:
                breaker.Disable();
                break;
            case CircuitState.ForcedOpen:
                breaker.ForceOpen();
                break;
        }

        Assert.Equal(state, breaker.State);
    }

    private static int ThrowFromHere(Exception exception) => throw exception;
}
