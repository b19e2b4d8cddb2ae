using System.Globalization;
using Fluxgate.Redis.Internal;
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
/// allocation). A background heartbeat samples the joined breakers, publishes their states to Redis and reads the commands
/// in force; the other replicas' heartbeats arrive by pub/sub. When Redis is down, slow, emptied or answering garbage,
/// every breaker keeps working on its own, nothing is thrown at callers, warnings are logged at most once a minute, and the
/// fleet reconnects and republishes by itself.
/// </para>
/// <para>
/// Quorum: when at least <see cref="CircuitBreakerFleetOptions.QuorumOf"/> of the live replicas that joined a breaker have
/// opened it on their own evidence, the replicas where it is closed open it with <see cref="CircuitBreaker.Trip"/>, as if
/// their own tripper had fired. Each replica decides once per quorum episode: one that recovers (probes for itself, closes)
/// while the episode lasts is not opened again; the next episode begins when the quorum has been lost and reached again.
/// Breakers opened by the fleet, a person or a command never count towards a quorum.
/// </para>
/// </remarks>
public sealed class CircuitBreakerFleet : IAsyncDisposable, IDisposable
{
    /// <summary>The most other replicas one replica keeps track of; heartbeats of further ones are refused (a flood of forged replicas).</summary>
    internal const int MaxPeers = 10_000;

    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    private readonly IConnectionMultiplexer _connection;
    private readonly bool _ownsConnection;
    private readonly CircuitBreakerFleetOptions _options;
    private readonly FleetKeys _keys;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Throttle _redisWarnings;
    private readonly Throttle _messageWarnings;
    private readonly RedisChannel _channel;
#if NET9_0_OR_GREATER
    private readonly Lock _gate = new();
#else
    private readonly object _gate = new();
#endif
    private readonly Dictionary<string, Member> _members = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Peer> _peers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _tick = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _stoppingToken;
    private readonly Task _loop;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ChannelMessageQueue? _subscription;
    private bool _redisDown;
    private int _disposed;
    private int _refused;

    /// <summary>Joins the fleet through an existing connection, which the caller keeps and disposes.</summary>
    /// <param name="connection">The Redis connection (configured with <c>abortConnect=false</c>, so it reconnects by itself).</param>
    /// <param name="options">The fleet's options; copied.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CircuitBreakerFleetOptions.ReplicaTimeout"/> is shorter than two heartbeats.</exception>
    public CircuitBreakerFleet(IConnectionMultiplexer connection, CircuitBreakerFleetOptions options)
        : this(connection, options, ownsConnection: false)
    {
    }

