using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker;

public class ReconfigureTests
{
    private readonly FakeTimeProvider _clock = NewClock();

    private CircuitBreakerOptions NewParts(Tripper tripper)
    {
        var options = Options(_clock, tripper);
        options.Retry = Retry.Cooldown(TimeSpan.FromMinutes(5));
        return options;
    }

    [Fact]
    public void Reconfigure_KeepsStateAndCountersSilentlyAndDecidesWithTheNewPartsAtOnce()
    {
        var listener = new RecordingListener();
        var options = Options(_clock, Tripper.FailureStreak(10));
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        breaker.Fail(_clock);
        breaker.Fail(_clock);

        breaker.Reconfigure(NewParts(Tripper.FailureStreak(3)));

        var info = breaker.GetInfo();
        Assert.Equal(CircuitState.Closed, info.State);
        Assert.Equal(2, info.ConsecutiveFailures);
        Assert.Equal(0, info.Metrics.TotalCount);                  // a new period, with an empty window
        Assert.Empty(listener.Signals);
        breaker.Fail(_clock);                                      // streak 3 ≥ 3 under the new tripper
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromMinutes(5), breaker.AssertRejects().RetryAfter);
    }

    [Fact]
    public void Reconfigure_WhileOpen_KeepsTheWaitDrawnWhenItOpened()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));
        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromSeconds(4));

        breaker.Reconfigure(NewParts(Tripper.FailureStreak(1)));

        Assert.Equal(TimeSpan.FromSeconds(6), breaker.AssertRejects().RetryAfter);
        Assert.Equal(TestKit.Epoch, breaker.GetInfo().ChangedAt);
        _clock.Advance(TimeSpan.FromSeconds(6));
        breaker.Succeed(_clock);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task Reconfigure_DiscardsOutcomesOfCallsAdmittedBefore()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = breaker.ExecuteAsync(async _ => { await gate.Task; throw new TrackedException(); });

        breaker.Reconfigure(NewParts(Tripper.FailureStreak(1)));
        gate.SetResult();
        await Assert.ThrowsAsync<TrackedException>(async () => await inFlight);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Reconfigure_InvalidOptions_Throw()
    {
        var breaker = new CircuitBreaker(Options(_clock));
        var other = Options(_clock);
        other.Name = "other";
        var reused = Options(_clock);
        reused.Window = new CountWindow(5);
        _ = new CircuitBreaker(reused);

        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => breaker.Reconfigure(null!)).ParamName);
        Assert.Contains("for breaker 'other', not 'test'", Assert.Throws<ArgumentException>(() => breaker.Reconfigure(other)).Message, StringComparison.Ordinal);
        Assert.Contains("already serves", Assert.Throws<ArgumentException>(() => breaker.Reconfigure(reused)).Message, StringComparison.Ordinal);
    }
}
