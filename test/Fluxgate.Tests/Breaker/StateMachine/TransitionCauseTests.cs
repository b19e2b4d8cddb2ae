using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>Every transition says why it happened and which period it began, to listeners and in GetInfo.</summary>
public class TransitionCauseTests
{
    [Fact]
    public void FullCycle_EachTransition_CarriesItsCauseAndSequence()
    {
        var (clock, listener, breaker) = Create(Tripper.FailureRate(0.5));
        Assert.Equal((TransitionCause.None, 0L), (breaker.GetInfo().Cause, breaker.GetInfo().Sequence));

        breaker.Fail(clock);                                   // 1: tripper
        clock.Advance(TimeSpan.FromSeconds(10));
        breaker.Fail(clock);                                   // 2: retry elapsed, 3: the probe failed
        clock.Advance(TimeSpan.FromSeconds(10));
        breaker.Succeed(clock);                                // 4: retry elapsed, 5: the probe succeeded
        breaker.Trip();                                        // 6: a coordinator
        breaker.ForceOpen();                                   // 7: manual

        Assert.Equal(
            [
                (CircuitState.Closed, CircuitState.Open, TransitionCause.Tripper, 1L),
                (CircuitState.Open, CircuitState.HalfOpen, TransitionCause.RetryElapsed, 2L),
                (CircuitState.HalfOpen, CircuitState.Open, TransitionCause.ProbeFailed, 3L),
                (CircuitState.Open, CircuitState.HalfOpen, TransitionCause.RetryElapsed, 4L),
                (CircuitState.HalfOpen, CircuitState.Closed, TransitionCause.ProbeSucceeded, 5L),
                (CircuitState.Closed, CircuitState.Open, TransitionCause.Coordinator, 6L),
                (CircuitState.Open, CircuitState.ForcedOpen, TransitionCause.Manual, 7L),
            ],
            listener.Signals.Select(s => (s.OldState, s.NewState, s.Cause, s.Sequence)));
        var info = breaker.GetInfo();
        Assert.Equal((TransitionCause.Manual, 7L), (info.Cause, info.Sequence));
        Assert.Equal(listener.Signals, info.RecentTransitions);
    }

    [Fact]
    public void Signal_CarriesTheFiguresThePeriodEndedWith_ThoughTheWindowIsCleared()
    {
        var (clock, listener, breaker) = Create();
        breaker.Succeed(clock, TimeSpan.FromMilliseconds(100));
        breaker.Fail(clock);

        var opened = Assert.Single(listener.Signals);
        Assert.Equal((2, 1, TimeSpan.FromMilliseconds(100)), (opened.Metrics.TotalCount, opened.Metrics.FailureCount, opened.Metrics.TotalDuration));
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void RecentTransitions_KeepsTheLastTen_OldestFirst()
    {
        var (_, listener, breaker) = Create();
        for (var i = 0; i < 25; i++)
        {
            breaker.Reset();
        }

        var recent = breaker.GetInfo().RecentTransitions;
        Assert.Equal(CircuitBreaker.RecentTransitionsKept, recent.Count);
        Assert.Equal(Enumerable.Range(16, 10).Select(i => (long)i), recent.Select(s => s.Sequence));
        Assert.Equal(listener.Signals.TakeLast(10), recent);
    }

    [Fact]
    public void Reconfigure_KeepsCauseSequenceAndHistory_ButNotThePolicy()
    {
        var (clock, _, breaker) = Create();
        breaker.OpenWithFailures(clock);
        var before = breaker.GetInfo();

        var options = Options(clock, Tripper.FailureStreak(3));
        breaker.Reconfigure(options);

        var after = breaker.GetInfo();
        Assert.Equal((before.Cause, before.Sequence), (after.Cause, after.Sequence));
        Assert.Equal(before.RecentTransitions, after.RecentTransitions);
        Assert.Contains("Tripper=MinRequests(2) & FailureRate(0.5)", before.Policy, StringComparison.Ordinal);
        Assert.Contains("Tripper=FailureStreak(3)", after.Policy, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_WithAResultTracker_PrintsItBetweenTheTrackerAndTheTripper()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { ResultTracker = ResultTracker.When<int>(code => code >= 500) });

        Assert.Contains("Tracker=All(); ResultTracker=When<Int32>(...); Tripper=", breaker.GetInfo().Policy, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_PrintsEveryPartAsConfigurationWritesIt()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions
        {
            Window = new CountWindow(50),
            Tracker = Tracker.TypeOf<TimeoutException>(),
            Tripper = Tripper.MinRequests(10) & Tripper.FailureRate(0.5),
            Retry = Retry.Cooldown(TimeSpan.FromSeconds(30)),
            Permit = Permit.Random(0.25),
            MaxHalfOpenCalls = 3,
        });

        Assert.Equal(
            "Window=Count(50); Tracker=TypeOf(System.TimeoutException); Tripper=MinRequests(10) & FailureRate(0.5); Retry=Cooldown(30s); Permit=Random(0.25); MaxHalfOpenCalls=3",
            breaker.GetInfo().Policy);
    }

    [Fact]
    public void Policy_OfACustomPartWhoseToStringThrows_IsItsTypeName()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { Tripper = new UnprintableTripper() });

        Assert.Contains("Tripper=UnprintableTripper;", breaker.GetInfo().Policy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TransitionCause.None, "none")]
    [InlineData(TransitionCause.Tripper, "tripper")]
    [InlineData(TransitionCause.ProbeFailed, "probe_failed")]
    [InlineData(TransitionCause.ProbeSucceeded, "probe_succeeded")]
    [InlineData(TransitionCause.RetryElapsed, "retry_elapsed")]
    [InlineData(TransitionCause.Coordinator, "coordinator")]
    [InlineData(TransitionCause.Manual, "manual")]
    public void ToWireName_OfEveryCause_IsItsSnakeCaseName(TransitionCause cause, string expected) => Assert.Equal(expected, cause.ToWireName());

    [Fact]
    public void ToWireName_OfAnUndefinedCause_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>("cause", () => ((TransitionCause)7).ToWireName());

    [Fact]
    public void Info_CreatedByHand_HasNoHistoryAndNoPolicy()
    {
        var info = new CircuitBreakerInfo(CircuitState.Open, Epoch, 1, 2, new Metric(0, 0, TimeSpan.Zero));

        Assert.Equal((TransitionCause.None, 0L, 0, ""), (info.Cause, info.Sequence, info.RecentTransitions.Count, info.Policy));
        Assert.Empty(default(CircuitBreakerInfo).RecentTransitions);
        Assert.Equal("", default(CircuitBreakerInfo).Policy);
    }

    private static (FakeTimeProvider Clock, RecordingListener Listener, CircuitBreaker Breaker) Create(Tripper? tripper = null)
    {
        var clock = NewClock();
        var listener = new RecordingListener();
        var options = Options(clock, tripper);
        options.Listeners.Add(listener);
        return (clock, listener, new CircuitBreaker(options));
    }

    private sealed class UnprintableTripper : Tripper
    {
        public override bool Evaluate(CallContext context) => false;

        public override string ToString() => throw new InvalidOperationException("no text");
    }
}
