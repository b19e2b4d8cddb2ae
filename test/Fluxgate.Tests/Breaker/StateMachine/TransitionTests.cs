using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Breaker.StateMachine.StateMachineKit;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>Every transition, manual ones included, clears the window, stamps ChangedAt, is signalled and resets the counters it names.</summary>
public class TransitionTests
{
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
        Assert.Equal(new Signal("test", CircuitState.Closed, CircuitState.MetricsOnly, Epoch + TimeSpan.FromMinutes(5), TransitionCause.Manual, 1, signal.Metrics), signal);
        Assert.Equal((2, 1), (signal.Metrics.TotalCount, signal.Metrics.FailureCount)); // the figures the cleared window ended with
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
}
