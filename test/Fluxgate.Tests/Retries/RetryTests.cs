using Fluxgate.Tests.Support;
using static Fluxgate.Retry;

namespace Fluxgate.Tests.Retries;

public class RetryTests
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    [Fact]
    public void AlwaysAndNever_AreZeroAndInfinite()
    {
        Assert.Equal(TimeSpan.Zero, Always().GetWaitDuration(7));
        Assert.Equal(Timeout.InfiniteTimeSpan, Never().GetWaitDuration(0));
    }

    [Fact]
    public void Cooldown_IsFixedWhateverTheReopens()
    {
        Assert.Equal(TenSeconds, Cooldown(TenSeconds).GetWaitDuration(0));
        Assert.Equal(TenSeconds, Cooldown(TenSeconds).GetWaitDuration(9));
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(1, 20)]
    [InlineData(2, 40)]
    [InlineData(4, 160)]
    [InlineData(5, 300)]
    [InlineData(1000, 300)]
    [InlineData(int.MaxValue, 300)]
    public void Backoff_IsInitialTimesMultiplierToTheReopensCappedAtMax(int reopens, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Backoff(TenSeconds, 2.0, TimeSpan.FromSeconds(300)).GetWaitDuration(reopens));
    }

    [Fact]
    public void Backoff_WithoutMax_CapsAtMaxOf300SecondsAndInitial()
    {
        Assert.Equal(TimeSpan.FromSeconds(300), Backoff(TenSeconds).GetWaitDuration(30));
        Assert.Equal(TimeSpan.FromSeconds(400), Backoff(TimeSpan.FromSeconds(400)).GetWaitDuration(3));
    }

    [Theory]
    [InlineData(0.0, 0.9)]   // u = -0.1
    [InlineData(0.5, 1.0)]   // u = 0
    [InlineData(0.75, 1.05)] // u = +0.05
    public void Jitter_MultipliesTheWaitByOnePlusUniformU(double draw, double factor)
    {
        var wait = Cooldown(TimeSpan.FromSeconds(100), 0.1, new SequenceRandom(draw)).GetWaitDuration(0);
        Assert.Equal(TimeSpan.FromSeconds(100 * factor).TotalMilliseconds, wait.TotalMilliseconds, 3);

        var backoff = Backoff(TimeSpan.FromSeconds(10), 2, TimeSpan.FromSeconds(300), 0.1, new SequenceRandom(draw)).GetWaitDuration(1);
        Assert.Equal(TimeSpan.FromSeconds(20 * factor).TotalMilliseconds, backoff.TotalMilliseconds, 3);
    }

    [Fact]
    public void Breaker_Jitter_IsDrawnOncePerOpenPeriod()
    {
        var clock = TestKit.NewClock();
        var random = new SequenceRandom(0.0, 1.0);
        var options = TestKit.Options(clock, Tripper.FailureRate(0.5));
        options.Retry = Cooldown(TimeSpan.FromSeconds(100), 0.5, random);
        var breaker = new CircuitBreaker(options);

        breaker.Fail(clock);                                        // opens: wait = 100 × (1 − 0.5) = 50 s
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(TimeSpan.FromSeconds(50 - (i * 10)), breaker.AssertRejects().RetryAfter);
            clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(1, random.Draws);
        breaker.Fail(clock);                                        // probe fails: reopens, second draw (u = +0.5)
        Assert.Equal(2, random.Draws);
        Assert.Equal(TimeSpan.FromSeconds(150), breaker.AssertRejects().RetryAfter);
    }

    [Fact]
    public void Breaker_SeededJitter_IsReproducible()
    {
        static TimeSpan? FirstWait(int seed)
        {
            var clock = TestKit.NewClock();
            var options = TestKit.Options(clock, Tripper.FailureRate(0.5));
            options.Retry = Backoff(TimeSpan.FromSeconds(10), jitterRatio: 0.3, random: new Random(seed));
            var breaker = new CircuitBreaker(options);
            breaker.Fail(clock);
            return breaker.AssertRejects().RetryAfter;
        }

        Assert.Equal(FirstWait(7), FirstWait(7));
        Assert.NotEqual(FirstWait(7), FirstWait(8));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void Cooldown_NonPositiveDuration_ThrowsNamingDuration(long ticks)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Cooldown(TimeSpan.FromTicks(ticks)));
        Assert.Equal("duration", error.ParamName);
        Assert.Contains("greater than zero", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void JitterOutsideZeroToOne_ThrowsNamingJitterRatio(double jitter)
    {
        Assert.Equal("jitterRatio", Assert.Throws<ArgumentOutOfRangeException>(() => Cooldown(TenSeconds, jitter)).ParamName);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Backoff(TenSeconds, jitterRatio: jitter));
        Assert.Equal("jitterRatio", error.ParamName);
        Assert.Contains("at least 0 and less than 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(-2)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Backoff_MultiplierNotAboveOne_ThrowsNamingMultiplier(double multiplier)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Backoff(TenSeconds, multiplier));
        Assert.Equal("multiplier", error.ParamName);
        Assert.Contains("greater than 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backoff_InvalidInitialOrMax_ThrowsNamingTheParameter()
    {
        Assert.Equal("initial", Assert.Throws<ArgumentOutOfRangeException>(() => Backoff(TimeSpan.Zero)).ParamName);
        var max = Assert.Throws<ArgumentOutOfRangeException>(() => Backoff(TenSeconds, 2, TimeSpan.FromSeconds(9)));
        Assert.Equal("maxDuration", max.ParamName);
        Assert.Contains("at least initial", max.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Breaker_HugeWait_SaturatesInsteadOfOverflowing()
    {
        var clock = TestKit.NewClock();
        var options = TestKit.Options(clock, Tripper.FailureRate(0.5));
        options.Retry = Cooldown(TimeSpan.MaxValue);
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);

        clock.Advance(TimeSpan.FromDays(365 * 100));

        Assert.True(breaker.AssertRejects().RetryAfter > TimeSpan.FromDays(365 * 1000));
    }

    [Fact]
    public void CooldownAndBackoff_WithoutJitter_DrawNothingFromTheRandom()
    {
        // A seeded sequence is spent only on real draws, as with permits.
        var random = new SequenceRandom(0.0);

        Cooldown(TenSeconds, 0, random).GetWaitDuration(0);
        Backoff(TenSeconds, 2, null, 0, random).GetWaitDuration(3);

        Assert.Equal(0, random.Draws);
    }

    [Fact]
    public void Jitter_WithoutARandom_IsDrawnFromTheSharedRandomWithinTheRatio()
    {
        var cooldown = Cooldown(TimeSpan.FromSeconds(100), 0.1);

        var waits = Enumerable.Range(0, 20).Select(_ => cooldown.GetWaitDuration(0)).ToList();

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(110)));
        Assert.True(waits.Distinct().Count() > 1, "each wait is drawn afresh");
    }
}