    private CircuitBreakerFleet(IConnectionMultiplexer connection, CircuitBreakerFleetOptions options, bool ownsConnection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Snapshot();
        _connection = connection;
        _ownsConnection = ownsConnection;
        _keys = new FleetKeys(_options.Application);
        _clock = _options.TimeProvider;
        _logger = _options.Logger;
        _redisWarnings = new Throttle(_clock, WarningInterval);
        _messageWarnings = new Throttle(_clock, WarningInterval);
        _channel = RedisChannel.Literal(_keys.Channel);
        _stoppingToken = _stopping.Token;
        _connection.ConnectionRestored += OnConnectionRestored;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Gets the application whose fleet this replica belongs to.</summary>
    public string Application => _options.Application;

    /// <summary>Gets this replica's name in the fleet.</summary>
    public string ReplicaId => _options.ReplicaId!;

    /// <summary>Gets the breakers this replica joined.</summary>
    public IReadOnlyCollection<CircuitBreaker> Breakers
    {
        get
        {
            lock (_gate)
            {
                return [.. _members.Values.Select(m => m.Breaker)];
            }
        }
    }

    /// <summary>Connects to Redis and joins the fleet; the fleet owns the connection and disposes it.</summary>
    /// <param name="configuration">A StackExchange.Redis configuration string, e.g. <c>redis.internal:6379,user=fluxgate,password=…,ssl=true</c>; <c>abortConnect</c> is set to false.</param>
    /// <param name="options">The fleet's options.</param>
    /// <param name="cancellationToken">Stops waiting for the first connection attempt.</param>
    /// <returns>The fleet, connected or reconnecting in the background (a Redis that is down does not fail this call).</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="configuration"/> is not a valid configuration string.</exception>
#pragma warning disable RS0026 // Both ConnectAsync overloads end with "CancellationToken cancellationToken = default", as .NET's async APIs do.
    public static Task<CircuitBreakerFleet> ConnectAsync(string configuration, CircuitBreakerFleetOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return ConnectAsync(ConfigurationOptions.Parse(configuration), options, cancellationToken);
    }

    /// <summary>Connects to Redis with <paramref name="configuration"/> (user, password, TLS and all) and joins the fleet; the fleet owns the connection.</summary>
    /// <param name="configuration">The connection's configuration; <c>AbortOnConnectFail</c> is set to false on it.</param>
    /// <param name="options">The fleet's options.</param>
    /// <param name="cancellationToken">Stops waiting for the first connection attempt.</param>
    /// <returns>The fleet, connected or reconnecting in the background.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static async Task<CircuitBreakerFleet> ConnectAsync(ConfigurationOptions configuration, CircuitBreakerFleetOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        options.Snapshot(); // validate before connecting
        configuration.AbortOnConnectFail = false;
        var connecting = ConnectionMultiplexer.ConnectAsync(configuration);
        try
        {
            return new CircuitBreakerFleet(await connecting.WaitAsync(cancellationToken).ConfigureAwait(false), options, ownsConnection: true);
        }
        catch (OperationCanceledException)
        {
            // The caller stopped waiting; the connection may still come: close it then.
            _ = connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }
    }
#pragma warning restore RS0026

    /// <summary>Joins the fleet through a connection the fleet owns and disposes (for the container's registration).</summary>
    internal static CircuitBreakerFleet Owning(IConnectionMultiplexer connection, CircuitBreakerFleetOptions options) => new(connection, options, ownsConnection: true);

    /// <summary>Joins <paramref name="breaker"/> to the fleet under its name; joining the same breaker again does nothing.</summary>
    /// <param name="breaker">The breaker.</param>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Another breaker with the same name (ignoring case) already joined, or the name is longer than 400 characters.</exception>
    /// <exception cref="ObjectDisposedException">The fleet was disposed.</exception>
    public void Join(CircuitBreaker breaker)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (breaker.Name.Length > FleetMessages.MaxBreakerName)
        {
            throw new ArgumentException($"A breaker's name must be at most {FleetMessages.MaxBreakerName} characters to join a fleet; '{breaker.Name[..40]}…' has {breaker.Name.Length}.", nameof(breaker));
        }

        lock (_gate)
        {
            if (_members.TryGetValue(breaker.Name, out var existing))
            {
                if (ReferenceEquals(existing.Breaker, breaker))
                {
                    return;
                }

                throw new ArgumentException($"Another breaker named '{existing.Breaker.Name}' already joined this fleet; a replica joins one breaker per name.", nameof(breaker));
            }

            var member = new Member(breaker);
            Sample(member);
            _members.Add(breaker.Name, member);
        }

        Log.Joined(_logger, ReplicaId, Application, breaker.Name);

