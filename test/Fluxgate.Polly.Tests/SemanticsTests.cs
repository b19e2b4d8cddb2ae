using Polly;

namespace Fluxgate.PollyTests;

/// <summary>Each execution through the strategy is one call of the breaker, recorded as Execute would record it.</summary>
public class SemanticsTests
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();

    [Fact]
    public void Success_IsRecorded()
    {
        var breaker = PollyKit.Breaker(_clock);
        var pipeline = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();

        pipeline.Execute(() => _clock.Advance(TimeSpan.FromMilliseconds(30)));

        var metric = breaker.GetInfo().Metrics;
        Assert.Equal((1, 0), (metric.TotalCount, metric.FailureCount));
        Assert.Equal(TimeSpan.FromMilliseconds(30), metric.TotalDuration);
    }

    [Fact]
    public void TrackedException_IsAFailureAndReachesTheCallerUnchanged()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1);
        var pipeline = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();
        var thrown = new TrackedException();

        var caught = Assert.Throws<TrackedException>(() => pipeline.Execute(() => throw thrown));

        Assert.Same(thrown, caught);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void UntrackedException_IsNotRecorded()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1);
        var pipeline = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();

        Assert.Throws<UntrackedException>(() => pipeline.Execute(() => throw new UntrackedException()));

        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void GenericPipeline_ResultIsClassifiedByTheResultTrackerAndReturnedUnchanged()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 2, configure: o => o.ResultTracker = ResultTracker.When<Reply>(r => r.Status >= 500));
        var pipeline = new ResiliencePipelineBuilder<Reply>().AddFluxgate(breaker).Build();
        var failed = new Reply(503);

        var first = pipeline.Execute(() => failed);
        Assert.Equal(CircuitState.Closed, breaker.State);
        pipeline.Execute(() => new Reply(500));

        Assert.Same(failed, first);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void ActionsWithoutResult_AreNeverShownToTheResultTracker()
    {
        var shown = new List<object?>();
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.ResultTracker = ResultTracker.When<object?>(r => { shown.Add(r); return true; }));
        var pipeline = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();

        pipeline.Execute(() => { });
        pipeline.Execute(static () => "a result");

        Assert.Equal(["a result"], shown);
    }

    [Fact]
    public void Rejection_DoesNotRunTheCallbackAndExecuteThrowsCallNotPermitted()
    {
        var breaker = PollyKit.Breaker(_clock);
        breaker.ForceOpen();
        var pipeline = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();
        var ran = false;

        var rejection = Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => ran = true));

        Assert.False(ran);
        Assert.Equal(("downstream", CircuitState.ForcedOpen), (rejection.CircuitName, rejection.State));
    }

    [Fact]
    public async Task Rejection_ExecuteOutcomeAsyncReturnsItWithoutThrowing()
    {
        var breaker = PollyKit.Breaker(_clock, name: "no-throw-" + Guid.NewGuid().ToString("N"));
        breaker.Trip();
        var pipeline = new ResiliencePipelineBuilder<int>().AddFluxgate(breaker).Build();
        var context = ResilienceContextPool.Shared.Get();
        using var thrown = new ThrownCounter(breaker.Name);
        var ran = false;

        var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => { ran = true; return Outcome.FromResultAsValueTask(1); }, context, 0);

        ResilienceContextPool.Shared.Return(context);
        Assert.False(ran);
        var rejection = Assert.IsType<CallNotPermittedException>(outcome.Exception);
        Assert.Equal(PollyKit.Cooldown, rejection.RetryAfter);
        Assert.Equal(0, thrown.Count);
    }

    [Fact]
    public async Task TrackedFailure_IsRecordedWithoutBeingRethrownOnTheWay()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.Tracker = Tracker.TypeOf<CallNotPermittedException>());
        var pipeline = new ResiliencePipelineBuilder<int>().AddFluxgate(breaker).Build();
        var context = ResilienceContextPool.Shared.Get();
        using var thrown = new ThrownCounter("elsewhere");

        // A failure handed over as a value (here an exception type the counter watches) is classified without a throw.
        var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromExceptionAsValueTask<int>(new CallNotPermittedException("elsewhere", CircuitState.Open, null)), context, 0);

        ResilienceContextPool.Shared.Return(context);
        Assert.IsType<CallNotPermittedException>(outcome.Exception);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(0, thrown.Count);
    }

    [Fact]
    public async Task CallersOwnCancellation_IsNeverAFailure()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.Tracker = Tracker.TypeOf<Exception>());
        var pipeline = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();
        using var caller = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipeline.ExecuteAsync(
            token =>
            {
                caller.Cancel();
                token.ThrowIfCancellationRequested();
                return ValueTask.CompletedTask;
            },
            caller.Token));

        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task AsyncCallback_IsRecordedWhenItCompletes()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1);
        var pipeline = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var running = pipeline.ExecuteAsync(async _ => await gate.Task);
        Assert.False(running.IsCompleted);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);

        gate.SetException(new TrackedException());
        await Assert.ThrowsAsync<TrackedException>(async () => await running);

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void OneBreaker_ServesSeveralPipelinesAndDirectCallsWithOneWindow()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 3);
        var plain = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();
        var generic = new ResiliencePipelineBuilder<int>().AddFluxgate(breaker).Build();

        Assert.Throws<TrackedException>(() => plain.Execute(() => throw new TrackedException()));
        Assert.Throws<TrackedException>(() => generic.Execute(int () => throw new TrackedException()));
        Assert.Equal(2, breaker.GetInfo().Metrics.FailureCount);
        breaker.Fail(_clock);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Throws<CallNotPermittedException>(() => plain.Execute(() => { }));
        Assert.Throws<CallNotPermittedException>(() => generic.Execute(() => 1));
        breaker.AssertRejects();
    }

    [Fact]
    public void HalfOpen_ProbeThroughThePipeline_ClosesTheCircuit()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1);
        var pipeline = new ResiliencePipelineBuilder<int>().AddFluxgate(breaker).Build();
        breaker.Fail(_clock);

        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => 1));
        _clock.Advance(PollyKit.Cooldown);
        Assert.Equal(1, pipeline.Execute(() => 1));

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task HalfOpen_ProbesInFlightThroughThePipeline_HoldTheirSlotsUntilTheyComplete()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.MaxHalfOpenCalls = 1);
        var pipeline = new ResiliencePipelineBuilder<int>().AddFluxgate(breaker).Build();
        breaker.Fail(_clock);
        _clock.Advance(PollyKit.Cooldown);
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var probe = pipeline.ExecuteAsync(async _ => await gate.Task);
        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => 2));
        gate.SetException(new UntrackedException());
        await Assert.ThrowsAsync<UntrackedException>(async () => await probe);

        Assert.Equal(3, pipeline.Execute(() => 3));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void BreakerSelector_PicksABreakerPerOperationKeyFromARegistry()
    {
        using var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions { OptionsFactory = name => { var o = TestKit.Options(_clock, Tripper.FailureStreak(1)); o.Name = name; return o; } });
        var pipeline = new ResiliencePipelineBuilder()
            .AddFluxgate(new FluxgateStrategyOptions { BreakerSelector = context => registry.GetOrAdd(context.OperationKey ?? "default") })
            .Build();

        Assert.Throws<TrackedException>(() => Run("payments", () => throw new TrackedException()));
        Run("search", () => { });

        Assert.Equal(CircuitState.Open, registry.Get("payments").State);
        Assert.Equal(CircuitState.Closed, registry.Get("search").State);
        Assert.Throws<CallNotPermittedException>(() => Run("payments", () => { }));

        void Run(string key, Action action)
        {
            var context = ResilienceContextPool.Shared.Get(key);
            try
            {
                pipeline.Execute(_ => action(), context);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
    }

    [Fact]
    public void BreakerSelector_ThatReturnsNullOrThrows_FailsThatExecutionOnly()
    {
        var breaker = PollyKit.Breaker(_clock);
        var answer = (CircuitBreaker?)null;
        var pipeline = new ResiliencePipelineBuilder()
            .AddFluxgate(new FluxgateStrategyOptions { BreakerSelector = _ => answer ?? throw new TrackedException("selector bug") })
            .Build();

        Assert.Equal("selector bug", Assert.Throws<TrackedException>(() => pipeline.Execute(() => { })).Message);
        answer = breaker;
        pipeline.Execute(() => { });

        var nullSelector = new ResiliencePipelineBuilder().AddFluxgate(new FluxgateStrategyOptions { BreakerSelector = _ => null! }).Build();
        Assert.Contains("returned null", Assert.Throws<InvalidOperationException>(() => nullSelector.Execute(() => { })).Message, StringComparison.Ordinal);
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void ThrownCounter_SeesARejectionThatIsThrown_SoItsZeroesMeanSomething()
    {
        var breaker = PollyKit.Breaker(_clock, name: "thrown-" + Guid.NewGuid().ToString("N"));
        breaker.ForceOpen();
        var pipeline = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();
        using var thrown = new ThrownCounter(breaker.Name);

        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => { }));

        Assert.True(thrown.Count >= 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StrategyBelowThatThrowsInsteadOfReturningAnOutcome_IsRecordedAndTheProbeSlotGivenBack(bool asynchronously)
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => { o.MaxHalfOpenCalls = 1; o.Tracker = Tracker.TypeOf<TrackedException>() | Tracker.TypeOf<InvalidOperationException>(); });
        breaker.Fail(_clock);
        _clock.Advance(PollyKit.Cooldown);
        var pipeline = new ResiliencePipelineBuilder<int>()
            .AddFluxgate(breaker)
            .AddStrategy(_ => new ThrowingStrategy(asynchronously), new ThrowingStrategyOptions())
            .Build();

        var outcome = await pipeline.ExecuteOutcomeAsync((_, _) => Outcome.FromResultAsValueTask(1), ResilienceContextPool.Shared.Get(), 0);

        Assert.Equal("strategy bug", Assert.IsType<InvalidOperationException>(outcome.Exception).Message);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(1, breaker.GetInfo().Reopens);
    }

    private sealed record Reply(int Status);

    private sealed class ThrowingStrategyOptions : ResilienceStrategyOptions;

    /// <summary>A strategy that breaks Polly's rule (return failures as outcomes) by throwing, synchronously or from its task.</summary>
    private sealed class ThrowingStrategy(bool asynchronously) : ResilienceStrategy
    {
        protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state) =>
            asynchronously ? ThrowLaterAsync<TResult>() : throw new InvalidOperationException("strategy bug");

        private static async ValueTask<Outcome<TResult>> ThrowLaterAsync<TResult>()
        {
            await Task.Yield();
            throw new InvalidOperationException("strategy bug");
        }
    }
}
