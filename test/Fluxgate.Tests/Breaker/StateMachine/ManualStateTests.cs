using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Breaker.StateMachine.StateMachineKit;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>The manual states: metrics-only records and never trips, disabled records nothing, forced-open rejects everything.</summary>
public class ManualStateTests
{
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
}
