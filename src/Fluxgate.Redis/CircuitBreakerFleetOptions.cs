using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fluxgate.Redis;

/// <summary>How a replica takes part in its application's fleet: the application's name, its own name, its heartbeat and the quorum.</summary>
public sealed class CircuitBreakerFleetOptions
{
    /// <summary>The shortest heartbeat: 10 ms.</summary>
    public static readonly TimeSpan MinHeartbeatInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest heartbeat, and the longest replica timeout: 1 hour.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    /// <summary>The longest application or replica name: 100 characters.</summary>
    public const int MaxNameLength = 100;

    private string _application = "default";
    private string? _replicaId;
    private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(1);
    private TimeSpan? _replicaTimeout;
    private int _quorumMinimum = 2;
    private double _quorumFraction = 0.5;
    private TimeProvider? _timeProvider;
    private ILogger? _logger;

    /// <summary>
    /// Gets or sets the application: the replicas of one application see each other; other applications sharing the Redis
    /// server do not. It prefixes every key and channel (<c>fluxgate:{application}:</c>). Default <c>default</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Empty, longer than 100 characters, or with a character other than a letter, digit, <c>.</c>, <c>_</c> or <c>-</c>.</exception>
    public string Application
    {
        get => _application;
        set => _application = CheckName(value, nameof(Application));
    }

    /// <summary>Gets or sets this replica's name in the fleet; by default the machine name, the process id and a random suffix. Two replicas must not share one.</summary>
    /// <exception cref="ArgumentException">Empty, longer than 100 characters, or with a character other than a letter, digit, <c>.</c>, <c>_</c> or <c>-</c>.</exception>
    public string? ReplicaId
    {
        get => _replicaId;
        set => _replicaId = value is null ? null : CheckName(value, nameof(ReplicaId));
    }

    /// <summary>
    /// Gets or sets how often the replica publishes its breakers' states and looks for changes in them; also the longest a
    /// breaker that opened here waits before the fleet hears of it. Default 1 second; from 10 ms to 1 hour.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [10 ms, 1 h].</exception>
    public TimeSpan HeartbeatInterval
    {
        get => _heartbeatInterval;
        set => _heartbeatInterval = CheckRange(value, MinHeartbeatInterval, MaxInterval, nameof(HeartbeatInterval));
    }

    /// <summary>
    /// Gets or sets how long a replica may go unheard before it is taken for dead and its breakers stop counting; at least
    /// two heartbeats, at most 1 hour. Default: three heartbeats.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [20 ms, 1 h]; checked against <see cref="HeartbeatInterval"/> when the fleet is created.</exception>
    public TimeSpan ReplicaTimeout
    {
        get => _replicaTimeout ?? (3 * _heartbeatInterval);
        set => _replicaTimeout = CheckRange(value, 2 * MinHeartbeatInterval, MaxInterval, nameof(ReplicaTimeout));
    }

    /// <summary>Gets or sets the fewest replicas that must have opened a breaker on their own evidence for the fleet to open it everywhere. Default 2; from 2 to 10,000: one replica alone never opens the others.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [2, 10,000].</exception>
    public int QuorumMinimum
    {
        get => _quorumMinimum;
        set
        {
            if (value is < 2 or > 10_000)
            {
                throw new ArgumentOutOfRangeException(nameof(QuorumMinimum), value, "Must be from 2 to 10,000: one replica alone never opens the others.");
            }

            _quorumMinimum = value;
        }
    }

    /// <summary>Gets or sets the share of the live replicas (of those that joined the breaker) that must have opened it on their own evidence, with <see cref="QuorumMinimum"/>. Default 0.5; in (0, 1].</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not in (0, 1].</exception>
    public double QuorumFraction
    {
        get => _quorumFraction;
        set
        {
            if (!(value > 0 && value <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(QuorumFraction), value, "Must be in (0, 1].");
            }

            _quorumFraction = value;
        }
    }

    /// <summary>Gets or sets the clock of heartbeats and timeouts (a fake one in tests). Default <see cref="TimeProvider.System"/>.</summary>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider ?? TimeProvider.System;
        set => _timeProvider = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    }

    /// <summary>Gets or sets the logger of the fleet's decisions and of Redis being unavailable (throttled). Default: none.</summary>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public ILogger Logger
    {
        get => _logger ?? NullLogger.Instance;
        set => _logger = value ?? throw new ArgumentNullException(nameof(Logger));
    }

    /// <summary>Returns the number of replicas that make a quorum among <paramref name="live"/> live ones.</summary>
    /// <param name="live">The live replicas that joined the breaker; ≥ 0.</param>
    /// <returns><c>max(QuorumMinimum, ceil(QuorumFraction × live))</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="live"/> is negative.</exception>
    public int QuorumOf(int live)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(live);
        return new Coordination.QuorumRule(QuorumMinimum, QuorumFraction).Of(live);
    }

    /// <summary>Gets whether <see cref="Logger"/> was set (a container gives its own logger only when it was not).</summary>
    internal bool HasLogger => _logger is not null;

    /// <summary>Gets whether <see cref="TimeProvider"/> was set (a container gives its own clock only when it was not).</summary>
    internal bool HasTimeProvider => _timeProvider is not null;

    /// <summary>Checks the options against each other: <see cref="ReplicaTimeout"/> is at least two heartbeats.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ReplicaTimeout"/> is shorter than two heartbeats.</exception>
    internal void Validate()
    {
        if (ReplicaTimeout < 2 * HeartbeatInterval)
        {
            throw new ArgumentOutOfRangeException(
                nameof(ReplicaTimeout),
                ReplicaTimeout,
                string.Create(CultureInfo.InvariantCulture, $"Must be at least two heartbeats ({Fluxgate.DurationText.Format(2 * HeartbeatInterval)} with HeartbeatInterval {Fluxgate.DurationText.Format(HeartbeatInterval)}), so one late heartbeat does not drop a replica."));
        }
    }

    /// <summary>Copies the options, so the fleet keeps what it was started with.</summary>
    internal CircuitBreakerFleetOptions Snapshot()
    {
        Validate();

        return new CircuitBreakerFleetOptions
        {
            _application = _application,
            _replicaId = _replicaId ?? DefaultReplicaId(),
            _heartbeatInterval = _heartbeatInterval,
            _replicaTimeout = ReplicaTimeout,
            _quorumMinimum = _quorumMinimum,
            _quorumFraction = _quorumFraction,
            _timeProvider = _timeProvider,
            _logger = _logger,
        };
    }

    internal static string CheckName(string? value, string parameter)
    {
        ArgumentNullException.ThrowIfNull(value, parameter);
        if (value.Length is 0 or > MaxNameLength || !IsNameText(value))
        {
            throw new ArgumentException($"'{value}' is not a valid {parameter}: use 1 to {MaxNameLength} letters, digits, '.', '_' or '-'.", parameter);
        }

        return value;
    }

    internal static bool IsNameText(string value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static TimeSpan CheckRange(TimeSpan value, TimeSpan min, TimeSpan max, string parameter)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(parameter, value, $"Must be from {Fluxgate.DurationText.Format(min)} to {Fluxgate.DurationText.Format(max)}.");
        }

        return value;
    }

    private static string DefaultReplicaId()
    {
        var machine = new string([.. Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').Take(60)]);
        return string.Create(CultureInfo.InvariantCulture, $"{(machine.Length == 0 ? "replica" : machine)}-{Environment.ProcessId}-{Random.Shared.Next(0x10000):x4}");
    }
}
