using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Breaker.StateMachine.StateMachineKit;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker.StateMachine;

/// <summary>The caller's own cancellation is never a failure; an OperationCanceledException with the caller's token not cancelled is.</summary>
public class CancellationTests
{
    [Fact]
    public async Task CallerCancellation_IsNeverRecordedAsAFailure()
    {
        var clock = NewClock();
        var options = Options(clock, Tripper.FailureStreak(1));
        options.Tracker = Tracker.All();
        var breaker = new CircuitBreaker(options);
        using var cts = new CancellationTokenSource();

        var call = breaker.ExecuteAsync(async ct =>
        {
            await TestKit.UntilCancelled(ct);
            return 1;
        }, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await call);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public async Task OperationCanceled_WhileTheCallersTokenIsNotCancelled_IsATrackedFailure()
    {
        var clock = NewClock();
        var options = Options(clock, Tripper.FailureStreak(1));
        options.Tracker = Tracker.All();
        var breaker = new CircuitBreaker(options);

        await Assert.ThrowsAsync<TaskCanceledException>(async () =>
            await breaker.ExecuteAsync<int>(_ => throw new TaskCanceledException("a timeout of the dependency")));

        Assert.Equal(CircuitState.Open, breaker.State);
    }
}
