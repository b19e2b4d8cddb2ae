namespace Fluxgate;

/// <summary>The configuration of a <see cref="CircuitBreaker"/>; every property is optional.</summary>
/// <remarks>
/// Each setter validates its value and throws at once, naming the property. A breaker copies the options
/// when it is created; later changes to this object do not reach it. A <see cref="Window"/> instance serves
/// one breaker, so create a new options object (or a new window) for each breaker.
/// </remarks>
public sealed class CircuitBreakerOptions
{
    /// <summary>The default <see cref="Name"/>: <c>default</c>.</summary>
    public const string DefaultName = "default";

    /// <summary>The default <see cref="MaxHalfOpenCalls"/>: 10.</summary>
    public const int DefaultMaxHalfOpenCalls = 10;

    /// <summary>The default <see cref="AsyncListenerTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultAsyncListenerTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest finite <see cref="AsyncListenerTimeout"/>: 4,294,967,294 ms (about 49.7 days), the longest a .NET timer can wait.</summary>
    public static readonly TimeSpan MaxAsyncListenerTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>The default <see cref="ProbeLease"/>: 2 minutes, longer than <c>HttpClient</c>'s default 100-second timeout.</summary>
    public static readonly TimeSpan DefaultProbeLease = TimeSpan.FromMinutes(2);

    private string _name = DefaultName;
    private Window? _window;
    private Tracker _tracker = Tracker.All();
    private Tripper _tripper = Tripper.MinRequests(100) & Tripper.FailureRate(0.5);
    private Retry _retry = Retry.Cooldown(TimeSpan.FromSeconds(60));
    private Permit _permit = Permit.RampUp(0.1, 1.0, TimeSpan.FromSeconds(60));
    private int _maxHalfOpenCalls = DefaultMaxHalfOpenCalls;
    private TimeProvider _timeProvider = TimeProvider.System;
    private TimeSpan _asyncListenerTimeout = DefaultAsyncListenerTimeout;
    private TimeSpan _probeLease = DefaultProbeLease;

