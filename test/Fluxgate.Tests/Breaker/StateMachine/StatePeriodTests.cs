using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Breaker.StateMachine.StateMachineKit;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>An outcome belongs to the state period that admitted its call: one that finishes after a transition is not recorded and cannot cause another.</summary>
public class StatePeriodTests
{
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
}
