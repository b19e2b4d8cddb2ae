using Fluxgate.AspNetCore.Internal;

namespace Fluxgate.AspNetCore.Tests;

/// <summary>The figures derived from a breaker's info: the open circuit's wait and the call rates.</summary>
public sealed class BreakerReadingTests
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();

    private CircuitBreaker Breaker(Window window, Retry retry) => new(new CircuitBreakerOptions
    {
        Name = "b",
        TimeProvider = _clock,
        Window = window,
        Tripper = Tripper.MinRequests(1) & Tripper.FailureRate(1),
        Retry = retry,
        Permit = Permit.All(),
    });

    private static void Fail(CircuitBreaker breaker) =>
        Assert.Throws<InvalidOperationException>(() => breaker.Execute(() => throw new InvalidOperationException()));

    [Theory]
    [InlineData("Cooldown(60s)", 50.0)]
    [InlineData("Backoff(20s, 2, 5m)", 10.0)]
    [InlineData("Always()", 0.0)]
    public void RetryAfter_RetryWithoutJitter_IsTheWaitLeft(string retry, double expected)
    {
        var breaker = Breaker(new CountWindow(10), Retry.Parse(retry));
        Fail(breaker);
        _clock.Advance(TimeSpan.FromSeconds(10));
        var info = breaker.GetInfo();

        Assert.Equal(expected, BreakerReading.RetryAfter(info));
    }

    [Fact]
    public void RetryAfter_AfterAReopen_UsesTheBackoffOfTheReopens()
    {
        var breaker = Breaker(new CountWindow(10), Retry.Backoff(TimeSpan.FromSeconds(10), 3));
        Fail(breaker);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Fail(breaker);                                                                 // half-open probe fails: reopens = 1, wait 30 s
        _clock.Advance(TimeSpan.FromSeconds(5));
        var info = breaker.GetInfo();

        Assert.Equal(1, info.Reopens);
        Assert.Equal(25.0, BreakerReading.RetryAfter(info));
    }

    [Fact]
    public void RetryAfter_WithJitter_IsTheWaitTheBreakerDrew()
    {
        var breaker = Breaker(new CountWindow(10), Retry.Cooldown(TimeSpan.FromSeconds(60), jitterRatio: 0.5));
        Fail(breaker);
        _clock.Advance(TimeSpan.FromSeconds(10));
        var info = breaker.GetInfo();

        var left = BreakerReading.RetryAfter(info);
        Assert.InRange(left!.Value, 20.0, 80.0);                                        // 60 s ± 50%, less the 10 s gone
        Assert.Equal(Assert.Throws<CallNotPermittedException>(() => breaker.Execute(() => 0)).RetryAfter!.Value.TotalSeconds, left.Value, precision: 3);
    }

    [Fact]
    public void RetryAfter_Never_IsNull()
    {
        var breaker = Breaker(new CountWindow(10), Retry.Never());
        Fail(breaker);

        Assert.Null(BreakerReading.RetryAfter(breaker.GetInfo()));
    }

    [Fact]
    public void RetryAfter_NotOpen_IsNull()
    {
        var breaker = Breaker(new CountWindow(10), Retry.Cooldown(TimeSpan.FromSeconds(60)));
        breaker.ForceOpen();
        var info = breaker.GetInfo();

        Assert.Null(BreakerReading.RetryAfter(info));
    }

    [Fact]
    public void Figures_TimeWindow_AreTheWindowsAverage()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { Name = "t", TimeProvider = _clock, Window = new TimeWindow(TimeSpan.FromSeconds(20)) });
        _clock.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 10; i++)
        {
            breaker.Execute(() => 1);
        }

        var young = BreakerReading.Figures(breaker, breaker.GetInfo(), _clock.GetUtcNow(), null, TimeSpan.Zero);
        _clock.Advance(TimeSpan.FromSeconds(60));
        for (var i = 0; i < 40; i++)
        {
            breaker.Execute(() => 1);
        }

        var old = BreakerReading.Figures(breaker, breaker.GetInfo(), _clock.GetUtcNow(), null, TimeSpan.Zero);

        Assert.Equal(2.0, young.CallsPerSecond);                                       // 10 calls, the state 5 s old
        Assert.Equal(2.0, old.CallsPerSecond);                                         // 40 calls in the 20 s window
        Assert.Equal(0.0, old.FailuresPerSecond);
    }

    [Fact]
    public void Figures_CountWindowFilling_AreTheCallsGainedSinceThePreviousLook()
    {
        var breaker = Breaker(new CountWindow(100), Retry.Always());
        for (var i = 0; i < 10; i++)
        {
            breaker.Execute(() => 1);
        }

        var first = breaker.GetInfo();
        var previous = new BreakerReading.Previous(first.Sequence, first.Metrics.TotalCount, first.Metrics.FailureCount);
        _clock.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 30; i++)
        {
            breaker.Execute(() => 1);
        }

        var figures = BreakerReading.Figures(breaker, breaker.GetInfo(), _clock.GetUtcNow(), previous, TimeSpan.FromSeconds(2));

        Assert.Equal(15.0, figures.CallsPerSecond);
        Assert.Equal(0.0, figures.FailuresPerSecond);
        Assert.Equal(40, figures.Window.Total);
    }

    [Fact]
    public void Figures_FullCountWindow_HaveNoRate()
    {
        var breaker = Breaker(new CountWindow(10), Retry.Always());
        for (var i = 0; i < 10; i++)
        {
            breaker.Execute(() => 1);
        }

        var info = breaker.GetInfo();
        var previous = new BreakerReading.Previous(info.Sequence, 10, 0);
        breaker.Execute(() => 1);

        var figures = BreakerReading.Figures(breaker, breaker.GetInfo(), _clock.GetUtcNow(), previous, TimeSpan.FromSeconds(1));

        Assert.Null(figures.CallsPerSecond);
        Assert.Null(figures.FailuresPerSecond);
        Assert.Equal(10, figures.Window.Total);
        Assert.Equal(0.0, figures.Window.FailureRate);
    }

    [Fact]
    public void PolicyFactsOf_CustomParts_KnowsNothing()
    {
        var facts = PolicyFacts.Of("Window=MyWindow; Tracker=All(); Tripper=X; Retry=MyRetry; Permit=All(); MaxHalfOpenCalls=1");

        Assert.Equal(0, facts.CountSize);
        Assert.Equal(TimeSpan.Zero, facts.TimeSize);
    }

    [Fact]
    public void Frame_WithAndWithoutAnId_IsOneServerSentEvent()
    {
        var frame = System.Text.Encoding.UTF8.GetString(DashboardHub.Frame(42, "transition", "{\"a\":\"x\\ny\"}"u8.ToArray()));
        var unnumbered = System.Text.Encoding.UTF8.GetString(DashboardHub.Frame(null, "heartbeat", "{}"u8.ToArray()));

        Assert.Equal("id: 42\nevent: transition\ndata: {\"a\":\"x\\ny\"}\n\n", frame);
        Assert.Equal("event: heartbeat\ndata: {}\n\n", unnumbered);
    }
}