        // Apply a stored command and publish without waiting for the next heartbeat.
        _ = Task.Run(() => TickAsync(_stoppingToken));
    }

    /// <summary>Takes <paramref name="breaker"/> out of the fleet: it is no longer published, counted or commanded.</summary>
    /// <param name="breaker">The breaker.</param>
    /// <returns><see langword="true"/> when it had joined.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> is <see langword="null"/>.</exception>
    public bool Leave(CircuitBreaker breaker)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        lock (_gate)
        {
            return _members.TryGetValue(breaker.Name, out var member) && ReferenceEquals(member.Breaker, breaker) && _members.Remove(breaker.Name);
        }
    }

    /// <summary>Forces the breaker open on every replica, now and on replicas that join or reconnect later, until another command.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>A task that completes when the command is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="RedisException">Redis is unavailable: the command was not stored.</exception>
    public Task ForceOpenAsync(string breakerName, CancellationToken cancellationToken = default) => CommandAsync(breakerName, FleetCommand.ForceOpen, cancellationToken);

    /// <summary>Disables the breaker on every replica, now and later, until another command.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>A task that completes when the command is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="RedisException">Redis is unavailable: the command was not stored.</exception>
    public Task DisableAsync(string breakerName, CancellationToken cancellationToken = default) => CommandAsync(breakerName, FleetCommand.Disable, cancellationToken);

    /// <summary>Switches the breaker to metrics-only on every replica, now and later, until another command.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>A task that completes when the command is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="RedisException">Redis is unavailable: the command was not stored.</exception>
    public Task MetricsOnlyAsync(string breakerName, CancellationToken cancellationToken = default) => CommandAsync(breakerName, FleetCommand.MetricsOnly, cancellationToken);

    /// <summary>Resets the breaker on every replica (closed, counters cleared) and ends the command in force: replicas that reconnect later reset too.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>A task that completes when the command is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="RedisException">Redis is unavailable: the command was not stored.</exception>
    public Task ResetAsync(string breakerName, CancellationToken cancellationToken = default) => CommandAsync(breakerName, FleetCommand.Reset, cancellationToken);

    /// <summary>Gives <paramref name="command"/> to the breaker on every replica: stored (the last command of each breaker is kept), published, and applied here at once if this replica joined it.</summary>
    /// <param name="breakerName">The breaker's name; it need not have joined here (an admin tool may command any breaker).</param>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>A task that completes when the command is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="command"/> is not a defined command.</exception>
    /// <exception cref="RedisException">Redis is unavailable: the command was not stored.</exception>
    public async Task CommandAsync(string breakerName, FleetCommand command, CancellationToken cancellationToken = default)
    {
        CheckBreakerName(breakerName);
        if (!Enum.IsDefined(command))
        {
            throw new ArgumentOutOfRangeException(nameof(command), command, "Must be ForceOpen, Disable, MetricsOnly or Reset.");
        }

        var message = new CommandMessage(breakerName, command, Guid.NewGuid().ToString("N"), _clock.GetUtcNow().ToUnixTimeMilliseconds(), ReplicaId);
        var payload = FleetMessages.WriteCommand(message);
        var database = _connection.GetDatabase();
        await database.StringSetAsync(_keys.Command(Normalize(breakerName)), payload).WaitAsync(cancellationToken).ConfigureAwait(false);
        await _connection.GetSubscriber().PublishAsync(_channel, payload).WaitAsync(cancellationToken).ConfigureAwait(false);
        Apply(message);
    }

    /// <summary>Reads the fleet's view of one breaker from Redis: every replica that reports it, its state and counts, when it was last heard, and the command in force.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>The view; records Redis holds that fail validation are left out.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="RedisException">Redis is unavailable.</exception>
    public async Task<FleetView> GetViewAsync(string breakerName, CancellationToken cancellationToken = default)
    {
        CheckBreakerName(breakerName);
        var database = _connection.GetDatabase();
        var ids = await database.SortedSetRangeByRankAsync(_keys.Replicas).WaitAsync(cancellationToken).ConfigureAwait(false);
        var keys = ids.Where(id => !id.IsNullOrEmpty).Select(id => (RedisKey)_keys.Replica(id.ToString())).ToArray();
        var records = keys.Length == 0 ? [] : await database.StringGetAsync(keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        var command = await database.StringGetAsync(_keys.Command(Normalize(breakerName))).WaitAsync(cancellationToken).ConfigureAwait(false);

        var nowMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var timeoutMs = (long)_options.ReplicaTimeout.TotalMilliseconds;
        var replicas = new List<ReplicaView>();
        foreach (var record in records)
        {
            if (record.IsNullOrEmpty || FleetMessages.Read((byte[])record!) is not { State: { } report })
            {
                continue;
            }

            foreach (var breaker in report.Breakers)
            {
                if (string.Equals(breaker.Name, breakerName, StringComparison.OrdinalIgnoreCase))
                {
                    replicas.Add(new ReplicaView(
                        report.ReplicaId,
                        Math.Abs(nowMs - report.AtMs) <= timeoutMs,
                        DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(report.AtMs, MaxUnixMs)),
                        breaker.State,
                        DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(breaker.SinceMs, MaxUnixMs)),
                        breaker.Total,
                        breaker.Failures,
                        breaker.Own));
                }
            }
        }

        replicas.Sort(static (a, b) => string.CompareOrdinal(a.ReplicaId, b.ReplicaId));
        var last = command.IsNullOrEmpty || FleetMessages.Read((byte[])command!) is not { Command: { } stored }
            ? null
            : new FleetCommandRecord(stored.Command, DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(stored.AtMs, MaxUnixMs)), stored.By, stored.Id);
        return new FleetView(breakerName, replicas, last, _options.QuorumOf(replicas.Count(r => r.IsLive)));
    }

    /// <summary>Stops the heartbeat, tells the other replicas this one left, and disposes the connection if the fleet opened it. The breakers keep working on their own.</summary>
    /// <returns>A task that completes when the fleet has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_gate)
        {
            // Messages still buffered by the client must not reach the breakers any more.
            _members.Clear();
        }

        _connection.ConnectionRestored -= OnConnectionRestored;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _tick.WaitAsync().ConfigureAwait(false);
        try
        {
            // Best effort and without waiting: the others drop this replica at once instead of after the replica timeout.
            var database = _connection.GetDatabase();
            _connection.GetSubscriber().Publish(_channel, FleetMessages.WriteLeave(ReplicaId), CommandFlags.FireAndForget);
            database.KeyDelete(_keys.Replica(ReplicaId), CommandFlags.FireAndForget);
            database.SortedSetRemove(_keys.Replicas, ReplicaId, CommandFlags.FireAndForget);
            _subscription?.Unsubscribe(CommandFlags.FireAndForget);
        }
