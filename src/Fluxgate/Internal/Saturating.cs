namespace Fluxgate;

/// <summary>Conversions that clamp instead of wrapping, the same on every target framework.</summary>
internal static class Saturating
{
    // 2^63 as a double: the first value a long cannot hold (long.MaxValue rounds up to it).
    private const double TwoToThe63 = 9223372036854775808.0;

    /// <summary>
    /// Converts <paramref name="value"/> to a long, clamping to its range (NaN reads as 0). .NET 8 turns an out-of-range
    /// double into <see cref="long.MinValue"/> where .NET 9 and later saturate: a wait of <see cref="TimeSpan.MaxValue"/>
    /// became a negative one on .NET 8 (found by running the suite on both target frameworks).
    /// </summary>
    public static long ToInt64(double value) =>
        double.IsNaN(value) ? 0 : value >= TwoToThe63 ? long.MaxValue : value < -TwoToThe63 ? long.MinValue : (long)value;
}
