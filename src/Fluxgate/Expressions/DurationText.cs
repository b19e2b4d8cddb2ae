namespace Fluxgate;

/// <summary>
/// Durations as configuration and expressions write them: a number and a unit, <c>500ms</c>, <c>10s</c>, <c>1.5m</c>,
/// <c>1h</c>. The one reader of durations in Fluxgate's configuration, so every package accepts and refuses the same text.
/// </summary>
public static class DurationText
{
    /// <summary>Reads a duration such as <c>500ms</c>, <c>10s</c>, <c>1.5m</c> or <c>1h</c> (surrounding white space allowed).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The duration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The text is not one number with a unit (<c>5</c> alone is refused: a bare number has no unit).</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = Tokenizer.Tokenize(text);
        if (tokens is not [{ Kind: TokenKind.Duration } duration, { Kind: TokenKind.End }])
        {
            var found = tokens.FirstOrDefault(t => t.Kind != TokenKind.Duration);
            throw new ExpressionException(text, found.Start + 1, "one duration with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5m)", found.Kind == TokenKind.Number ? $"'{found.Text}' without a unit" : found.Display);
        }

        return duration.Duration;
    }

    /// <summary>Reads a duration as <see cref="Parse"/> does, without throwing.</summary>
    /// <param name="text">The text.</param>
    /// <param name="duration">The duration, when the method returns <see langword="true"/>.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> is one duration with a unit.</returns>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (text is null)
        {
            return false;
        }

        try
        {
            duration = Parse(text);
            return true;
        }
        catch (ExpressionException)
        {
            return false;
        }
    }

    /// <summary>Writes a duration exactly, in the largest unit that keeps it whole (<c>2h</c>, <c>90s</c>, <c>250ms</c>, <c>0.5ms</c>): <see cref="Parse"/> reads it back to the tick.</summary>
    /// <param name="duration">The duration.</param>
    /// <returns>The text.</returns>
    public static string Format(TimeSpan duration) => Syntax.Duration(duration);
}