    /// <summary>Gets or sets the breaker's name, used in signals, exceptions, logs and metric labels.</summary>
    /// <value>The default value is <c>default</c>. Must not be empty or white space.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string Name
    {
        get => _name;
        set
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Name));
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException("Must not be empty or white space.", nameof(Name));
            }

            _name = value;
        }
    }

    /// <summary>Gets or sets the window of recent outcomes the tripper reads.</summary>
    /// <value>
    /// The default value is <c>new CountWindow(100)</c>. A window instance serves one breaker: a window you set cannot be
    /// given to a second breaker, while the default one is replaced by a new <c>CountWindow(100)</c> for each breaker
    /// created from these options.
    /// </value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public Window Window
    {
        get => _window ??= new CountWindow(DefaultWindowSize);
        set
        {
            _window = value ?? throw new ArgumentNullException(nameof(Window));
            WindowIsDefault = false;
        }
    }

    /// <summary>Gets whether <see cref="Window"/> was never set (the breaker may then make its own).</summary>
    internal bool WindowIsDefault { get; private set; } = true;

    /// <summary>The size of the default window.</summary>
    internal const int DefaultWindowSize = 100;

    /// <summary>Gets or sets which exceptions count as failures.</summary>
    /// <value>The default value is <see cref="Tracker.All()"/>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public Tracker Tracker
    {
        get => _tracker;
        set => _tracker = value ?? throw new ArgumentNullException(nameof(Tracker));
    }

    /// <summary>Gets or sets which returned results count as failures (they are still returned to the caller).</summary>
    /// <value>The default value is <see langword="null"/>: every result is a success.</value>
    public ResultTracker? ResultTracker { get; set; }

    /// <summary>Gets or sets when the circuit opens (and, while half-open, when it closes or reopens).</summary>
    /// <value>The default value is <c>MinRequests(100) &amp; FailureRate(0.5)</c>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public Tripper Tripper
    {
        get => _tripper;
        set => _tripper = value ?? throw new ArgumentNullException(nameof(Tripper));
    }

    /// <summary>Gets or sets how long an open circuit waits before it lets a probe through.</summary>
    /// <value>The default value is <c>Cooldown(60 s)</c>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public Retry Retry
    {
        get => _retry;
        set => _retry = value ?? throw new ArgumentNullException(nameof(Retry));
    }

    /// <summary>Gets or sets which calls a half-open circuit lets through.</summary>
    /// <value>The default value is <c>RampUp(0.1, 1.0, 60 s)</c>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public Permit Permit
    {
        get => _permit;
        set => _permit = value ?? throw new ArgumentNullException(nameof(Permit));
    }

    /// <summary>Gets or sets how many calls may be in flight at once while half-open; more are rejected at once.</summary>
    /// <value>The default value is 10. Must be at least 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxHalfOpenCalls
    {
        get => _maxHalfOpenCalls;
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxHalfOpenCalls), value, "Must be at least 1.");
            }

            _maxHalfOpenCalls = value;
        }
    }

    /// <summary>
    /// Gets or sets how long a half-open call begun with <see cref="CircuitBreaker.BeginCall"/> may go unreported before it is
    /// presumed lost and its probe slot is given to another call (a <see cref="CircuitBreakerFailure"/> tells the listeners).
    /// Calls the breaker runs itself (<c>Execute</c>, <c>TryExecute</c>, decorators) always report and are never reclaimed.
    /// </summary>
    /// <value>
    /// The default value is 2 minutes. Set it above the longest a call may legitimately take (its timeout): a live call past
    /// its lease lets one more probe through. Must be at least 1 second, or <see cref="Timeout.InfiniteTimeSpan"/> to never reclaim.
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is under 1 second and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan ProbeLease
    {
        get => _probeLease;
        set
        {
            if (value < TimeSpan.FromSeconds(1) && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(ProbeLease), value, "Must be at least 1 second, or Timeout.InfiniteTimeSpan to never reclaim a probe.");
            }

            _probeLease = value;
        }
    }

    /// <summary>
    /// Gets or sets whether the breaker times each call: the durations <c>AvgLatency</c> and <c>SlowRate</c> trippers decide on,
    /// <see cref="Metric.TotalDuration"/> and <see cref="Metric.AvgDuration"/> report and the
    /// <c>fluxgate.circuit_breaker.call.duration</c> histogram records.
    /// </summary>
    /// <value>
    /// The default value is <see langword="true"/>. When <see langword="false"/>, a call admitted while closed (or
    /// metrics-only) reads no clock with a <see cref="CountWindow"/> and reads it once, when the call ends, with a
    /// <see cref="TimeWindow"/> or a custom window: timing costs two clock reads per call, which on a busy breaker is most of
    /// its cost (docs/benchmarks.md). Durations are then reported as not measured, not as zero:
    /// <see cref="Metric.DurationsMeasured"/> is <see langword="false"/>, <see cref="Metric.AvgDuration"/> is
    /// <see langword="null"/>, windows record a zero duration, and the histogram records nothing (the calls counter still
    /// counts every call). A breaker whose tripper reads durations (<see cref="Tripper.ReadsDurations"/>) cannot be created
    /// or reconfigured with <see langword="false"/>.
    /// </value>
    public bool MeasureDurations { get; set; } = true;

    /// <summary>Gets the listeners that receive the breaker's state transitions; <c>Listeners = { a, b }</c> adds to it.</summary>
    public ListenerCollection Listeners { get; } = [];

    /// <summary>Gets or sets the source of all time: call durations, cooldowns, ramps, time windows and timestamps.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set => _timeProvider = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    }

    /// <summary>Gets or sets how long an async listener may take with one signal before its token is cancelled, a failure is reported and delivery moves on.</summary>
    /// <value>The default value is 30 seconds. Must be positive and at most <see cref="MaxAsyncListenerTimeout"/> (about 49.7 days), or <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative other than <see cref="Timeout.InfiniteTimeSpan"/>, or longer than <see cref="MaxAsyncListenerTimeout"/>.</exception>
    public TimeSpan AsyncListenerTimeout
    {
        get => _asyncListenerTimeout;
        set
        {
            if ((value <= TimeSpan.Zero || value > MaxAsyncListenerTimeout) && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(AsyncListenerTimeout), value, "Must be greater than zero and at most 49.7 days (4,294,967,294 ms, the longest a timer can wait), or Timeout.InfiniteTimeSpan for no limit.");
            }

            _asyncListenerTimeout = value;
        }
    }
}
