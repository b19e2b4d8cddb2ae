using CsCheck;
using Fluxgate.Tests.Support;
using Xunit.Abstractions;

namespace Fluxgate.Tests.Expressions;

/// <summary>
/// Hostile configuration strings: random token soups and mutated valid expressions. Every one either reads or fails
/// with an <see cref="ExpressionException"/>; nothing else escapes, nothing overflows the stack. What reads prints
/// back (<c>ToString()</c>) as an expression that reads as the same part.
/// </summary>
public class ExpressionFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Tokens =
    [
        "MinRequests", "FailureRate", "SlowRate", "AvgLatency", "FailureStreak", "Closed", "HalfOpened", "TypeOf", "All",
        "Count", "Time", "Cooldown", "Backoff", "Always", "Never", "Random", "RampUp", "System.TimeoutException",
        "System.Net.Http.HttpRequestException", "System.String", "Nope.Missing", "count:", "ratio:", "initial:",
        "(", ")", "(", ")", "&", "|", "~", "!", ",", ":", " ", "\t", "\n",
        "0", "1", "0.5", "20", "-3", "1e400", "NaN", "Infinity", "999999999999", "10s", "500ms", "5m", "1h", "2d", "1.5.2", ".", "-",
        "é", "Ω", "\0", "\"", "'", "#", "$", "{", "}", "[", "]",
    ];

    private static readonly string[] Valid =
    [
        "MinRequests(20) & ((Closed() & FailureRate(0.6)) | (HalfOpened() & FailureRate(0.5)))",
        "TypeOf(System.Net.Http.HttpRequestException) | TypeOf(System.TimeoutException)",
        "Backoff(10s, 2.0, 300s, 0.1)",
        "RampUp(0.1, 0.5, 60s)",
        "Count(100)",
        "Time(60s)",
        "~MinRequests(60) & !FailureStreak(1) | SlowRate(ratio: 0.3, threshold: 500ms)",
    ];

    private static readonly Func<string, object>[] Parsers =
    [
        Window.Parse,
        Tracker.Parse,
        Tripper.Parse,
        e => Retry.Parse(e),
        e => Permit.Parse(e),
    ];

    private static readonly Gen<string> TokenSoup = Gen.Int[0, Tokens.Length - 1].Array[0, 40].Select(picks => string.Concat(picks.Select(i => Tokens[i])));

    private static readonly Gen<string> Mutated =
        from source in Gen.Int[0, Valid.Length - 1]
        from edits in Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Char["()&|~!,:.0123456789smhaZ x"]).Array[1, 6]
        select Mutate(Valid[source], edits);

    [Fact]
    public void RandomTokenSoups_EitherReadOrFailWithAnExpressionException() =>
        Assert.Equal(5_000, PropertyRun.Check(TokenSoup, ReadsOrFailsCleanly, 5_000, s => $"\"{s}\"", output.WriteLine));

    [Fact]
    public void MutatedValidExpressions_EitherReadOrFailWithAnExpressionException() =>
        Assert.Equal(5_000, PropertyRun.Check(Mutated, ReadsOrFailsCleanly, 5_000, s => $"\"{s}\"", output.WriteLine));

    [Fact]
    public void DeepNesting_IsRejectedBeforeTheStackIs()
    {
        var parentheses = new string('(', 33) + "Closed()" + new string(')', 33);
        var negations = new string('~', 33) + "Closed()";
        var withinLimit = new string('(', 32) + "Closed()" + new string(')', 32);

        Assert.Equal("Expected at most 32 nested levels of parentheses and negations at position 33, found '('.", Assert.Throws<ExpressionException>(() => Tripper.Parse(parentheses)).Message);
        Assert.Equal(33, Assert.Throws<ExpressionException>(() => Tripper.Parse(negations)).Position);
        Assert.Equal("Closed()", Tripper.Parse(withinLimit).ToString());
    }

    [Fact]
    public void HugeExpressions_AreRejectedByLengthAndTheLongestAcceptedOneEvaluates()
    {
        var huge = string.Concat(Enumerable.Repeat("Closed() | ", 1_000_000)) + "Closed()";
        Assert.Equal($"Expected an expression of at most 4,096 characters at position 4097, found {huge.Length:N0} characters.", Assert.Throws<ExpressionException>(() => Tripper.Parse(huge)).Message);

        // The longest chain that fits: hundreds of operators deep, evaluated without exhausting the stack.
        var longest = string.Join("|", Enumerable.Repeat("FailureStreak(9)", (ExpressionParser.MaxLength + 1) / 17));
        var tripper = Tripper.Parse(longest);
        Assert.False(tripper.Evaluate(new CallContext(new Metric(1, 1, TimeSpan.Zero), CircuitState.Closed, 1)));
    }

    private static void ReadsOrFailsCleanly(string expression)
    {
        foreach (var parse in Parsers)
        {
            object parsed;
            try
            {
                parsed = parse(expression);
            }
            catch (ExpressionException error)
            {
                Assert.InRange(error.Position, 1, expression.Length + 1);
                Assert.StartsWith("Expected ", error.Message, StringComparison.Ordinal);
                continue;
            }

            // What reads prints back as an expression that reads as the same part.
            var printed = parsed.ToString()!;
            Assert.Equal(printed, parse(printed).ToString());
        }
    }

    private static string Mutate(string text, (int Kind, int At, char Char)[] edits)
    {
        var chars = text.ToList();
        foreach (var (kind, at, c) in edits)
        {
            var i = chars.Count == 0 ? 0 : at % chars.Count;
            switch (kind)
            {
                case 0 when chars.Count > 0:
                    chars.RemoveAt(i);
                    break;
                case 1:
                    chars.Insert(i, c);
                    break;
                case 2 when chars.Count > 0:
                    chars[i] = c;
                    break;
                default:
                    chars.InsertRange(i, chars.Take(Math.Min(10, chars.Count)).ToList());
                    break;
            }
        }

        return new string([.. chars]);
    }
}
