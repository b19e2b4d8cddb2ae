namespace Fluxgate;

/// <summary>
/// The distinct <c>SlowRate</c> thresholds of one breaker's tripper tree, in ticks, shared by its
/// window and every <see cref="Metric"/> snapshot the window produces.
/// </summary>
/// <remarks>
/// It also notes the thresholds a tripper asked for that the tree does not register (a custom composite that
/// hides its children): the breaker reports each once, since the window never counted calls that slow.
/// </remarks>
internal sealed class SlowThresholdSet
{
    /// <summary>A set with no thresholds, for snapshots not tied to a breaker; it notes no misses.</summary>
    public static readonly SlowThresholdSet Empty = new([], watch: false);

    private readonly bool _watch;
    private List<TimeSpan>? _missed;
    private HashSet<long>? _reported;
    private volatile bool _hasMisses;

    private SlowThresholdSet(long[] ticks, bool watch)
    {
        Ticks = ticks;
        _watch = watch;
    }

    /// <summary>Threshold durations in <see cref="TimeSpan"/> ticks, ascending, distinct.</summary>
    public long[] Ticks { get; }

    public int Count => Ticks.Length;

    /// <summary>Creates the set of a breaker's tripper tree (distinct ticks, ascending); it notes the misses of that breaker's trippers.</summary>
    public static SlowThresholdSet ForBreaker(long[] ticks) => new(ticks, watch: true);

    /// <summary>Creates a set for a snapshot built by hand (<see cref="Metric"/>'s public constructor); it notes no misses.</summary>
    public static SlowThresholdSet ForSnapshot(IEnumerable<TimeSpan> thresholds)
    {
        var ticks = thresholds.Select(t => t.Ticks).Distinct().Order().ToArray();
        return ticks.Length == 0 ? Empty : new SlowThresholdSet(ticks, watch: false);
    }

    public int IndexOf(TimeSpan threshold) => Array.BinarySearch(Ticks, threshold.Ticks) is var i and >= 0 ? i : -1;

    /// <summary>Notes that a tripper asked for <paramref name="threshold"/>, which this set does not hold.</summary>
    public void NoteMiss(TimeSpan threshold)
    {
        if (!_watch)
        {
            return;
        }

        lock (this)
        {
            _reported ??= [];
            if (_reported.Add(threshold.Ticks))
            {
                (_missed ??= []).Add(threshold);
                _hasMisses = true;
            }
        }
    }

    /// <summary>Returns the thresholds missed since the last call, each only the first time it was missed; <see langword="null"/> when none.</summary>
    public List<TimeSpan>? TakeMisses()
    {
        if (!_hasMisses)
        {
            return null;
        }

        lock (this)
        {
            var missed = _missed;
            _missed = null;
            _hasMisses = false;
            return missed;
        }
    }
}
