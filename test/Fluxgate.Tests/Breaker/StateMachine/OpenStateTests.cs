using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Breaker.StateMachine.StateMachineKit;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>Open: calls are rejected until the wait the retry chose when the circuit opened has passed; the next call then moves it to half-open.</summary>
public class OpenStateTests
{
    [Fact]
    public void Open_BeforeTheWait_RejectsWithoutCalling()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));
        breaker.OpenWithFailures(clock);

        clock.Advance(Cooldown - TimeSpan.FromTicks(1));
        var rejection = breaker.AssertRejects();

        Assert.Equal(CircuitState.Open, rejection.State);
        Assert.Equal("test", rejection.CircuitName);
        Assert.Equal(TimeSpan.FromTicks(8), rejection.RetryAfter); // 1 tick left, rounded up to the exception's 800 ns grain: never early
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
        breaker.OpenWithFailures(clock);

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
        breaker.OpenWithFailures(clock);

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
        breaker.OpenWithFailures(clock);

        clock.Advance(TimeSpan.FromDays(3650));
        var rejection = breaker.AssertRejects();

        Assert.Null(rejection.RetryAfter);
        breaker.Reset();
        breaker.Succeed(clock);
    }
}
