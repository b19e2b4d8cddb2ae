using System.Globalization;

namespace Fluxgate;

internal enum TokenKind
{
    Name,
    Number,
    Duration,
    LeftParen,
    RightParen,
    Comma,
    Colon,
    And,
    Or,
    Not,
    End,
}

/// <summary>A token and its 0-based start in the expression.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Start, double Number = 0, TimeSpan Duration = default)
{
    public string Display => Kind == TokenKind.End ? "end of input" : $"'{Text}'";
}

/// <summary>Splits an expression into names (dotted, for type names), numbers, durations with a unit, and punctuation.</summary>
internal static class Tokenizer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.' or '+' or '`'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Name, text[start..i], start));
                continue;
            }

            if (char.IsAsciiDigit(c) || ((c is '-' or '.') && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(ReadNumber(text, ref i));
                continue;
            }

            var kind = c switch
            {
                '(' => TokenKind.LeftParen,
                ')' => TokenKind.RightParen,
                ',' => TokenKind.Comma,
                ':' => TokenKind.Colon,
                '&' => TokenKind.And,
                '|' => TokenKind.Or,
                '~' or '!' => TokenKind.Not,
                _ => TokenKind.End,
            };
            if (kind == TokenKind.End)
            {
                throw new ExpressionException(text, start + 1, "a name, a number, a duration, '(', ')', ',', '&', '|', '~' or '!'", $"'{c}'");
            }

            tokens.Add(new Token(kind, c.ToString(), start));
            i++;
        }

        tokens.Add(new Token(TokenKind.End, string.Empty, text.Length));
        return tokens;
    }

    private static Token ReadNumber(string text, ref int i)
    {
        var start = i;
        if (text[i] == '-')
        {
            i++;
        }

        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            i++;
        }

        if (i + 1 < text.Length && text[i] is 'e' or 'E' && (char.IsAsciiDigit(text[i + 1]) || (text[i + 1] is '+' or '-' && i + 2 < text.Length && char.IsAsciiDigit(text[i + 2]))))
        {
            i += 2;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        var numberText = text[start..i];
        var unitStart = i;
        while (i < text.Length && char.IsLetter(text[i]))
        {
            i++;
        }

        if (unitStart == i)
        {
            if (!double.TryParse(numberText, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                throw new ExpressionException(text, start + 1, "a number", $"'{numberText}'");
            }

            return new Token(TokenKind.Number, numberText, start, number);
        }

        var unit = text[unitStart..i];
        var unitTicks = unit switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            _ => 0,
        };
        if (unitTicks == 0)
        {
            throw new ExpressionException(text, unitStart + 1, "a duration unit (ms, s, m or h)", $"'{unit}'");
        }

        // Decimal, not double: durations read back exactly what Syntax.Duration writes, TimeSpan.MaxValue's 19 digits included.
        if (!decimal.TryParse(numberText, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || Math.Abs(amount) > (TimeSpan.MaxValue.Ticks / unitTicks) + 1)
        {
            throw new ExpressionException(text, start + 1, "a duration of at most 10,675,199 days", $"'{text[start..i]}'");
        }

        var ticks = decimal.Round(amount * unitTicks);
        if (ticks > TimeSpan.MaxValue.Ticks || ticks < TimeSpan.MinValue.Ticks)
        {
            throw new ExpressionException(text, start + 1, "a duration of at most 10,675,199 days", $"'{text[start..i]}'");
        }

        return new Token(TokenKind.Duration, text[start..i], start, (double)amount, TimeSpan.FromTicks((long)ticks));
    }
}