#pragma warning disable CA1031 // Leaving is a courtesy: a Redis that is gone cannot be told.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            _tick.Release();
        }

        if (_ownsConnection)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        // _stopping is not disposed: a heartbeat started by Join or a reconnection may still read its token.
    }

    /// <summary>As <see cref="DisposeAsync"/>, for containers and callers that dispose synchronously.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One heartbeat: sample the joined breakers, drop replicas not heard in time, decide quorums, publish, and read the commands in force. Never throws.</summary>
    internal async Task TickAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _tick.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var operation = "subscribe";
        try
        {
            List<Decision> decisions;
            lock (_gate)
            {
                var now = _clock.GetTimestamp();
                foreach (var (id, peer) in _peers.ToList())
                {
                    if (_clock.GetElapsedTime(peer.HeardAt, now) > _options.ReplicaTimeout)
                    {
                        _peers.Remove(id);
                    }
                }

                decisions = DecideAll_NeedsLock(now);
            }

            Carry(decisions);

            if (_subscription is null)
            {
                await SubscribeAsync(cancellationToken).ConfigureAwait(false);
            }

            operation = "publish";
            await PublishAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            operation = "read commands";
            await ReadCommandsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_redisDown)
            {
                _redisDown = false;
                _redisWarnings.Reset();
                Log.RedisRestored(_logger, operation);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Whatever Redis does, the heartbeat carries on; the breakers never see it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _redisDown = true;
            if (_redisWarnings.TryEnter(out var suppressed))
            {
                Log.RedisUnavailable(_logger, operation, $"{exception.GetType().Name}: {exception.Message}", suppressed);
            }
        }
        finally
        {
            _tick.Release();
            SignalChanged();
        }
    }

    /// <summary>Completes at the next heartbeat or message handled (for tests that wait for the fleet without sleeping).</summary>
    internal Task WhenChangedAsync() => Volatile.Read(ref _changed).Task;

    /// <summary>Gets the other replicas this one has heard (for tests that wait until a heartbeat has arrived).</summary>
    internal IReadOnlyCollection<string> PeersHeard
    {
        get
        {
            lock (_gate)
            {
                return [.. _peers.Keys];
            }
        }
    }

    /// <summary>Gets whether every other replica known here was heard at or after <paramref name="timestamp"/> (for tests that move a fake clock).</summary>
    internal bool AllPeersHeardSince(long timestamp)
    {
        lock (_gate)
        {
            return _peers.Values.All(p => p.HeardAt >= timestamp);
        }
    }

    /// <summary>Gets how many other replicas last reported <paramref name="breakerName"/> open on their own evidence (for tests).</summary>
    internal int PeersOpenOnOwnEvidence(string breakerName)
    {
        lock (_gate)
        {
            return _peers.Values.Count(p => p.Breakers.TryGetValue(breakerName, out var report) && report.Own);
        }
    }

    /// <summary>Handles a message as if it came from the channel (for tests of validation).</summary>
    internal void Receive(ReadOnlyMemory<byte> payload) => Handle(payload);

    private static string Normalize(string breakerName) => breakerName.ToLowerInvariant();

    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private static void CheckBreakerName(string breakerName)
    {
        ArgumentNullException.ThrowIfNull(breakerName);
        if (breakerName.Length is 0 or > FleetMessages.MaxBreakerName)
        {
            throw new ArgumentException($"A breaker's name has 1 to {FleetMessages.MaxBreakerName} characters.", nameof(breakerName));
        }
    }

    private async Task RunAsync()
    {
        var stopping = _stoppingToken;
        while (!stopping.IsCancellationRequested)
        {
            await TickAsync(stopping).ConfigureAwait(false);
            try
            {
                await Task.Delay(_options.HeartbeatInterval, _clock, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Subscribes to the channel, once. A queue, not a handler: messages are handled one at a time, in the order the channel carried them.</summary>
    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        if (!_connection.IsConnected)
        {
            throw new InvalidOperationException("not connected");
        }

        var subscriber = _connection.GetSubscriber();
        try
        {
            var subscription = await subscriber.SubscribeAsync(_channel).WaitAsync(cancellationToken).ConfigureAwait(false);
            subscription.OnMessage(message => OnMessage(message.Message));
            _subscription = subscription;
        }
        catch
        {
            // The client registers a queue before the server confirms it: drop it, or each failed attempt would leave one
            // that buffers every message of the channel once the connection comes back.
            try
            {
                await subscriber.UnsubscribeAsync(_channel, null, CommandFlags.FireAndForget).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Best effort; the original failure is what the heartbeat reports.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            throw;
        }
    }

    private async Task PublishAsync()
    {
        ReplicaReport report;
        lock (_gate)
        {
            var breakers = new List<BreakerReport>(_members.Count);
            foreach (var member in _members.Values)
            {
                Sample(member);
                breakers.Add(new BreakerReport(member.Breaker.Name, member.State, member.ChangedAt.ToUnixTimeMilliseconds(), member.Total, member.Failures, member.OwnOpen));
            }

            report = new ReplicaReport(ReplicaId, _clock.GetUtcNow().ToUnixTimeMilliseconds(), breakers);
        }

        var payload = FleetMessages.WriteState(report);

        // The record outlives the replica timeout by far: it serves views and tools, liveness is decided by timestamps.
        var keep = TimeSpan.FromTicks(Math.Max(10 * _options.ReplicaTimeout.Ticks, TimeSpan.FromMinutes(1).Ticks));
        var database = _connection.GetDatabase();
        await Task.WhenAll(
            database.StringSetAsync(_keys.Replica(ReplicaId), payload, keep),
            database.SortedSetAddAsync(_keys.Replicas, ReplicaId, report.AtMs),
            database.SortedSetRemoveRangeByScoreAsync(_keys.Replicas, double.NegativeInfinity, report.AtMs - keep.TotalMilliseconds),
            _connection.GetSubscriber().PublishAsync(_channel, payload)).ConfigureAwait(false);
    }

    private async Task ReadCommandsAsync()
    {
        string[] names;
        int[] versions;
        lock (_gate)
        {
            names = [.. _members.Keys];
            versions = [.. names.Select(n => _members[n].CommandVersion)];
        }

        if (names.Length == 0)
        {
            return;
        }

        var values = await _connection.GetDatabase().StringGetAsync([.. names.Select(n => (RedisKey)_keys.Command(Normalize(n)))]).ConfigureAwait(false);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].IsNullOrEmpty)
            {
                continue;
            }

            var parsed = FleetMessages.Read((byte[])values[i]!);
            if (parsed.Command is { } command && string.Equals(command.Breaker, names[i], StringComparison.OrdinalIgnoreCase))
            {
                // A command message handled while this read was on its way may be newer than what was read: then the read
                // is stale, and the next heartbeat reads again.
                Apply(command, fromStorage: true, versions[i]);
            }
            else
            {
                Refused(parsed.Error ?? "the stored command names another breaker");
            }
        }
    }

    private void OnMessage(RedisValue value)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            Handle(value.IsNull ? ReadOnlyMemory<byte>.Empty : (byte[])value!);
        }
        finally
        {
            SignalChanged();
        }
    }

    private void Handle(ReadOnlyMemory<byte> payload)
    {
        var parsed = FleetMessages.Read(payload);
        if (parsed.Error is { } error)
        {
            Refused(error);
            return;
        }

        List<Decision>? decisions = null;
        if (parsed.State is { } report && report.ReplicaId != ReplicaId)
        {
            lock (_gate)
            {
                if (_peers.Count >= MaxPeers && !_peers.ContainsKey(report.ReplicaId))
                {
                    decisions = null;
                    Refused($"more than {MaxPeers} replicas; heartbeat of '{report.ReplicaId}' ignored");
                    return;
                }

                // Only the breakers this replica joined matter here: a heartbeat of 10,000 others costs nothing to keep.
                var breakers = new Dictionary<string, BreakerReport>(StringComparer.OrdinalIgnoreCase);
                foreach (var breaker in report.Breakers)
                {
                    if (_members.ContainsKey(breaker.Name))
                    {
                        breakers[breaker.Name] = breaker;
                    }
                }

                var now = _clock.GetTimestamp();
                _peers[report.ReplicaId] = new Peer(now, breakers);
                decisions = DecideAll_NeedsLock(now, sample: false);
            }
        }
        else if (parsed.Leaving is { } leaving && leaving != ReplicaId)
        {
            lock (_gate)
            {
                decisions = _peers.Remove(leaving) ? DecideAll_NeedsLock(_clock.GetTimestamp(), sample: false) : null;
            }
        }
        else if (parsed.Command is { } command)
        {
            Apply(command);
        }

        if (decisions is not null)
        {
            Carry(decisions);
        }
    }

    /// <summary>Gets how many messages read from Redis were refused (for tests).</summary>
    internal int RefusedMessages => Volatile.Read(ref _refused);

    private void Refused(string reason)
    {
        Interlocked.Increment(ref _refused);
        if (_messageWarnings.TryEnter(out var suppressed))
        {
            Log.MessageRefused(_logger, reason, suppressed);
        }
    }

    /// <summary>Decides every joined breaker's quorum; returns what to do outside the lock.</summary>
    /// <param name="now">The clock's timestamp.</param>
    /// <param name="sample">Whether to read the breakers' states first (heartbeats do; messages use the last reading and the lock-free state).</param>
    private List<Decision> DecideAll_NeedsLock(long now, bool sample = true)
    {
        var decisions = new List<Decision>();
        foreach (var member in _members.Values)
        {
            if (sample)
            {
                Sample(member);
            }

            var live = 1;
            var opened = member.OwnOpen ? 1 : 0;
            foreach (var peer in _peers.Values)
            {
                if (_clock.GetElapsedTime(peer.HeardAt, now) <= _options.ReplicaTimeout && peer.Breakers.TryGetValue(member.Breaker.Name, out var report))
                {
                    live++;
                    opened += report.Own ? 1 : 0;
                }
            }

            var quorum = _options.QuorumOf(live);
            if (opened >= quorum)
            {
                member.QuorumLostAt = null;
                if (!member.InEpisode)
                {
                    // Decided once per episode: a replica that recovers while the episode lasts is left alone.
                    member.InEpisode = true;
                    if (member.Breaker.State == CircuitState.Closed)
                    {
                        member.PendingTrip = true;
                        decisions.Add(new Decision(member, Trip: true, opened, live, quorum));
                    }
                }
            }
            else if (member.InEpisode)
            {
                // The episode ends only when the quorum has stayed lost for a replica timeout, with Redis answering: a quorum
                // replica that closes between two failed probes, a late heartbeat, or Redis itself being away (every peer
                // looks dead) is not a new incident, and must not open the replicas that recovered once more.
                // While Redis is away the hold starts over: after it comes back, the replicas get a full timeout to be heard.
                member.QuorumLostAt = _redisDown ? now : member.QuorumLostAt ?? now;
                if (!_redisDown && _clock.GetElapsedTime(member.QuorumLostAt.Value, now) >= _options.ReplicaTimeout)
                {
                    member.InEpisode = false;
                    member.QuorumLostAt = null;
                    decisions.Add(new Decision(member, Trip: false, opened, live, quorum));
                }
            }
        }

        return decisions;
    }

    private void Carry(List<Decision> decisions)
    {
        foreach (var decision in decisions)
        {
            var member = decision.Member;
            var name = member.Breaker.Name;
            if (!decision.Trip)
            {
                Log.QuorumEnded(_logger, name, decision.Opened, decision.Live, decision.Quorum);
                continue;
            }

            var tripped = false;
            DateTimeOffset? trippedAt = null;
            try
            {
                tripped = member.Breaker.Trip();
                trippedAt = tripped ? member.Breaker.GetInfo().ChangedAt : null;
            }
#pragma warning disable CA1031 // Trip delivers to listeners, which report their own failures; nothing may stop the fleet.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.BreakerFailed(_logger, exception, name);
            }

            lock (_gate)
            {
                // While the trip was pending, an open period read in between was taken for the fleet's (never counted):
                // now that the trip's own period is known, read the state again and attribute it exactly.
                member.PendingTrip = false;
                member.TrippedAt = trippedAt ?? member.TrippedAt;
                member.Sampled = false;
                Sample(member);
            }

            if (tripped)
            {
                Log.QuorumOpened(_logger, name, decision.Opened, decision.Live, decision.Quorum);
            }
        }
    }

    /// <summary>Applies a command once (by its id) to the breaker it names, if this replica joined it.</summary>
    /// <param name="command">The command.</param>
    /// <param name="fromStorage">Whether it was read from storage (a replica catching up) rather than heard or given now.</param>
    /// <param name="readAtVersion">For a command read from storage: the member's command version when the read was sent; the command is skipped if another was applied since.</param>
    private void Apply(CommandMessage command, bool fromStorage = false, int? readAtVersion = null)
    {
        Member? member;
        lock (_gate)
        {
            if (!_members.TryGetValue(command.Breaker, out member) || member.AppliedCommands.Contains(command.Id) || (readAtVersion is { } version && version != member.CommandVersion))
            {
                return;
            }

            member.AppliedCommands.Enqueue(command.Id);
            if (member.AppliedCommands.Count > 32)
            {
                member.AppliedCommands.Dequeue();
            }

            member.CommandVersion++;

            // A stored reset that a replica reads when it catches up ends a command it missed (its breaker is in a state a
            // command sets); it does not close a breaker that is open on its own evidence, or reset one that just joined.
            if (fromStorage && command.Command == FleetCommand.Reset && member.Breaker.State is not (CircuitState.ForcedOpen or CircuitState.Disabled or CircuitState.MetricsOnly))
            {
                return;
            }
        }

        try
        {
            switch (command.Command)
            {
                case FleetCommand.ForceOpen:
                    member.Breaker.ForceOpen();
                    break;
                case FleetCommand.Disable:
                    member.Breaker.Disable();
                    break;
                case FleetCommand.MetricsOnly:
                    member.Breaker.MetricsOnly();
                    break;
                default:
                    member.Breaker.Reset();
                    break;
            }
        }
#pragma warning disable CA1031 // As in Carry.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.BreakerFailed(_logger, exception, member.Breaker.Name);
        }

        Log.CommandApplied(_logger, FleetMessages.CommandName(command.Command), member.Breaker.Name, command.By);
    }

    /// <summary>Reads the breaker's state and works out whether an open or half-open state is its own evidence.</summary>
    private static void Sample(Member member)
    {
        var info = member.Breaker.GetInfo();
        member.Total = info.Metrics.TotalCount;
        member.Failures = info.Metrics.FailureCount;
        if (member.Sampled && info.State == member.State && info.ChangedAt == member.ChangedAt)
        {
            return;
        }

        var wasOpenCycle = member.Sampled && member.State is CircuitState.Open or CircuitState.HalfOpen;
        switch (info.State)
        {
            case CircuitState.Open:
            case CircuitState.HalfOpen when !wasOpenCycle:
                // A new open period: the fleet's trip (pending, or the period it began), or the breaker's own tripper (from
                // closed, or a failed probe). In doubt it is the fleet's: counting a fleet-made open as evidence could
                // keep the fleet open by itself, not counting an own one only delays a quorum by a heartbeat.
                member.Origin = member.PendingTrip || info.ChangedAt == member.TrippedAt ? Origin.Fleet : Origin.Own;
                break;
            case CircuitState.HalfOpen:
                break; // probing after an open: the open's origin carries over
            default:
                member.Origin = Origin.None;
                break;
        }

        member.State = info.State;
        member.ChangedAt = info.ChangedAt;
        member.Sampled = true;
    }

    private void SignalChanged() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _ = Task.Run(() => TickAsync(_stoppingToken));
        }
    }

    private enum Origin
    {
        None,
        Own,
        Fleet,
    }

    private readonly record struct Decision(Member Member, bool Trip, int Opened, int Live, int Quorum);

    /// <summary>Another replica, as last heard: when (this replica's clock), and its breakers.</summary>
    private sealed record Peer(long HeardAt, Dictionary<string, BreakerReport> Breakers);

    /// <summary>A joined breaker and what the fleet knows of it; guarded by the fleet's lock.</summary>
    private sealed class Member(CircuitBreaker breaker)
    {
        public CircuitBreaker Breaker { get; } = breaker;

        public bool Sampled { get; set; }

        public CircuitState State { get; set; }

        public DateTimeOffset ChangedAt { get; set; }

        public long Total { get; set; }

        public long Failures { get; set; }

        public Origin Origin { get; set; }

        /// <summary>The fleet is about to trip the breaker: an open period seen meanwhile is taken for the fleet's doing.</summary>
        public bool PendingTrip { get; set; }

        /// <summary>When the open period the fleet's last trip began started: that period is the fleet's, not the breaker's evidence.</summary>
        public DateTimeOffset? TrippedAt { get; set; }

        public bool InEpisode { get; set; }

        /// <summary>When the quorum was first seen lost in the current episode.</summary>
        public long? QuorumLostAt { get; set; }

        /// <summary>The ids of the last commands applied (an issuer's own echo, or a command heard twice, is applied once).</summary>
        public Queue<string> AppliedCommands { get; } = new();

        /// <summary>Counts the commands applied, so a command read from storage can tell it was overtaken by a newer one.</summary>
        public int CommandVersion { get; set; }

        public bool OwnOpen => Origin == Origin.Own && State is CircuitState.Open or CircuitState.HalfOpen;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Breaker.Name}: {State} ({Origin})");
    }
}
