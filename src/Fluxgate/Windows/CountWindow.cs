namespace Fluxgate;

/// <summary>A window holding the outcomes of the last <see cref="Size"/> calls.</summary>
/// <remarks>
/// Recording and <see cref="GetMetric()"/> are O(1) whatever the size: running totals are kept and the
/// evicted outcome is subtracted. Memory is one 8-byte slot per call plus 4 bytes per slow threshold,
/// allocated once.
/// </remarks>
public sealed class CountWindow : Window
{
    /// <summary>The largest accepted size (10,000,000 calls, 80 MB of slots).</summary>
    public const int MaxSize = 10_000_000;

    // Outcomes per 64-byte cache line (a slot is a long).
    private const int SlotsPerLine = 8;

    // Each slot packs one outcome: the duration in ticks, bit-complemented (negative) for a failure. Outcome i lives at
    // Place(i), column i % 8 and row i / 8 of an 8-column table whose columns are _stride slots apart. From 57 outcomes
    // on (a stride of a cache line or more), eight consecutive outcomes land on eight different lines, so a caller
    // recording right after another one on another core does not wait for the line that one just wrote
    // (docs/benchmarks.md, "Contention"). In smaller windows the columns are less than a line apart and neighbours may
    // share one.
    private readonly long[] _slots;
    private readonly int _size;
    private readonly int _stride;
    private int[] _slowCounts = [];
    private int _count;
    private int _next;
    private int _failures;
    private long _totalTicks;

    /// <summary>Creates a window over the last <paramref name="size"/> calls.</summary>
    /// <param name="size">How many outcomes to keep; 1 to <see cref="MaxSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is out of range.</exception>
    public CountWindow(int size)
    {
        if (size < 1 || size > MaxSize)
        {
            new ArgumentRejection(nameof(size), size, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"between 1 and {MaxSize:N0} calls")).Throw();
        }

        _size = size;
        _stride = (size + SlotsPerLine - 1) / SlotsPerLine;
        _slots = new long[size <= SlotsPerLine ? size : _stride * SlotsPerLine];
    }

    /// <summary>Gets how many outcomes the window keeps.</summary>
    public int Size => _size;

    /// <summary>Returns the window as the configuration binding writes it, e.g. <c>Count(100)</c>.</summary>
    /// <returns>The expression.</returns>
    public override string ToString() => Grammar.Count.Print(Size);

    /// <summary>Returns a snapshot of the outcomes in the window; safe from any thread (it takes the lock of the breaker the window serves).</summary>
    /// <returns>The snapshot.</returns>
    public override Metric GetMetric() => AsReported(Owner is { } owner ? owner.WithLock(static w => w.Snapshot(), this) : Snapshot());

    /// <summary>Removes every outcome from the window; safe from any thread (it takes the lock of the breaker the window serves).</summary>
    public override void Reset()
    {
        if (Owner is { } owner)
        {
            owner.WithLock(static w => { w.ResetUnsynchronized(); return true; }, this);
        }
        else
        {
            ResetUnsynchronized();
        }
    }

    /// <inheritdoc/>
    internal override bool ReadsTimestamps => false;

    /// <inheritdoc/>
    internal override Metric GetMetric(long timestamp) => Snapshot();

    /// <inheritdoc/>
    internal override void ResetForBreaker() => ResetUnsynchronized();

    private Metric Snapshot() => new(_count, _failures, _totalTicks, ThresholdSet, _slowCounts);

    private void ResetUnsynchronized()
    {
        _count = 0;
        _next = 0;
        _failures = 0;
        _totalTicks = 0;
        Array.Clear(_slowCounts);
    }

    /// <inheritdoc/>
    protected override void Record(bool isFailure, TimeSpan duration, long timestamp)
    {
        var ticks = Math.Max(duration.Ticks, 0);
        var next = _next;
        var place = Place(next);
        if (_count == _size)
        {
            var evicted = _slots[place];
            var evictedTicks = evicted < 0 ? ~evicted : evicted;
            if (evicted < 0)
            {
                _failures--;
            }

            _totalTicks -= evictedTicks;
            CountSlow(evictedTicks, -1);
        }
        else
        {
            _count++;
        }

        _slots[place] = isFailure ? ~ticks : ticks;
        if (isFailure)
        {
            _failures++;
        }

        _totalTicks += ticks;
        CountSlow(ticks, +1);
        _next = next + 1 == _size ? 0 : next + 1;
    }

    /// <summary>Where outcome <paramref name="index"/> lives: column <c>index % 8</c>, row <c>index / 8</c> of an 8-column table, one column per cache line's worth of slots.</summary>
    private int Place(int index) => ((index & (SlotsPerLine - 1)) * _stride) + (index >> 3);

    /// <inheritdoc/>
    protected override void OnAttached() => _slowCounts = new int[ThresholdSet.Count];

    private void CountSlow(long ticks, int delta)
    {
        var thresholds = ThresholdSet.Ticks;
        for (var i = 0; i < thresholds.Length && ticks >= thresholds[i]; i++)
        {
            // Thresholds are ascending: once one is not reached, no larger one is.
            _slowCounts[i] += delta;
        }
    }
}
