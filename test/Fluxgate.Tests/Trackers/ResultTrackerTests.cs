using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Trackers;

public class ResultTrackerTests
{
    private readonly FakeTimeProvider _clock = NewClock();

    private sealed record Response(int Status);

    private CircuitBreaker Breaker(ResultTracker tracker)
    {
        var options = Options(_clock, Tripper.FailureStreak(2));
        options.ResultTracker = tracker;
        return new CircuitBreaker(options);
    }

    [Fact]
    public void FailureResult_IsRecordedAsAFailureAndStillReturnedToTheCaller()
    {
        var breaker = Breaker(ResultTracker.When<Response>(r => r.Status >= 500));
        var unavailable = new Response(503);

        Assert.Same(unavailable, breaker.Execute(() => unavailable));

        var info = breaker.GetInfo();
        Assert.Equal(1, info.Metrics.FailureCount);
        Assert.Equal(1, info.ConsecutiveFailures);
        Assert.Same(unavailable, breaker.Execute(() => unavailable));
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task FailureResult_AsyncAndTry_AreRecordedAsFailures()
    {
        var breaker = Breaker(ResultTracker.When<Response>(r => r.Status >= 500));

        Assert.Equal(502, (await breaker.ExecuteAsync(async _ => { await Task.Yield(); return new Response(502); })).Status);
        Assert.True(breaker.TryExecute(() => new Response(500), out var response));

        Assert.Equal(500, response.Status);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void SuccessfulResult_AndResultsOfOtherTypes_AreSuccesses()
    {
        var breaker = Breaker(ResultTracker.When<Response>(r => r.Status >= 500));

        breaker.Execute(() => new Response(200));
        breaker.Execute(() => 503);
        breaker.Execute(() => "503");

        Assert.Equal(0, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public void ValueTypeResults_AndDerivedTypes_AreMatched()
    {
        var breaker = Breaker(ResultTracker.When<int>(code => code < 0) | ResultTracker.When<Exception>(_ => true).Or(ResultTracker.When<object>(o => o is "boom")));

        breaker.Execute(() => -1);
        Assert.Equal(1, breaker.GetInfo().ConsecutiveFailures);
        breaker.Execute(() => 1);
        Assert.Equal(0, breaker.GetInfo().ConsecutiveFailures);
        breaker.Execute(() => new InvalidOperationException());
        breaker.Execute(() => "boom");
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void VoidCalls_AreNeverShownToTheResultTracker()
    {
        var shown = 0;
        var breaker = Breaker(ResultTracker.When<object?>(_ => { shown++; return true; }));

        breaker.Execute(() => { });

        Assert.Equal(0, shown);
        Assert.Equal(0, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public void PredicateThatThrows_CountsTheCallAsFailedAndReturnsTheResult()
    {
        var breaker = Breaker(ResultTracker.When<string>(_ => throw new InvalidOperationException("buggy")));

        Assert.Equal("ok", breaker.Execute(() => "ok"));

        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public void Factories_NullArguments_Throw()
    {
        Assert.Equal("predicate", Assert.Throws<ArgumentNullException>(() => ResultTracker.When<int>(null!)).ParamName);
        Assert.Throws<ArgumentNullException>(() => ResultTracker.When<int>(_ => true) | null!);
    }

    [Fact]
    public void NullableValueResult_Null_IsShownToThePredicate()
    {
        var breaker = Breaker(ResultTracker.When<int?>(v => v is null));

        Assert.Null(breaker.Execute<int?>(() => null));
        Assert.Equal(5, breaker.Execute<int?>(() => 5));

        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public async Task ReferenceResult_Null_IsShownToThePredicateOfItsTypeAndOfItsBaseType()
    {
        var options = Options(_clock, Tripper.FailureStreak(10));
        options.ResultTracker = ResultTracker.When<Response?>(r => r is null) | ResultTracker.When<object?>(o => o is null);
        var breaker = new CircuitBreaker(options);

        Assert.Null(breaker.Execute<Response?>(() => null));
        Assert.Null(await breaker.ExecuteAsync<string?>(_ => new ValueTask<string?>((string?)null)));

        Assert.Equal(2, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public void NullResult_OfAnUnrelatedType_IsASuccess()
    {
        var breaker = Breaker(ResultTracker.When<Response?>(r => r is null));

        Assert.Null(breaker.Execute<string?>(() => null));

        Assert.Equal(0, breaker.GetInfo().Metrics.FailureCount);
    }
}
