namespace Fluxgate;

/// <summary>A window holding the outcomes of the last <see cref="Size"/>, in one-second buckets.</summary>
/// <remarks>
/// <para>
/// Seconds are counted on the breaker's monotonic clock (<see cref="System.TimeProvider.GetTimestamp"/>), so moving the
/// wall clock does not move the window. A snapshot forgets expired seconds at the moment it is taken,
/// even when no call arrives.
/// </para>
/// <para>
/// Recording and <see cref="GetMetric()"/> are O(1) amortized whatever the size: running totals are
/// kept, each second leaves the totals once, and a gap longer than the window clears them at once.
/// Memory is 24 bytes per second plus 4 bytes per second and slow threshold, allocated once.
/// </para>
/// </remarks>
public sealed class TimeWindow : Window
{
    /// <summary>The largest accepted size: 1,000,000 seconds (about 11.5 days, 24 MB of buckets).</summary>
    public static readonly TimeSpan MaxSize = TimeSpan.FromSeconds(1_000_000);

    private const long NoSecond = long.MinValue;

    private readonly int _seconds;
    private readonly long[] _bucketSecond;
    private readonly int[] _bucketCount;
    private readonly int[] _bucketFailures;
    private readonly long[] _bucketTicks;
    private int[] _bucketSlow = [];
    private int[] _slowCounts = [];
    private long _frequency = TimeProvider.System.TimestampFrequency;

    // The newest second seen; buckets for older seconds than _validFrom were cleared by Reset.
    private long _head = NoSecond;
    private long _validFrom = NoSecond;
    private int _count;
    private int _failures;
    private long _totalTicks;

    /// <summary>Creates a window over the last <paramref name="size"/>, in one-second buckets.</summary>
    /// <param name="size">A whole number of seconds, from 1 s to <see cref="MaxSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is shorter than 1 s or longer than <see cref="MaxSize"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="size"/> is not a whole number of seconds.</exception>
    public TimeWindow(TimeSpan size)
    {
        if (size < TimeSpan.FromSeconds(1) || size > MaxSize)
        {
            new ArgumentRejection(nameof(size), size, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"between 1 second and {MaxSize.TotalSeconds:N0} seconds")).Throw();
        }

        if (size.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            new ArgumentRejection(nameof(size), size, "a whole number of seconds (one bucket per second)", OutOfRange: false).Throw();
        }

        _seconds = (int)(size.Ticks / TimeSpan.TicksPerSecond);
        _bucketSecond = new long[_seconds];
        Array.Fill(_bucketSecond, NoSecond);
        _bucketCount = new int[_seconds];
        _bucketFailures = new int[_seconds];
        _bucketTicks = new long[_seconds];
    }

    /// <summary>Gets the span of time the window covers.</summary>
    public TimeSpan Size => TimeSpan.FromSeconds(_seconds);

    /// <summary>Returns the window as the configuration binding writes it, e.g. <c>Time(60s)</c>.</summary>
    /// <returns>The expression.</returns>
    public override string ToString() => Grammar.Time.Print(Size);

    /// <summary>Returns a snapshot of the last <see cref="Size"/>, forgetting what has expired; safe from any thread (it takes the lock of the breaker the window serves).</summary>
    /// <returns>The snapshot.</returns>
    public override Metric GetMetric() => AsReported(Owner is { } owner
        ? owner.WithLock(static w => w.GetMetric(w.TimeProvider.GetTimestamp()), this)
        : GetMetric(TimeProvider.GetTimestamp()));

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
    internal override void ResetForBreaker() => ResetUnsynchronized();

    private void ResetUnsynchronized()
    {
        _count = 0;
        _failures = 0;
        _totalTicks = 0;
        Array.Clear(_slowCounts);

        // O(1): buckets older than the newest second become invalid; the newest one is emptied in place,
        // since calls of the next period may still land in it.
        _validFrom = _head;
        if (_head != NoSecond)
        {
            ClearBucket(Index(_head), _head);
        }
    }

    /// <inheritdoc/>
    internal override Metric GetMetric(long timestamp)
    {
        Advance(timestamp / _frequency);
        return new Metric(_count, _failures, _totalTicks, ThresholdSet, _slowCounts);
    }

    /// <inheritdoc/>
    protected override void Record(bool isFailure, TimeSpan duration, long timestamp)
    {
        var second = timestamp / _frequency;
        Advance(second);
        if ((_head != NoSecond && second <= _head - _seconds) || second < _validFrom)
        {
            // Ended before the window's oldest second, or before the last reset (a call that waited long
            // for the lock): it is already outside the window.
            return;
        }

        var index = Index(second);
        if (_bucketSecond[index] != second)
        {
            ClearBucket(index, second);
        }

        var ticks = Math.Max(duration.Ticks, 0);
        _bucketCount[index]++;
        _count++;
        _bucketTicks[index] += ticks;
        _totalTicks += ticks;
        if (isFailure)
        {
            _bucketFailures[index]++;
            _failures++;
        }

        var thresholds = ThresholdSet.Ticks;
        var slowBase = index * thresholds.Length;
        for (var i = 0; i < thresholds.Length && ticks >= thresholds[i]; i++)
        {
            _bucketSlow[slowBase + i]++;
            _slowCounts[i]++;
        }
    }

    /// <inheritdoc/>
    protected override void OnAttached()
    {
        _frequency = TimeProvider.TimestampFrequency;
        _slowCounts = new int[ThresholdSet.Count];
        _bucketSlow = new int[_seconds * ThresholdSet.Count];
    }

    private int Index(long second) => (int)(((second % _seconds) + _seconds) % _seconds);

    private void Advance(long second)
    {
        if (_head != NoSecond && second <= _head)
        {
            return;
        }

        if (_head == NoSecond || second - _head >= _seconds)
        {
            // Everything in the window has expired: clear the totals at once; stale buckets are
            // recognised by their second and overwritten when reused.
            _count = 0;
            _failures = 0;
            _totalTicks = 0;
            Array.Clear(_slowCounts);
            _validFrom = _head == NoSecond ? NoSecond : _head + 1;
        }
        else
        {
            // Seconds (_head - size, second - size] leave the window.
            for (var expired = Math.Max(_head - _seconds + 1, _validFrom); expired <= second - _seconds; expired++)
            {
                var index = Index(expired);
                if (_bucketSecond[index] == expired)
                {
                    Subtract(index);
                    _bucketSecond[index] = NoSecond;
                }
            }
        }

        _head = second;
    }

    private void Subtract(int index)
    {
        _count -= _bucketCount[index];
        _failures -= _bucketFailures[index];
        _totalTicks -= _bucketTicks[index];
        var n = _slowCounts.Length;
        for (var i = 0; i < n; i++)
        {
            _slowCounts[i] -= _bucketSlow[(index * n) + i];
        }
    }

    private void ClearBucket(int index, long second)
    {
        _bucketSecond[index] = second;
        _bucketCount[index] = 0;
        _bucketFailures[index] = 0;
        _bucketTicks[index] = 0;
        Array.Clear(_bucketSlow, index * _slowCounts.Length, _slowCounts.Length);
    }
}
