using CsCheck;

namespace Fluxgate.Tests.Expressions;

/// <summary>The one reader and writer of durations in configuration: a number and a unit, read back to the tick.</summary>
public class DurationTextTests
{
    [Theory]
    [InlineData("500ms", 5_000_000L)]
    [InlineData("10s", 100_000_000L)]
    [InlineData("1.5m", 900_000_000L)]
    [InlineData("1h", 36_000_000_000L)]
    [InlineData("  2s ", 20_000_000L)]
    [InlineData("0.5ms", 5_000L)]
    public void Parse_ANumberWithAUnit_IsTheDuration(string text, long ticks) =>
        Assert.Equal(TimeSpan.FromTicks(ticks), DurationText.Parse(text));

    [Theory]
    [InlineData("5", "'5' without a unit")]
    [InlineData("soon", "'soon'")]
    [InlineData("00:00:01", "'00'")]
    [InlineData("1s 2s", "")]
    [InlineData("", "end of input")]
    public void Parse_NotOneDurationWithAUnit_ThrowsSayingWhatWasFound(string text, string found)
    {
        var error = Assert.Throws<ExpressionException>(() => DurationText.Parse(text));

        Assert.StartsWith("Expected one duration with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5m)", error.Message, StringComparison.Ordinal);
        Assert.Contains(found, error.Message, StringComparison.Ordinal);
        Assert.False(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.Zero, duration);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNullException() =>
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => DurationText.Parse(null!)).ParamName);

    [Fact]
    public void TryParse_NullOrValid_SaysWhetherItRead()
    {
        Assert.False(DurationText.TryParse(null, out _));
        Assert.True(DurationText.TryParse("250ms", out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(250), duration);
    }

    [Theory]
    [InlineData(7_200_000L, "2h")]
    [InlineData(90_000L, "90s")]
    [InlineData(250L, "250ms")]
    public void Format_WholeUnits_WritesTheLargestWholeUnit(long milliseconds, string text) =>
        Assert.Equal(text, DurationText.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void Format_AnyDuration_IsReadBackToTheTick() =>
        Gen.Long[0, TimeSpan.MaxValue.Ticks].Sample(ticks => DurationText.Parse(DurationText.Format(TimeSpan.FromTicks(ticks))) == TimeSpan.FromTicks(ticks));
}
