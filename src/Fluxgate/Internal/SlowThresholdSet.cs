namespace Fluxgate;

/// <summary>
/// The distinct <c>SlowRate</c> thresholds of one breaker's tripper tree, in ticks, shared by its
/// window and every <see cref="Metric"/> snapshot the window produces.
/// </summary>
internal sealed class SlowThresholdSet
{
    public static readonly SlowThresholdSet Empty = new([]);

    private SlowThresholdSet(long[] ticks) => Ticks = ticks;

    /// <summary>Threshold durations in <see cref="TimeSpan"/> ticks, ascending, distinct.</summary>
    public long[] Ticks { get; }

    public int Count => Ticks.Length;

    public static SlowThresholdSet From(IEnumerable<TimeSpan> thresholds)
    {
        var ticks = thresholds.Select(t => t.Ticks).Distinct().Order().ToArray();
        return ticks.Length == 0 ? Empty : new SlowThresholdSet(ticks);
    }

    public int IndexOf(TimeSpan threshold) => Array.BinarySearch(Ticks, threshold.Ticks) is var i and >= 0 ? i : -1;
}
