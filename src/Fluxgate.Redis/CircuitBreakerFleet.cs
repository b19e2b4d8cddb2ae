using System.Runtime.CompilerServices;
using Fluxgate.Redis.Coordination;
using Fluxgate.Redis.Internal;
using Fluxgate.Redis.Transport;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Fluxgate.Redis;

/// <summary>
/// This replica's membership in its application's fleet: the breakers it joined are seen by the other replicas, open when
/// a quorum of replicas opened them on their own evidence, and obey fleet-wide commands.
/// </summary>
/// <remarks>
/// <para>
/// Nothing of this touches a call: a call through a joined breaker is the same local call as before (no network, no
/// allocation). Once started, a background heartbeat samples the joined breakers, publishes their states to Redis and
/// reads the commands in force; the other replicas' heartbeats arrive by pub/sub. <see cref="StartAsync"/> returns at
/// once: the breakers work on their own until Redis answers, and whenever it does not. When Redis is down, slow, emptied
/// or answering garbage, nothing is thrown at callers, warnings are logged at most once a minute, and the fleet
/// reconnects and republishes by itself.
/// </para>
/// <para>
/// Quorum: when at least <see cref="CircuitBreakerFleetOptions.QuorumOf"/> of the live replicas that joined a breaker have
/// opened it on their own evidence (<see cref="TransitionCause.Tripper"/> or <see cref="TransitionCause.ProbeFailed"/>),
/// the replicas where it is closed open it with <see cref="CircuitBreaker.Trip"/>, as if their own tripper had fired. Each
/// replica decides once per quorum episode: one that recovers while the episode lasts is not opened again. A Redis outage
/// never ends an episode. Breakers opened by the fleet, a person or a command never count towards a quorum.
/// </para>
/// </remarks>
public sealed partial class CircuitBreakerFleet : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    /// <summary>The longest stopping waits for Redis to take the departure.</summary>
    private static readonly TimeSpan LeaveBound = TimeSpan.FromMilliseconds(500);

    /// <summary>Which fleet each breaker joined: one breaker counted by two fleets would be two replicas of one process.</summary>
    /// <remarks>Process-wide by nature (it is about breaker instances), weak, so it keeps no breaker alive.</remarks>
    private static readonly ConditionalWeakTable<CircuitBreaker, CircuitBreakerFleet> s_joined = [];

    private readonly CircuitBreakerFleetOptions _options;
    private readonly IFleetTransport _transport;
    private readonly TimeProvider _clock;
    private readonly long _origin;
    private readonly ILogger _logger;
    private readonly Throttle _redisWarnings;
    private readonly Throttle _messageWarnings;
    private readonly Throttle _renewalWarnings;
#if NET9_0_OR_GREATER
    private readonly Lock _gate = new();
#else
    private readonly object _gate = new();
