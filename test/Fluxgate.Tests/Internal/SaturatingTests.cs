namespace Fluxgate.Tests.Internal;

public sealed class SaturatingTests
{
    [Theory]
    [InlineData(0.0, 0L)]
    [InlineData(-1.9, -1L)]
    [InlineData(1.9, 1L)]
    [InlineData(9007199254740992.0, 9007199254740992L)]
    public void ToInt64_InRange_Truncates(double value, long expected) => Assert.Equal(expected, Saturating.ToInt64(value));

    [Theory]
    [InlineData(9223372036854775807.0)] // long.MaxValue rounds up to 2^63, one past the range
    [InlineData(1e19)]
    [InlineData(double.MaxValue)]
    [InlineData(double.PositiveInfinity)]
    public void ToInt64_AboveRange_ClampsToMaxValue(double value) => Assert.Equal(long.MaxValue, Saturating.ToInt64(value));

    [Theory]
    [InlineData(-1e19)]
    [InlineData(double.MinValue)]
    [InlineData(double.NegativeInfinity)]
    public void ToInt64_BelowRange_ClampsToMinValue(double value) => Assert.Equal(long.MinValue, Saturating.ToInt64(value));

    [Fact]
    public void ToInt64_MinValueExactly_IsKept() => Assert.Equal(long.MinValue, Saturating.ToInt64(-9223372036854775808.0));

    [Fact]
    public void ToInt64_NaN_IsZero() => Assert.Equal(0L, Saturating.ToInt64(double.NaN));
}
