using System.Globalization;

namespace Fluxgate;

/// <summary>
/// Writes components the way the configuration binding reads them (<c>MinRequests(20) &amp; FailureRate(0.5)</c>,
/// <c>Cooldown(1m)</c>), so that a part's <see cref="object.ToString"/> can be logged, compared and pasted into
/// <c>appsettings.json</c>.
/// </summary>
internal static class ExpressionSyntax
{
    /// <summary>Writes a number with the fewest digits that read back as the same value, e.g. <c>0.5</c>, <c>2</c>.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes a duration in the largest unit that keeps it whole: <c>2h</c>, <c>5m</c>, <c>90s</c>, else milliseconds (<c>250ms</c>, <c>0.5ms</c>).</summary>
    public static string Duration(TimeSpan value)
    {
        var ticks = value.Ticks;
        return ticks switch
        {
            _ when ticks % TimeSpan.TicksPerHour == 0 => Whole(ticks / TimeSpan.TicksPerHour, "h"),
            _ when ticks % TimeSpan.TicksPerMinute == 0 => Whole(ticks / TimeSpan.TicksPerMinute, "m"),
            _ when ticks % TimeSpan.TicksPerSecond == 0 => Whole(ticks / TimeSpan.TicksPerSecond, "s"),
            _ => Number((double)ticks / TimeSpan.TicksPerMillisecond) + "ms",
        };

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
