namespace Fluxgate.Tests.Expressions;

/// <summary>Reading parts from their expressions: what reads, what it builds, and the positioned error of what does not.</summary>
public class ExpressionParserTests
{
    [Theory]
    [InlineData("MinRequests(20) & ((Closed() & FailureRate(0.6)) | (HalfOpened() & FailureRate(0.5)))", "MinRequests(20) & (Closed() & FailureRate(0.6) | HalfOpened() & FailureRate(0.5))")]
    [InlineData("FailureRate(0.5) | SlowRate(0.3, 500ms) & MinRequests(10)", "FailureRate(0.5) | SlowRate(0.3, 500ms) & MinRequests(10)")]
    [InlineData("(FailureRate(0.5) | SlowRate(0.3, 500ms)) & MinRequests(10)", "(FailureRate(0.5) | SlowRate(0.3, 500ms)) & MinRequests(10)")]
    [InlineData("~MinRequests(60) & !FailureStreak(1)", "~MinRequests(60) & ~FailureStreak(1)")]
    [InlineData("~(Closed() & MinRequests(5)) & ~(FailureRate(0.1) | FailureStreak(2))", "~(Closed() & MinRequests(5)) & ~(FailureRate(0.1) | FailureStreak(2))")]
    [InlineData("  AvgLatency( 2s )  ", "AvgLatency(2s)")]
    [InlineData("FailureStreak(count: 3)", "FailureStreak(3)")]
    [InlineData("AvgLatency(1.5m) | AvgLatency(1h) | AvgLatency(250ms) | AvgLatency(0.5ms)", "AvgLatency(90s) | AvgLatency(1h) | AvgLatency(250ms) | AvgLatency(0.5ms)")]
    public void ParseTripper_ValidExpressions_BuildTheSameTreeAsTheCSharpFactories(string expression, string expected) =>
        Assert.Equal(expected, Tripper.Parse(expression).ToString());

    [Theory]
    [InlineData("TypeOf(System.Net.Http.HttpRequestException) | TypeOf(System.TimeoutException)", "TypeOf(System.Net.Http.HttpRequestException) | TypeOf(System.TimeoutException)")]
    [InlineData("TypeOf(System.IO.IOException, System.TimeoutException) & ~TypeOf(System.IO.FileNotFoundException)", "TypeOf(System.IO.IOException, System.TimeoutException) & ~TypeOf(System.IO.FileNotFoundException)")]
    [InlineData("All()", "All()")]
    [InlineData("TypeOf(Fluxgate.CallNotPermittedException)", "TypeOf(Fluxgate.CallNotPermittedException)")]
    public void ParseTracker_ValidExpressions_Build(string expression, string expected) =>
        Assert.Equal(expected, Tracker.Parse(expression).ToString());

    [Fact]
    public void ParseTracker_TypeFromAFrameworkAssemblyNotYetLoaded_IsResolvedByItsNamespace()
    {
        var tracker = Tracker.Parse("TypeOf(System.Net.Http.HttpRequestException)");

        Assert.True(tracker.IsFailure(new HttpRequestException()));
        Assert.False(tracker.IsFailure(new TimeoutException()));
    }

    [Fact]
    public void ParseTracker_WithExceptionTypes_FindsThemByFullNameBeforeReflection()
    {
        var tracker = Tracker.Parse("TypeOf(Fluxgate.Tests.Expressions.ExpressionParserTests+DeclinedException) | TypeOf(System.TimeoutException)", [typeof(DeclinedException)]);

        Assert.True(tracker.IsFailure(new DeclinedException()));
        Assert.True(tracker.IsFailure(new TimeoutException()));                 // still found by reflection
        Assert.False(tracker.IsFailure(new InvalidOperationException()));
    }

    [Fact]
    public void ParseTracker_WithExceptionTypes_RefusesANullOrANonExceptionType()
    {
        Assert.Equal("exceptionTypes", Assert.Throws<ArgumentNullException>(() => Tracker.Parse("All()", null!)).ParamName);
        var error = Assert.Throws<ArgumentException>(() => Tracker.Parse("All()", [typeof(string)]));
        Assert.Equal("exceptionTypes", error.ParamName);
        Assert.Contains("found System.String", error.Message, StringComparison.Ordinal);
        Assert.Equal("exceptionTypes", Assert.Throws<ArgumentException>(() => Tracker.Parse("All()", [null!])).ParamName);
    }

    /// <summary>An application's exception, named in configuration by its full (nested) name.</summary>
    public sealed class DeclinedException : Exception;

