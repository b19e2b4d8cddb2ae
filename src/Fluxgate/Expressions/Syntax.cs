using System.Globalization;

namespace Fluxgate;

/// <summary>
/// Writes values the way the expression reader reads them back (<see cref="Grammar"/> has the names): numbers with the
/// fewest digits that read back as the same value, durations exactly, in the largest unit that keeps them whole.
/// </summary>
internal static class Syntax
{
    /// <summary>Writes a number with the fewest digits that read back as the same value, e.g. <c>0.5</c>, <c>2</c>, <c>1E-05</c>.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes a whole number, e.g. <c>20</c>.</summary>
    public static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes a duration exactly, in the largest unit that keeps it whole: <c>2h</c>, <c>5m</c>, <c>90s</c>, <c>250ms</c>,
    /// else milliseconds with up to four decimals (<c>0.5ms</c>, <c>922337203685477.5807ms</c> for <see cref="TimeSpan.MaxValue"/>).
    /// </summary>
    public static string Duration(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks == 0)
        {
            return "0s";
        }

        if (ticks % TimeSpan.TicksPerHour == 0)
        {
            return Whole(ticks / TimeSpan.TicksPerHour, "h");
        }

        if (ticks % TimeSpan.TicksPerMinute == 0)
        {
            return Whole(ticks / TimeSpan.TicksPerMinute, "m");
        }

        if (ticks % TimeSpan.TicksPerSecond == 0)
        {
            return Whole(ticks / TimeSpan.TicksPerSecond, "s");
        }

        // Integer arithmetic, not double: a double holds 15-17 digits and TimeSpan.MaxValue has 19.
        var milliseconds = Math.DivRem(ticks, TimeSpan.TicksPerMillisecond, out var rest);
        if (rest == 0)
        {
            return Whole(milliseconds, "ms");
        }

        var sign = ticks < 0 ? "-" : string.Empty;
        var fraction = Math.Abs(rest).ToString("D4", CultureInfo.InvariantCulture).TrimEnd('0');
        return $"{sign}{Math.Abs(milliseconds).ToString(CultureInfo.InvariantCulture)}.{fraction}ms";

        static string Whole(long value, string unit) => value.ToString(CultureInfo.InvariantCulture) + unit;
    }

    /// <summary>Writes an operand of <c>&amp;</c> or <c>~</c>: an <c>|</c> (and, under <c>~</c>, an <c>&amp;</c>) needs parentheses, as <c>&amp;</c> binds tighter.</summary>
    public static string Operand(object operand, bool underNot = false) =>
        operand is IOrCombination || (underNot && operand is IAndCombination) ? $"({operand})" : operand.ToString()!;

    /// <summary>Marks a component that prints as <c>a | b</c>.</summary>
    public interface IOrCombination;

    /// <summary>Marks a component that prints as <c>a &amp; b</c>.</summary>
    public interface IAndCombination;
}
