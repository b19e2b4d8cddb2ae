using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Permits;

public class PermitTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void All_AdmitsEverything() => Assert.True(Permit.All().Admit(TimeSpan.Zero));

    [Theory]
    [InlineData(0.49, true)]
    [InlineData(0.5, false)]
    [InlineData(0.99, false)]
    public void Random_AdmitsWhenTheDrawIsBelowTheRatio(double draw, bool admitted) =>
        Assert.Equal(admitted, Permit.Random(0.5, new SequenceRandom(draw)).Admit(TimeSpan.Zero));

    [Fact]
    public void Random_ZeroAndOne_AreCertainAndDrawNothing()
    {
        var random = new SequenceRandom(0.0);
        Assert.False(Permit.Random(0, random).Admit(TimeSpan.Zero));
        Assert.True(Permit.Random(1, random).Admit(TimeSpan.Zero));
        Assert.Equal(0, random.Draws);
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(30, 0.3)]
    [InlineData(60, 0.5)]
    [InlineData(600, 0.5)]
    public void RampUp_ProbabilityGrowsLinearlyAndIsCappedAtFinal(int elapsedSeconds, double expected) =>
        Assert.Equal(expected, Permit.RampUpProbability(0.1, 0.5, Minute, TimeSpan.FromSeconds(elapsedSeconds)), 10);

    [Fact]
    public void RampUp_AdmitsWithTheRampedProbability()
    {
        var permit = Permit.RampUp(0.1, 0.5, Minute, new SequenceRandom(0.29));

        Assert.False(permit.Admit(TimeSpan.FromSeconds(15)));       // p = 0.2
        Assert.True(permit.Admit(TimeSpan.FromSeconds(30)));        // p = 0.3
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void Random_RatioOutsideZeroToOne_ThrowsNamingRatio(double ratio)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Permit.Random(ratio));
        Assert.Equal("ratio", error.ParamName);
        Assert.Contains("between 0 and 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0.5, "initial")]
    [InlineData(-1, 0.5, "initial")]
    [InlineData(double.NaN, 0.5, "initial")]
    [InlineData(1.5, 1, "initial")]
    [InlineData(0.5, 0.4, "final")]
    [InlineData(0.5, 1.01, "final")]
    [InlineData(0.5, double.NaN, "final")]
    public void RampUp_InvalidProbabilities_ThrowNamingTheParameter(double initial, double final, string parameter) =>
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => Permit.RampUp(initial, final, Minute)).ParamName);

    [Fact]
    public void RampUp_NonPositiveDuration_ThrowsNamingDuration() =>
        Assert.Equal("duration", Assert.Throws<ArgumentOutOfRangeException>(() => Permit.RampUp(0.1, 1, TimeSpan.Zero)).ParamName);

    [Fact]
    public void Breaker_SeededRampUp_LetsTrafficBackGradually()
    {
        var clock = TestKit.NewClock();
        var options = TestKit.Options(clock, (Tripper.Closed() & Tripper.FailureRate(0.5)) | Tripper.HalfOpened()); // stays half-open
        options.Permit = Permit.RampUp(0.1, 1.0, Minute, new Random(1234));
        options.MaxHalfOpenCalls = int.MaxValue;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        clock.Advance(TimeSpan.FromSeconds(10));

        var admittedPerTenSeconds = new List<int>();
        for (var slice = 0; slice < 7; slice++)
        {
            var admitted = 0;
            for (var i = 0; i < 1000; i++)
            {
                admitted += breaker.TryExecute(() => 1, out _) ? 1 : 0;
            }

            admittedPerTenSeconds.Add(admitted);
            clock.Advance(TimeSpan.FromSeconds(10));
        }

        // Expected 100, 250, 400, 550, 700, 850, 1000 admissions per 1000; allow sampling noise.
        double[] expected = [0.10, 0.25, 0.40, 0.55, 0.70, 0.85, 1.0];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.InRange(admittedPerTenSeconds[i], (expected[i] * 1000) - 60, Math.Min(1000, (expected[i] * 1000) + 60));
        }
    }
}
