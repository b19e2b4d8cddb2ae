using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Breaker.StateMachine.StateMachineKit;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>Half-open: the permit and MaxHalfOpenCalls decide which calls run as probes; a success with the tripper false closes, a failure with the tripper true reopens.</summary>
public class HalfOpenStateTests
{
    [Fact]
    public void HalfOpen_PermitRefuses_RejectsWithoutCalling()
    {
        var clock = NewClock();
        var permit = new ScriptedPermit { Answer = false };
        var options = Options(clock);
        options.Permit = permit;
        var breaker = new CircuitBreaker(options);
        breaker.OpenWithFailures(clock);
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
}
