using System.Globalization;

namespace Fluxgate;

/// <summary>
/// A snapshot of a <see cref="Window"/>: how many calls it holds, how many failed, how long they took,
/// and how many were slow at each <c>SlowRate</c> threshold of the breaker's tripper.
/// </summary>
/// <remarks>
/// Rates and averages are <see langword="null"/> on an empty window. Slow counts exist only for
/// thresholds registered by a <see cref="Tripper.SlowRate(double, TimeSpan)"/> in the breaker's tripper
/// tree; any other threshold reads as zero. Creating a snapshot does not allocate when the tripper tree
/// has at most four distinct slow thresholds.
/// </remarks>
public readonly struct Metric : IEquatable<Metric>
{
    private const int InlineSlowCounts = 4;

    private readonly SlowThresholdSet? _thresholds;

    // Set only on the snapshot a tripper evaluates: notes thresholds asked for but not counted (see WatchingSlowThresholds).
    private readonly SlowThresholdSet? _watcher;

    // The sum of the durations in ticks, or NotMeasured for a breaker that does not time its calls (MeasureDurations
    // false). One field rather than a flag beside it: a snapshot is copied by value on every recorded outcome, and a
    // flag would make it a word longer.
    private readonly long _totalDurationTicks;

    private const long NotMeasured = -1;
    private readonly int _slow0;
    private readonly int _slow1;
    private readonly int _slow2;
    private readonly int _slow3;
    private readonly int[]? _slowRest;

    /// <summary>Creates a snapshot without slow-call counts.</summary>
    /// <param name="totalCount">Recorded calls; ≥ 0.</param>
    /// <param name="failureCount">Recorded failures; between 0 and <paramref name="totalCount"/>.</param>
    /// <param name="totalDuration">Sum of the recorded calls' durations; ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or the duration is out of range.</exception>
    public Metric(int totalCount, int failureCount, TimeSpan totalDuration)
        : this(totalCount, failureCount, totalDuration, [], [])
    {
    }

    /// <summary>Creates a snapshot with slow-call counts, for custom <see cref="Window"/> implementations.</summary>
    /// <param name="totalCount">Recorded calls; ≥ 0.</param>
    /// <param name="failureCount">Recorded failures; between 0 and <paramref name="totalCount"/>.</param>
    /// <param name="totalDuration">Sum of the recorded calls' durations; ≥ 0.</param>
    /// <param name="slowThresholds">The thresholds the counts belong to, distinct.</param>
    /// <param name="slowCounts">For each threshold, the calls whose duration was ≥ it; between 0 and <paramref name="totalCount"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or the duration is out of range.</exception>
    /// <exception cref="ArgumentException">The spans differ in length or a threshold repeats.</exception>
    public Metric(int totalCount, int failureCount, TimeSpan totalDuration, ReadOnlySpan<TimeSpan> slowThresholds, ReadOnlySpan<int> slowCounts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalCount);
        if (failureCount < 0 || failureCount > totalCount)
        {
            throw new ArgumentOutOfRangeException(nameof(failureCount), failureCount, $"Must be between 0 and totalCount ({totalCount}).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(totalDuration, TimeSpan.Zero);
        if (slowThresholds.Length != slowCounts.Length)
        {
            throw new ArgumentException($"Must have one count per threshold ({slowThresholds.Length}), not {slowCounts.Length}.", nameof(slowCounts));
        }

        var thresholds = SlowThresholdSet.ForSnapshot(slowThresholds.ToArray());
        if (thresholds.Count != slowThresholds.Length)
        {
            throw new ArgumentException("Thresholds must be distinct.", nameof(slowThresholds));
        }

        var ordered = new int[thresholds.Count];
        for (var i = 0; i < slowThresholds.Length; i++)
        {
            if (slowCounts[i] < 0 || slowCounts[i] > totalCount)
            {
                throw new ArgumentOutOfRangeException(nameof(slowCounts), slowCounts[i], $"Each count must be between 0 and totalCount ({totalCount}).");
            }

            ordered[thresholds.IndexOf(slowThresholds[i])] = slowCounts[i];
        }

        this = new Metric(totalCount, failureCount, totalDuration.Ticks, thresholds, ordered);
    }

    /// <summary>Creates a snapshot from a window's own bookkeeping; <paramref name="slowCounts"/> is aligned with <paramref name="thresholds"/> and copied.</summary>
    internal Metric(int totalCount, int failureCount, long totalDurationTicks, SlowThresholdSet thresholds, int[] slowCounts)
    {
        TotalCount = totalCount;
        FailureCount = failureCount;
        _totalDurationTicks = totalDurationTicks;
        _thresholds = thresholds;
        var n = thresholds.Count;
        if (n == 0)
        {
            return;
        }

        _slow0 = slowCounts[0];
        if (n > 1)
        {
            _slow1 = slowCounts[1];
        }

        if (n > 2)
        {
            _slow2 = slowCounts[2];
        }

        if (n > 3)
        {
            _slow3 = slowCounts[3];
        }

        if (n > InlineSlowCounts)
        {
            // More thresholds than fit inline: the only case where a snapshot allocates.
            _slowRest = slowCounts.AsSpan(InlineSlowCounts).ToArray();
        }
    }

    /// <summary>Returns this snapshot for a tripper to evaluate: asking it for a threshold it does not count is noted in <paramref name="watcher"/>.</summary>
    /// <param name="watcher">Where misses are noted.</param>
    /// <param name="measured">Whether the breaker timed the calls; <see langword="false"/> marks the durations not measured.</param>
    internal Metric WatchingSlowThresholds(SlowThresholdSet watcher, bool measured = true) => new(this, watcher, measured);

    /// <summary>Returns this snapshot as a breaker that does not time its calls reports it: durations not measured.</summary>
    internal Metric WithoutDurations() => new(this, _watcher, measured: false);

    private Metric(Metric snapshot, SlowThresholdSet? watcher, bool measured)
    {
        this = snapshot;
        _watcher = watcher;
        if (!measured)
        {
            _totalDurationTicks = NotMeasured;
        }
    }

    /// <summary>Gets the number of recorded calls.</summary>
    public int TotalCount { get; }

    /// <summary>Gets the number of recorded failures.</summary>
    public int FailureCount { get; }

    /// <summary>Gets the sum of the recorded calls' durations, failures included; zero when durations are not measured (<see cref="DurationsMeasured"/>).</summary>
    public TimeSpan TotalDuration => _totalDurationTicks == NotMeasured ? TimeSpan.Zero : new TimeSpan(_totalDurationTicks);

    /// <summary>Gets <see cref="TotalDuration"/> divided by <see cref="TotalCount"/>, or <see langword="null"/> when the window is empty or durations are not measured.</summary>
    public TimeSpan? AvgDuration => TotalCount == 0 || _totalDurationTicks == NotMeasured ? null : new TimeSpan(_totalDurationTicks / TotalCount);

    /// <summary>Gets whether the breaker timed the calls this snapshot holds: <see langword="false"/> for one whose <see cref="CircuitBreakerOptions.MeasureDurations"/> is off.</summary>
    public bool DurationsMeasured => _totalDurationTicks != NotMeasured;

    /// <summary>Gets <see cref="FailureCount"/> divided by <see cref="TotalCount"/>, or <see langword="null"/> when the window is empty.</summary>
    public double? FailureRate => TotalCount == 0 ? null : (double)FailureCount / TotalCount;

    /// <summary>Returns the number of recorded calls whose duration was ≥ <paramref name="threshold"/>.</summary>
    /// <param name="threshold">A threshold registered by a <see cref="Tripper.SlowRate(double, TimeSpan)"/> of the breaker's tripper.</param>
    /// <returns>The count, or 0 when no <c>SlowRate</c> tripper registered <paramref name="threshold"/>.</returns>
    public int SlowCount(TimeSpan threshold)
    {
        var index = _thresholds?.IndexOf(threshold) ?? -1;
        if (index < 0)
        {
            _watcher?.NoteMiss(threshold);
            return 0;
        }

        return index switch
        {
            0 => _slow0,
            1 => _slow1,
            2 => _slow2,
            3 => _slow3,
            _ => _slowRest![index - InlineSlowCounts],
        };
    }

    /// <summary>Returns <see cref="SlowCount(TimeSpan)"/> divided by <see cref="TotalCount"/>.</summary>
    /// <param name="threshold">A threshold registered by a <see cref="Tripper.SlowRate(double, TimeSpan)"/> of the breaker's tripper.</param>
    /// <returns>The rate, or <see langword="null"/> when the window is empty.</returns>
    public double? SlowRate(TimeSpan threshold) => TotalCount == 0 ? null : (double)SlowCount(threshold) / TotalCount;

    /// <inheritdoc/>
    public bool Equals(Metric other)
    {
        if (TotalCount != other.TotalCount || FailureCount != other.FailureCount || _totalDurationTicks != other._totalDurationTicks)
        {
            return false;
        }

        var mine = _thresholds ?? SlowThresholdSet.Empty;
        var theirs = other._thresholds ?? SlowThresholdSet.Empty;
        foreach (var ticks in mine.Ticks)
        {
            if (SlowCount(new TimeSpan(ticks)) != other.SlowCount(new TimeSpan(ticks)))
            {
                return false;
            }
        }

        foreach (var ticks in theirs.Ticks)
        {
            if (SlowCount(new TimeSpan(ticks)) != other.SlowCount(new TimeSpan(ticks)))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Metric other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TotalCount, FailureCount, _totalDurationTicks);

    /// <summary>Returns a readable summary, e.g. <c>total=10 failures=3 (30%) avg=20ms slow[1s]=2</c>.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"total={TotalCount} failures={FailureCount}");
        if (TotalCount > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" ({FailureRate * 100:0.#}%)");
            text += AvgDuration is { } average ? $" avg={Syntax.Duration(average)}" : " avg=unmeasured";
        }

        if (_thresholds is { Count: > 0 } thresholds)
        {
            foreach (var ticks in thresholds.Ticks)
            {
                var threshold = new TimeSpan(ticks);
                text += string.Create(CultureInfo.InvariantCulture, $" slow[{Syntax.Duration(threshold)}]={SlowCount(threshold)}");
            }
        }

        return text;
    }

    /// <summary>Compares two snapshots by counts, duration (and whether it was measured) and slow counts.</summary>
    /// <param name="left">The first snapshot.</param>
    /// <param name="right">The second snapshot.</param>
    /// <returns><see langword="true"/> when they are equal.</returns>
    public static bool operator ==(Metric left, Metric right) => left.Equals(right);

    /// <summary>Compares two snapshots by counts, duration (and whether it was measured) and slow counts.</summary>
    /// <param name="left">The first snapshot.</param>
    /// <param name="right">The second snapshot.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(Metric left, Metric right) => !left.Equals(right);
}