    [Fact]
    public void ParseWindowRetryPermit_ValidExpressions_Build()
    {
        Assert.Equal(100, Assert.IsType<CountWindow>(Window.Parse("Count(100)")).Size);
        Assert.Equal(TimeSpan.FromMinutes(1), Assert.IsType<TimeWindow>(Window.Parse("Time(60s)")).Size);
        Assert.Equal("Backoff(10s, 2, 5m, 0.1)", Retry.Parse("Backoff(10s, 2.0, 300s, 0.1)").ToString());
        Assert.Equal("Backoff(10s, 3, 5m)", Retry.Parse("Backoff(initial: 10s, multiplier: 3)").ToString());
        Assert.Equal("Backoff(10s, 2, 1m, 0.2)", Retry.Parse("Backoff(10s, maxDuration: 1m, jitterRatio: 0.2)").ToString());
        Assert.Equal("Cooldown(1m)", Retry.Parse("Cooldown(60s)").ToString());
        Assert.Equal("Cooldown(1500ms, 0.25)", Retry.Parse("Cooldown(1500ms, 0.25)").ToString());
        Assert.Equal(Timeout.InfiniteTimeSpan, Retry.Parse("Never()").GetWaitDuration(0));
        Assert.Equal(TimeSpan.Zero, Retry.Parse("(Always())").GetWaitDuration(0));
        Assert.Equal("RampUp(0.1, 0.5, 1m)", Permit.Parse("RampUp(0.1, 0.5, 60s)").ToString());
        Assert.Equal("Random(0.5)", Permit.Parse("Random(ratio: 0.5)").ToString());
        Assert.True(Permit.Parse("All()").Admit(TimeSpan.Zero));
    }

    [Fact]
    public void ParseRetryAndPermit_WithASeededRandom_DrawFromIt()
    {
        var a = Retry.Parse("Cooldown(100s, 0.5)", new Random(3)).GetWaitDuration(0);
        var b = Retry.Parse("Cooldown(100s, 0.5)", new Random(3)).GetWaitDuration(0);

        Assert.Equal(a, b);
        Assert.NotEqual(TimeSpan.FromSeconds(100), a);
    }

    [Theory]
    [InlineData("MinRequests(20 & FailureRate(0.5)", "Expected ',' or ')' at position 16, found '&'.", 16)]
    [InlineData("MinRequests(20) & ", "Expected a tripper: Closed(), HalfOpened(), MinRequests(count), FailureRate(ratio), AvgLatency(threshold), SlowRate(ratio, threshold) or FailureStreak(count) at position 19, found end of input.", 19)]
    [InlineData("MinRequest(20)", "Expected a tripper: Closed(), HalfOpened(), MinRequests(count), FailureRate(ratio), AvgLatency(threshold), SlowRate(ratio, threshold) or FailureStreak(count) at position 1, found 'MinRequest'.", 1)]
    [InlineData("FailureRate(0.5", "Expected ',' or ')' at position 16, found end of input.", 16)]
    [InlineData("FailureRate 0.5", "Expected '(' after FailureRate at position 13, found '0.5'.", 13)]
    [InlineData("(FailureRate(0.5)", "Expected ')' at position 18, found end of input.", 18)]
    [InlineData("FailureRate(0.5) FailureStreak(3)", "Expected '&', '|' or end of input at position 18, found 'FailureStreak'.", 18)]
    [InlineData("FailureRate(1.5)", "Expected ratio greater than 0 and at most 1 at position 13, found '1.5'.", 13)]
    [InlineData("FailureRate(0)", "Expected ratio greater than 0 and at most 1 at position 13, found '0'.", 13)]
    [InlineData("MinRequests(0)", "Expected count at least 1 at position 13, found '0'.", 13)]
    [InlineData("MinRequests(2.5)", "Expected a whole number for 'count' at position 13, found '2.5'.", 13)]
    [InlineData("MinRequests()", "Expected a value for 'count' of MinRequests(count) at position 13, found ')'.", 13)]
    [InlineData("MinRequests(1, 2)", "Expected ')' after the last argument of MinRequests(count) at position 16, found '2'.", 16)]
    [InlineData("AvgLatency(2)", "Expected a duration with a unit (ms, s, m or h) for 'threshold' at position 12, found '2'.", 12)]
    [InlineData("AvgLatency(2d)", "Expected a duration unit (ms, s, m or h) at position 13, found 'd'.", 13)]
    [InlineData("AvgLatency(0s)", "Expected threshold greater than zero at position 12, found '0s'.", 12)]
    [InlineData("SlowRate(threshold: 1s, 0.5)", "Expected a named argument (name: value), as arguments after a named one must be named at position 25, found '0.5'.", 25)]
    [InlineData("SlowRate(limit: 1s)", "Expected a parameter of SlowRate(ratio, threshold) at position 10, found 'limit'.", 10)]
    [InlineData("SlowRate(ratio: 0.5, ratio: 0.5)", "Expected each parameter of SlowRate(ratio, threshold) once at position 22, found 'ratio'.", 22)]
    [InlineData("FailureRate(0.5) && MinRequests(2)", "Expected a tripper: Closed(), HalfOpened(), MinRequests(count), FailureRate(ratio), AvgLatency(threshold), SlowRate(ratio, threshold) or FailureStreak(count) at position 19, found '&'.", 19)]
    [InlineData("FailureRate(0.5) # comment", "Expected a name, a number, a duration, '(', ')', ',', '&', '|', '~' or '!' at position 18, found '#'.", 18)]
    [InlineData("", "Expected a tripper: Closed(), HalfOpened(), MinRequests(count), FailureRate(ratio), AvgLatency(threshold), SlowRate(ratio, threshold) or FailureStreak(count) at position 1, found end of input.", 1)]
    public void ParseTripper_InvalidExpressions_SayWhereAndWhatWasExpected(string expression, string message, int position)
    {
        var error = Assert.Throws<ExpressionException>(() => Tripper.Parse(expression));

        Assert.Equal(message, error.Message);
        Assert.Equal(position, error.Position);
        Assert.Equal(expression, error.Expression);
    }

