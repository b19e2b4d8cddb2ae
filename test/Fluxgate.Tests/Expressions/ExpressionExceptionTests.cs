namespace Fluxgate.Tests.Expressions;

public class ExpressionExceptionTests
{
    [Fact]
    public void Constructors_KeepWhatTheyAreGiven()
    {
        var inner = new InvalidOperationException("inner");

        var general = new ExpressionException();
        var withMessage = new ExpressionException("bad");
        var withInner = new ExpressionException("bad", inner);
        var positioned = new ExpressionException("Count(0)", 7, "size at least 1", "'0'", inner);

        Assert.Equal("The expression could not be read.", general.Message);
        Assert.Equal(string.Empty, general.Expression);
        Assert.Equal("bad", withMessage.Message);
        Assert.Same(inner, withInner.InnerException);
        Assert.Equal((string.Empty, string.Empty, string.Empty), (withMessage.Expression, withMessage.Expected, withMessage.Found));
        Assert.Equal((string.Empty, string.Empty, string.Empty), (withInner.Expression, withInner.Expected, withInner.Found));
        Assert.Equal("Expected size at least 1 at position 7, found '0'.", positioned.Message);
        Assert.Equal(("Count(0)", 7, "size at least 1", "'0'"), (positioned.Expression, positioned.Position, positioned.Expected, positioned.Found));
        Assert.IsAssignableFrom<FormatException>(positioned);
    }

    [Theory]
    [InlineData("AvgLatency(0s)", "Expected threshold greater than zero at position 12, found '0s'.")]
    [InlineData("AvgLatency(1e27h)", "Expected a duration of at most 10,675,199 days at position 12, found '1e27h'.")]
    [InlineData("AvgLatency(922337203685478ms)", "Expected a duration of at most 10,675,199 days at position 12, found '922337203685478ms'.")]
    public void Durations_AtAndBeyondTheLimits_AreNamedByTheirRule(string expression, string message) =>
        Assert.Equal(message, Assert.Throws<ExpressionException>(() => Tripper.Parse(expression)).Message);
}
