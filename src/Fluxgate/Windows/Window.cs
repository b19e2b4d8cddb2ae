namespace Fluxgate;

/// <summary>
/// The sliding window of recent call outcomes a breaker's tripper reads: the last N calls
/// (<see cref="CountWindow"/>) or the last N seconds (<see cref="TimeWindow"/>).
/// </summary>
/// <remarks>
/// <para>
/// A window instance serves exactly one breaker; giving it to a second breaker throws <see cref="ArgumentException"/>.
/// The breaker feeds it through <see cref="Record(bool, TimeSpan, long)"/>, reads it through <see cref="GetMetric()"/> after
/// every recorded outcome and clears it on every transition through <see cref="Reset"/>: one call at a time, under the
/// breaker's lock, and only for the window of its current state period. The built-in windows' public
/// <see cref="GetMetric()"/> and <see cref="Reset"/> take that lock themselves, so they are safe from any thread.
/// </para>
/// <para>
/// To write a custom window, override the three abstract members; <see cref="SlowThresholds"/> and
/// <see cref="TimeProvider"/> are available from <see cref="OnAttached"/> on. It needs no synchronization for the
/// breaker; code that reads it from elsewhere must synchronize, or read <see cref="CircuitBreaker.GetInfo"/>. Keep
/// <see cref="GetMetric()"/> cheap (it runs after every outcome) and count the calls at least as slow as each of
/// <see cref="SlowThresholds"/>. What the breaker guards: a window that throws is reported as a
/// <see cref="CircuitBreakerFailure"/> and never reaches a caller (a failed <c>Record</c> may miss the outcome, a failed
/// <c>GetMetric</c> means no decision, a failed <c>Reset</c> may keep the last period's outcomes); a
/// <see cref="Metric"/> is validated when built. What it cannot guard: a window whose numbers are wrong makes the tripper
/// decide on them.
/// </para>
/// </remarks>
public abstract class Window
{
    private CircuitBreaker? _owner;
    private SlowThresholdSet _thresholdSet = SlowThresholdSet.Empty;
    private TimeSpan[] _slowThresholdSpans = [];
    private bool _untimed;

    /// <summary>Initializes a window.</summary>
    protected Window()
    {
    }

    /// <summary>Returns the window as an expression: the form <c>Parse</c> reads for the built-in ones, e.g. <c>Count(100)</c>; the type's name for a custom one that does not override it.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => GetType().Name;

    /// <summary>Gets the time source of the breaker this window serves (<see cref="TimeProvider.System"/> until attached).</summary>
    protected TimeProvider TimeProvider { get; private set; } = TimeProvider.System;

    /// <summary>Gets the distinct <c>SlowRate</c> thresholds of the breaker's tripper, ascending; the window counts slow calls for each.</summary>
    protected IReadOnlyList<TimeSpan> SlowThresholds => _slowThresholdSpans;

    /// <summary>Gets the thresholds as the internal shared set, for the built-in windows' allocation-free snapshots.</summary>
    private protected SlowThresholdSet ThresholdSet => _thresholdSet;

    /// <summary>Reads a window written as its constructor: <c>Count(100)</c> or <c>Time(60s)</c>, the form the built-in windows' <see cref="object.ToString"/> writes.</summary>
    /// <param name="expression">The expression.</param>
    /// <returns>A new window.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid window; the exception says where, what was expected and what was found.</exception>
    /// <remarks>
    /// Calls take positional or named arguments (<c>Backoff(initial: 10s, multiplier: 3)</c>), named as the C# parameters.
    /// Numbers are written as in C# (<c>0.5</c>, <c>20</c>); durations need a unit: <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c>
    /// (<c>500ms</c>, <c>1.5s</c>). Names are case-sensitive, as in C#. Expressions longer than 4,096 characters or nested
    /// deeper than 32 levels are rejected.
    /// </remarks>
    public static Window Parse(string expression) => ExpressionParser.Parse(expression, Grammar.Windows);

    /// <summary>Returns a snapshot of the outcomes currently in the window.</summary>
    /// <returns>The snapshot; a time-based window first forgets what has expired.</returns>
    public abstract Metric GetMetric();

    /// <summary>Removes every outcome from the window.</summary>
    public abstract void Reset();

    /// <summary>Adds one call outcome to the window.</summary>
    /// <param name="isFailure"><see langword="true"/> for a tracked failure, <see langword="false"/> for a success.</param>
    /// <param name="duration">The measured duration of the call, failures included; never negative; zero when the breaker does not time its calls (<see cref="CircuitBreakerOptions.MeasureDurations"/>).</param>
    /// <param name="timestamp">When the call ended, as a <see cref="System.TimeProvider.GetTimestamp"/> value of <see cref="TimeProvider"/>.</param>
    protected abstract void Record(bool isFailure, TimeSpan duration, long timestamp);

    /// <summary>Gets the breaker the window serves, once attached.</summary>
    internal CircuitBreaker? Owner => Volatile.Read(ref _owner);

    /// <summary>Lets the breaker feed the window (under its lock).</summary>
    internal void RecordOutcome(bool isFailure, TimeSpan duration, long timestamp) => Record(isFailure, duration, timestamp);

    /// <summary>Lets the breaker clear the window (under its lock); the built-in windows skip the locking their public <see cref="Reset"/> does.</summary>
    internal virtual void ResetForBreaker() => Reset();

    /// <summary>Called once when a breaker takes this window, after <see cref="TimeProvider"/> and <see cref="SlowThresholds"/> are set.</summary>
    protected virtual void OnAttached()
    {
    }

    /// <summary>
    /// Gets whether the window reads the timestamps it is given. A breaker that does not time its calls reads the clock for
    /// a window that does; for one that does not (a <see cref="CountWindow"/>) it reads none, and passes
    /// <see cref="CircuitBreaker.NoTimestamp"/>. Custom windows are always given the time.
    /// </summary>
    internal virtual bool ReadsTimestamps => true;

    /// <summary>Returns a snapshot at <paramref name="timestamp"/>, so the hot path reads the clock once per call.</summary>
    internal virtual Metric GetMetric(long timestamp) => GetMetric();

    /// <summary>Returns a snapshot as the breaker reports it: durations marked not measured when it does not time its calls.</summary>
    internal Metric AsReported(Metric metric) => _untimed ? metric.WithoutDurations() : metric;

    /// <summary>Binds the window to its breaker, once.</summary>
    /// <returns><see langword="null"/> on success; otherwise the breaker that already owns the window.</returns>
    internal CircuitBreaker? TryAttach(CircuitBreaker owner, TimeProvider timeProvider, SlowThresholdSet slowThresholds, bool measuresDurations)
    {
        var previous = Interlocked.CompareExchange(ref _owner, owner, null);
        if (previous is not null)
        {
            return previous;
        }

        TimeProvider = timeProvider;
        _untimed = !measuresDurations;
        _thresholdSet = slowThresholds;
        _slowThresholdSpans = slowThresholds.Count == 0 ? [] : [.. slowThresholds.Ticks.Select(static t => new TimeSpan(t))];
        OnAttached();
        return null;
    }
}
