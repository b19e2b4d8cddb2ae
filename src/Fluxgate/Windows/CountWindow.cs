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

    // Each slot packs one outcome: the duration in ticks, bit-complemented (negative) for a failure.
    private readonly long[] _slots;
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

        _slots = new long[size];
    }

    /// <summary>Gets how many outcomes the window keeps.</summary>
    public int Size => _slots.Length;

    /// <summary>Returns the window as the configuration binding writes it, e.g. <c>Count(100)</c>.</summary>
    /// <returns>The expression.</returns>
    public override string ToString() => Grammar.Count.Print(Size);

    /// <summary>Returns a snapshot of the outcomes in the window; safe from any thread (it takes the lock of the breaker the window serves).</summary>
    /// <returns>The snapshot.</returns>
    public override Metric GetMetric() => Owner is { } owner ? owner.WithLock(static w => w.Snapshot(), this) : Snapshot();

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
        if (_count == _slots.Length)
        {
            var evicted = _slots[next];
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

        _slots[next] = isFailure ? ~ticks : ticks;
        if (isFailure)
        {
            _failures++;
        }

        _totalTicks += ticks;
        CountSlow(ticks, +1);
        _next = next + 1 == _slots.Length ? 0 : next + 1;
    }

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