    [Theory]
    [InlineData("TypeOf(HttpRequestException)", "Expected the full name of an exception type at position 8, found 'HttpRequestException', which names no loaded or framework type (a trimmed or Native AOT application names its exception types: Tracker.Parse(expression, types), or AddCircuitBreakerExceptionType<T>() with a container).")]
    [InlineData("TypeOf(System.String)", "Expected an exception type at position 8, found 'System.String', which does not derive from System.Exception.")]
    [InlineData("TypeOf()", "Expected a value for 'types' of TypeOf(types…) at position 8, found ')'.")]
    [InlineData("TypeOf(42)", "Expected the full name of an exception type for 'types' at position 8, found '42'.")]
    [InlineData("TypeOf(Evil.Payload.Exception)", "Expected the full name of an exception type at position 8, found 'Evil.Payload.Exception', which names no loaded or framework type (a trimmed or Native AOT application names its exception types: Tracker.Parse(expression, types), or AddCircuitBreakerExceptionType<T>() with a container).")]
    [InlineData("Custom(x)", "Expected a tracker: All() or TypeOf(types…) at position 1, found 'Custom'.")]
    public void ParseTracker_InvalidExpressions_SayWhereAndWhatWasExpected(string expression, string message) =>
        Assert.Equal(message, Assert.Throws<ExpressionException>(() => Tracker.Parse(expression)).Message);

    [Theory]
    [InlineData("Count(0)", "Expected size between 1 and 10,000,000 calls at position 7, found '0'.")]
    [InlineData("Count(100) & Count(5)", "Expected end of input at position 12, found '&'.")]
    [InlineData("Time(1500ms)", "Expected size a whole number of seconds (one bucket per second) at position 6, found '1500ms'.")]
    [InlineData("Time(60)", "Expected a duration with a unit (ms, s, m or h) for 'size' at position 6, found '60'.")]
    [InlineData("~Count(5)", "Expected a window: Count(size) or Time(size) at position 1, found '~'.")]
    public void ParseWindow_InvalidExpressions_SayWhereAndWhatWasExpected(string expression, string message) =>
        Assert.Equal(message, Assert.Throws<ExpressionException>(() => Window.Parse(expression)).Message);

    [Theory]
    [InlineData("Backoff(10s, 1.0)", "Expected multiplier a finite number greater than 1 at position 14, found '1.0'.")]
    [InlineData("Backoff(10s, 2, 5s)", "Expected maxDuration at least initial (10s) at position 17, found '5s'.")]
    [InlineData("Cooldown(10s, 1)", "Expected jitterRatio at least 0 and less than 1 at position 15, found '1'.")]
    [InlineData("Cooldown(-5s)", "Expected duration greater than zero at position 10, found '-5s'.")]
    [InlineData("Backoff(1e9h)", "Expected a duration of at most 10,675,199 days at position 9, found '1e9h'.")]
    public void ParseRetry_InvalidExpressions_SayWhereAndWhatWasExpected(string expression, string message) =>
        Assert.Equal(message, Assert.Throws<ExpressionException>(() => Retry.Parse(expression)).Message);

    [Theory]
    [InlineData("RampUp(0.5, 0.1, 60s)", "Expected final between initial (0.5) and 1 at position 13, found '0.1'.")]
    [InlineData("Random(2)", "Expected ratio between 0 and 1 at position 8, found '2'.")]
    [InlineData("RampUp(0.1, 0.5)", "Expected a value for 'duration' of RampUp(initial, final, duration) at position 16, found ')'.")]
    public void ParsePermit_InvalidExpressions_SayWhereAndWhatWasExpected(string expression, string message) =>
        Assert.Equal(message, Assert.Throws<ExpressionException>(() => Permit.Parse(expression)).Message);

    [Fact]
    public void Parse_Null_ThrowsArgumentNullException() =>
        Assert.Equal("expression", Assert.Throws<ArgumentNullException>(() => Tripper.Parse(null!)).ParamName);

    [Fact]
    public void Parse_ManySiblingsEachNestedOnce_IsNotTakenForDeepNesting()
    {
        // The nesting limit counts levels, not how many parentheses or negations the expression has in all.
        var count = ExpressionParser.MaxDepth + 8;
        var negations = string.Join(" | ", Enumerable.Repeat("~TypeOf(System.TimeoutException)", count));
        var parentheses = string.Join(" & ", Enumerable.Repeat("(MinRequests(1))", count));

        Assert.NotNull(Tracker.Parse(negations));
        Assert.NotNull(Tripper.Parse(parentheses));
        Assert.Throws<ExpressionException>(() => Tripper.Parse(new string('(', ExpressionParser.MaxDepth + 1) + "MinRequests(1)" + new string(')', ExpressionParser.MaxDepth + 1)));
    }
}
