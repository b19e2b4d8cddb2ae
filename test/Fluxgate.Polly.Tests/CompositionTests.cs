using Polly;
using Polly.Hedging;
using Polly.RateLimiting;
using Polly.Retry;
using Polly.Timeout;

namespace Fluxgate.PollyTests;

/// <summary>
/// Fluxgate beside Polly's retry, timeout, hedging and rate limiter, in the placements docs/polly.md recommends and the ones
/// it warns about. In Polly, the strategy added first is the outermost.
/// </summary>
public class CompositionTests
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();

    // Polly's default ShouldHandle retries every exception but cancellation, rejections included: 5 attempts, 2 ran.
    // ExcludingRejections stops the retry at the first rejection.
    [Theory]
    [InlineData(false, 4)]
    [InlineData(true, 2)]
    public void RetryOutside_EachAttemptIsACall_AndOnceOpenTheRemainingAttemptsAreRejectedWithoutRunning(bool excludingRejections, int expectedRetries)
    {
        var breaker = PollyKit.Breaker(_clock, failures: 2);
        var retries = 0;
        var retry = new RetryStrategyOptions { MaxRetryAttempts = 4, Delay = TimeSpan.Zero, OnRetry = _ => { retries++; return default; } };
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(excludingRejections ? retry.ExcludingRejections() : retry)
            .AddFluxgate(breaker)
            .Build();
        var ran = 0;

        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => { ran++; throw new TrackedException(); }));

        Assert.Equal(2, ran);
        Assert.Equal(expectedRetries, retries);
    }

    [Fact]
    public void ExcludingRejections_KeepsTheShouldHandleSetBefore()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 10);
        var retries = 0;
        var options = new RetryStrategyOptions<int>
        {
            MaxRetryAttempts = 3,
            Delay = TimeSpan.Zero,
            ShouldHandle = new PredicateBuilder<int>().HandleResult(r => r < 0),
            OnRetry = _ => { retries++; return default; },
        };
        var pipeline = new ResiliencePipelineBuilder<int>().AddRetry(options.ExcludingRejections()).AddFluxgate(breaker).Build();

        Assert.Equal(-1, pipeline.Execute(() => -1));
        Assert.Equal(3, retries);
        Assert.Throws<TrackedException>(() => pipeline.Execute(int () => throw new TrackedException()));
        Assert.Equal(3, retries);
    }

    [Fact]
    public void ShouldHandle_SetAfterExcludingRejections_FailsLoudlyAtTheFirstRetryOfARejection()
    {
        // Found by a new user: the later ShouldHandle replaced the exclusion, and a rejection was retried three times quietly.
        var breaker = PollyKit.Breaker(_clock, failures: 1);
        var options = new RetryStrategyOptions { MaxRetryAttempts = 3, Delay = TimeSpan.Zero }.ExcludingRejections();
        options.ShouldHandle = new PredicateBuilder().Handle<Exception>();
        var pipeline = new ResiliencePipelineBuilder().AddRetry(options).AddFluxgate(breaker).Build();

        // The failure opens the breaker; its retry is rejected; the retry of that rejection is where it fails loudly.
        var error = Assert.Throws<InvalidOperationException>(() => pipeline.Execute(() => throw new TrackedException()));

        Assert.Contains("ShouldHandle was set after it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnRetry_SetAfterExcludingRejections_LeavesTheExclusionInPlace()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1);
        var retries = 0;
        var options = new RetryStrategyOptions { MaxRetryAttempts = 3, Delay = TimeSpan.Zero }.ExcludingRejections();
        options.OnRetry = _ => { retries++; return default; };
        var pipeline = new ResiliencePipelineBuilder().AddRetry(options).AddFluxgate(breaker).Build();

        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => throw new TrackedException())); // the failure is retried once, its rejection not
        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => { }));

        Assert.Equal(1, retries);
    }

    [Fact]
    public void ExcludingRejections_CalledTwice_WrapsOnce()
    {
        var options = new RetryStrategyOptions<int>();
        var once = options.ExcludingRejections().ShouldHandle;
        var guard = options.OnRetry;

        Assert.Same(once, options.ExcludingRejections().ShouldHandle);
        Assert.Same(guard, options.OnRetry);
        var hedging = new HedgingStrategyOptions<int>();
        var hedgingOnce = hedging.ExcludingRejections().ShouldHandle;
        Assert.Same(hedgingOnce, hedging.ExcludingRejections().ShouldHandle);
    }

    [Fact]
    public void IsRejection_TellsRejectionsFromOtherOutcomes()
    {
        Assert.True(FluxgateRejections.IsRejection(Outcome.FromException<int>(new CallNotPermittedException("x", CircuitState.Open, null))));
        Assert.False(FluxgateRejections.IsRejection(Outcome.FromException<int>(new TrackedException())));
        Assert.False(FluxgateRejections.IsRejection(Outcome.FromResult(1)));
        Assert.Throws<ArgumentNullException>(() => ((RetryStrategyOptions)null!).ExcludingRejections());
        Assert.Throws<ArgumentNullException>(() => ((RetryStrategyOptions<int>)null!).ExcludingRejections());
        Assert.Throws<ArgumentNullException>(() => ((HedgingStrategyOptions<int>)null!).ExcludingRejections());
    }

    [Fact]
    public async Task TimeoutInside_TheBreakerCountsTimeoutsAsFailures()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.Tracker |= Tracker.TypeOf<TimeoutRejectedException>());
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _clock }
            .AddFluxgate(breaker)
            .AddTimeout(TimeSpan.FromSeconds(2))
            .Build();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = pipeline.ExecuteAsync(async token => { started.SetResult(); await TestKit.UntilCancelled(token); });
        await started.Task;
        _clock.Advance(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<TimeoutRejectedException>(async () => await call);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task TimeoutOutside_TheBreakerSeesTheCallersCancellationAndRecordsNothing()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.Tracker = Tracker.TypeOf<Exception>());
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _clock }
            .AddTimeout(TimeSpan.FromSeconds(2))
            .AddFluxgate(breaker)
            .Build();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = pipeline.ExecuteAsync(async token => { started.SetResult(); await TestKit.UntilCancelled(token); });
        await started.Task;
        _clock.Advance(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<TimeoutRejectedException>(async () => await call);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task HedgingOutside_EachHedgedAttemptIsACall()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 5);
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = _clock }
            .AddHedging(new HedgingStrategyOptions<int> { MaxHedgedAttempts = 1, Delay = Timeout.InfiniteTimeSpan })
            .AddFluxgate(breaker)
            .Build();
        var attempts = 0;

        var result = await pipeline.ExecuteAsync(_ => ++attempts == 1 ? throw new TrackedException() : ValueTask.FromResult(7));

        Assert.Equal(7, result);
        var metric = breaker.GetInfo().Metrics;
        Assert.Equal((2, 1), (metric.TotalCount, metric.FailureCount));
    }

    [Fact]
    public async Task HedgingOutside_TheAttemptThatLosesIsCancelledAndNotCounted()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.Tracker = Tracker.TypeOf<Exception>());
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = _clock }
            .AddHedging(new HedgingStrategyOptions<int> { MaxHedgedAttempts = 1, Delay = TimeSpan.FromSeconds(1) })
            .AddFluxgate(breaker)
            .Build();
        var primaryStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = 0;

        var execution = pipeline.ExecuteAsync(async token =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                primaryStarted.SetResult();
                await TestKit.UntilCancelled(token); // slow: the hedged attempt wins, and hedging cancels this one
                token.ThrowIfCancellationRequested();
            }

            return 7;
        });
        await primaryStarted.Task;
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(7, await execution);
        var metric = breaker.GetInfo().Metrics;
        Assert.Equal((1, 0), (metric.TotalCount, metric.FailureCount)); // the winner; the cancelled loser is the caller's cancellation
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task HedgingOutside_ExcludingRejections_SpawnsNoHedgedAttemptForARejection()
    {
        var breaker = PollyKit.Breaker(_clock);
        breaker.ForceOpen();
        var hedged = 0;
        var pipeline = new ResiliencePipelineBuilder<int> { TimeProvider = _clock }
            .AddHedging(new HedgingStrategyOptions<int> { MaxHedgedAttempts = 2, Delay = Timeout.InfiniteTimeSpan, OnHedging = _ => { hedged++; return default; } }.ExcludingRejections())
            .AddFluxgate(breaker)
            .Build();

        await Assert.ThrowsAsync<CallNotPermittedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.FromResult(1)));

        Assert.Equal(0, hedged);
    }

    [Fact]
    public async Task RateLimiterOutside_ItsRejectionsNeverReachTheBreaker()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.Tracker = Tracker.TypeOf<Exception>());
        var pipeline = new ResiliencePipelineBuilder()
            .AddConcurrencyLimiter(permitLimit: 1, queueLimit: 0)
            .AddFluxgate(breaker)
            .Build();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var holding = pipeline.ExecuteAsync(async _ => await gate.Task);
        await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.CompletedTask));
        gate.SetResult();
        await holding;

        // Even a breaker that counts every exception saw one call, the one that ran: the limiter protects us, not the dependency.
        var metric = breaker.GetInfo().Metrics;
        Assert.Equal((1, 0), (metric.TotalCount, metric.FailureCount));
    }

    [Fact]
    public async Task RateLimiterInside_ItsRejectionsReachTheBreakerAsExceptions()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.Tracker = Tracker.TypeOf<Exception>());
        var pipeline = new ResiliencePipelineBuilder()
            .AddFluxgate(breaker)
            .AddConcurrencyLimiter(permitLimit: 1, queueLimit: 0)
            .Build();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var holding = pipeline.ExecuteAsync(async _ => await gate.Task);
        await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.CompletedTask));

        // The warned-about placement: a tracker that counts every exception opened the circuit on our own limiter.
        Assert.Equal(CircuitState.Open, breaker.State);
        gate.SetResult();
        await holding;
    }
}
