using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Breaker.StateMachine.StateMachineKit;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>Closed: calls run and are timed; a tracked exception is a failure, an untracked one is not recorded; after every recorded outcome the tripper decides.</summary>
public class ClosedStateTests
{
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
}
