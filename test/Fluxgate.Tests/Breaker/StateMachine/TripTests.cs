using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Breaker.StateMachine.StateMachineKit;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>Trip: a coordinator opens the circuit as the tripper would, from closed or half-open only, with every consequence of a tripper's open.</summary>
public class TripTests
{
    [Fact]
    public void Trip_Closed_OpensWithTheRetrysWaitAndSignalsTheListeners()
    {
        var clock = NewClock();
        var listener = new RecordingListener();
        var options = Options(clock);
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        breaker.Succeed(clock);

        Assert.True(breaker.Trip());

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal([(CircuitState.Closed, CircuitState.Open)], listener.Transitions);
        Assert.Equal(Cooldown, breaker.AssertRejects().RetryAfter);
        var info = breaker.GetInfo();
        Assert.Equal((0, 0), (info.Reopens, info.Metrics.TotalCount));
    }

    [Fact]
    public void Trip_ThenTheWait_RecoversThroughHalfOpenAsAfterATrippersOpen()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));
        breaker.Trip();

        clock.Advance(Cooldown);
        breaker.Succeed(clock);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Trip_HalfOpen_ReopensAndCountsAReopen()
    {
        var clock = NewClock();
        var retry = new ScriptedRetry(Cooldown);
        var options = Options(clock, Tripper.FailureStreak(1));
        options.Retry = retry;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        clock.Advance(Cooldown);
        var probe = breaker.BeginCall();
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        Assert.True(breaker.Trip());

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(1, breaker.GetInfo().Reopens);
        Assert.Equal([0, 1], retry.Asked);

        // The probe admitted before the trip reports afterwards: its period has ended, so it changes nothing.
        Assert.Null(probe.Complete(1));
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Theory]
    [InlineData(CircuitState.Open)]
    [InlineData(CircuitState.ForcedOpen)]
    [InlineData(CircuitState.Disabled)]
    [InlineData(CircuitState.MetricsOnly)]
    public void Trip_OpenOrAPersonsChoice_ChangesNothing(CircuitState state)
    {
        var clock = NewClock();
        var listener = new RecordingListener();
        var options = Options(clock, Tripper.FailureStreak(1));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        DriveTo(breaker, clock, state);
        var signals = listener.Signals.Count;

        Assert.False(breaker.Trip());

        Assert.Equal(state, breaker.State);
        Assert.Equal(signals, listener.Signals.Count);
    }

    [Fact]
    public void Trip_CallAdmittedBefore_IsNotRecordedInTheOpenPeriod()
    {
        var clock = NewClock();
        var breaker = new CircuitBreaker(Options(clock));
        var call = breaker.BeginCall();

        breaker.Trip();
        call.Fail(new TrackedException());

        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }
}
