using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>What the state machine tests share: the cooldown of <see cref="TestKit.Options"/>, and ways to put a breaker in a state.</summary>
internal static class StateMachineKit
{
    public static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(10);

    public static CircuitBreaker NewBreakerOpenedWith(FakeTimeProvider clock, Permit permit, Tripper halfOpenTripper)
    {
        // Opens on the first failure (closed), then keeps half-open undecided with the given tripper.
        var options = Options(clock, (Tripper.Closed() & Tripper.FailureRate(0.5)) | (Tripper.HalfOpened() & halfOpenTripper));
        options.Permit = permit;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        return breaker;
    }

    public static void DriveTo(CircuitBreaker breaker, FakeTimeProvider clock, CircuitState state)
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

    public static int ThrowFromHere(Exception exception) => throw exception;
}