#endif
    private readonly FleetCoordinator _coordinator;
    private readonly Dictionary<string, CircuitBreaker> _breakers = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TransportSink _sink;
    private Task _loop = Task.CompletedTask;
    private readonly object _rounds = new();
    private Task<bool> _publishing = Task.FromResult(false); // guarded by _rounds
    private TaskCompletionSource _nudge = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _everConnected;
    private long _heartbeats;
    private int _lifecycle; // 0 created, 1 started, 2 stopped, 3 disposed
    private int _refused;

    /// <summary>Creates this replica's membership, to connect with <paramref name="configuration"/> when started; the fleet owns the connection.</summary>
    /// <param name="configuration">A StackExchange.Redis configuration string, e.g. <c>redis.internal:6379,user=fluxgate,password=…,ssl=true</c>.</param>
    /// <param name="options">The fleet's options; copied.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="configuration"/> is not a valid configuration string (an unknown option, a URL, no endpoint), or <see cref="CircuitBreakerFleetOptions.ReplicaTimeout"/> is shorter than two heartbeats.</exception>
    public CircuitBreakerFleet(string configuration, CircuitBreakerFleetOptions options)
        : this(FleetConnectionString.Parse(configuration, nameof(configuration)), options)
    {
    }

    /// <summary>Creates this replica's membership, to connect with <paramref name="configuration"/> (user, password, TLS and all) when started; the fleet owns the connection.</summary>
    /// <param name="configuration">The connection's configuration; copied, with <c>AbortOnConnectFail</c> false and fail-fast while disconnected.</param>
    /// <param name="options">The fleet's options; copied.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The configuration names no endpoint, or <see cref="CircuitBreakerFleetOptions.ReplicaTimeout"/> is shorter than two heartbeats.</exception>
    public CircuitBreakerFleet(ConfigurationOptions configuration, CircuitBreakerFleetOptions options)
        : this(options, keys => new RedisFleetTransport(FleetConnectionString.Check(configuration, nameof(configuration)), keys))
    {
    }

    /// <summary>Creates this replica's membership over an existing connection, which the caller keeps and disposes.</summary>
    /// <param name="connection">The Redis connection (configured with <c>abortConnect=false</c>, so it reconnects by itself).</param>
    /// <param name="options">The fleet's options; copied.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><see cref="CircuitBreakerFleetOptions.ReplicaTimeout"/> is shorter than two heartbeats.</exception>
    public CircuitBreakerFleet(IConnectionMultiplexer connection, CircuitBreakerFleetOptions options)
        : this(options, keys => new RedisFleetTransport(connection ?? throw new ArgumentNullException(nameof(connection)), keys))
    {
    }

    /// <summary>Creates the membership over any transport (for tests of the fleet without Redis).</summary>
    internal CircuitBreakerFleet(CircuitBreakerFleetOptions options, Func<FleetKeys, IFleetTransport> transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Snapshot();
        var keys = new FleetKeys(_options.Application);
        _transport = transport(keys);
        _clock = _options.TimeProvider;
        _origin = _clock.GetTimestamp();
        _logger = _options.Logger;
        _redisWarnings = new Throttle(_clock, WarningInterval);
        _messageWarnings = new Throttle(_clock, WarningInterval);
        _renewalWarnings = new Throttle(_clock, WarningInterval);
        _coordinator = new FleetCoordinator(_options.ReplicaId!, new QuorumRule(_options.QuorumMinimum, _options.QuorumFraction), _options.ReplicaTimeout)
        {
            Incarnation = Random.Shared.Next(1, int.MaxValue), // within JSON's exact integers, for tools that read heartbeats
        };
        _sink = new TransportSink(this);
    }

    /// <summary>Gets the application whose fleet this replica belongs to.</summary>
    public string Application => _options.Application;

    /// <summary>Gets this replica's name in the fleet.</summary>
    public string ReplicaId => _options.ReplicaId!;

    /// <summary>Gets whether coordination works now: this replica hears its own heartbeat back through Redis.</summary>
    public bool IsCoordinating
    {
        get
        {
            lock (_gate)
            {
                return _coordinator.IsConnected;
            }
        }
    }

    /// <summary>Gets the breakers this replica joined.</summary>
    public IReadOnlyCollection<CircuitBreaker> Breakers
    {
        get
        {
            lock (_gate)
            {
                return [.. _breakers.Values];
            }
        }
    }

    /// <summary>Joins <paramref name="breaker"/> to the fleet under its name; joining the same breaker again does nothing. Before or after starting.</summary>
    /// <param name="breaker">The breaker.</param>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Another breaker with the same name (ignoring case) already joined; the breaker joined another fleet (one breaker counted twice would be two replicas); or its name is longer than 400 characters.</exception>
    /// <exception cref="ObjectDisposedException">The fleet was disposed.</exception>
    public void Join(CircuitBreaker breaker)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _lifecycle) == 3, this);
        if (breaker.Name.Length > FleetMessages.MaxBreakerName)
        {
            throw new ArgumentException($"A breaker's name must be at most {FleetMessages.MaxBreakerName} characters to join a fleet; '{breaker.Name[..40]}…' has {breaker.Name.Length}.", nameof(breaker));
        }

        lock (s_joined)
        {
            if (s_joined.TryGetValue(breaker, out var other) && !ReferenceEquals(other, this) && Volatile.Read(ref other._lifecycle) != 3)
            {
                throw new ArgumentException($"Breaker '{breaker.Name}' already joined the fleet of application '{other.Application}' as replica '{other.ReplicaId}'; a breaker joins one fleet, or it would count as two replicas.", nameof(breaker));
            }

            lock (_gate)
            {
                if (_breakers.TryGetValue(breaker.Name, out var existing))
                {
                    if (ReferenceEquals(existing, breaker))
                    {
                        return;
                    }

                    throw new ArgumentException($"Another breaker named '{existing.Name}' already joined this fleet; a replica joins one breaker per name.", nameof(breaker));
                }

                _breakers.Add(breaker.Name, breaker);
                _coordinator.Join(breaker.Name);
                _coordinator.Observe(breaker.Name, breaker.GetInfo());
            }

            s_joined.AddOrUpdate(breaker, this);
        }

        Log.Joined(_logger, ReplicaId, Application, breaker.Name);
        Nudge(); // apply a stored command and publish without waiting for the next heartbeat
    }

    /// <summary>Takes <paramref name="breaker"/> out of the fleet: it is no longer published, counted or commanded.</summary>
    /// <param name="breaker">The breaker.</param>
    /// <returns><see langword="true"/> when it had joined.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> is <see langword="null"/>.</exception>
    public bool Leave(CircuitBreaker breaker)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        lock (s_joined)
        {
            lock (_gate)
            {
                if (!_breakers.TryGetValue(breaker.Name, out var member) || !ReferenceEquals(member, breaker))
                {
                    return false;
                }

                _breakers.Remove(breaker.Name);
                _coordinator.Leave(breaker.Name);
            }

            if (s_joined.TryGetValue(breaker, out var owner) && ReferenceEquals(owner, this))
            {
                s_joined.Remove(breaker);
            }
        }

        return true;
    }


    private void SignalChanged() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Completes at the next heartbeat or message handled (for tests that wait for the fleet without sleeping).</summary>
    internal Task WhenChangedAsync() => Volatile.Read(ref _changed).Task;

    /// <summary>Carries out the coordinator's decisions on the breakers, outside the lock, and says what was done.</summary>
    private void Carry(List<FleetDecision> decisions)
    {
        foreach (var decision in decisions)
        {
            CircuitBreaker? breaker;
            lock (_gate)
            {
                _breakers.TryGetValue(decision.Breaker, out breaker);
            }

            if (breaker is null)
            {
                continue;
            }

            switch (decision.Kind)
            {
                case FleetDecisionKind.Trip:
                    var tripped = false;
                    try
                    {
                        tripped = breaker.Trip();
                    }
#pragma warning disable CA1031 // Trip delivers to listeners, which report their own failures; nothing may stop the fleet.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        Log.BreakerFailed(_logger, exception, breaker.Name);
                    }

                    lock (_gate)
                    {
                        _coordinator.Observe(breaker.Name, breaker.GetInfo());
                    }

                    if (tripped)
                    {
                        Log.QuorumOpened(_logger, breaker.Name, decision.Opened, decision.Live, decision.Quorum);
                    }

                    break;
                case FleetDecisionKind.EpisodeStarted:
                    var state = breaker.State.ToWireName();
                    Log.QuorumReached(_logger, breaker.Name, decision.Opened, decision.Live, decision.Quorum, state);
                    break;
                case FleetDecisionKind.EpisodeEnded:
                    Log.QuorumEnded(_logger, breaker.Name, decision.Opened, decision.Live, decision.Quorum);
                    break;
                case FleetDecisionKind.PolicyMismatch:
                    var theirs = FleetMessages.Truncate(decision.PeerPolicy, 300);
                    Log.PolicyMismatch(_logger, breaker.Name, decision.Peer!, theirs, breaker.GetInfo().Policy);
                    break;
            }
        }
    }
}
