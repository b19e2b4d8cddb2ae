using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Fluxgate.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Fluxgate.AspNetCore.Internal;

/// <summary>
/// The dashboard's state in one container: the breakers it shows, one sampler that reads them while pages are connected,
/// the connected streams, the ring of recent events that a reconnecting page resumes from, and the audit of control.
/// </summary>
/// <remarks>
/// <para>
/// <b>No work on calls.</b> Nothing listens to the breakers: one timer (from the container's <see cref="TimeProvider"/>)
/// reads every breaker's <see cref="CircuitBreaker.GetInfo"/> each <see cref="FluxgateDashboardOptions.SampleInterval"/>,
/// and only while a stream is connected (and for <see cref="Linger"/> after the last one left, so that a page that
/// reconnects resumes instead of starting again). Transitions are found by <see cref="CircuitBreakerInfo.Sequence"/>
/// and told from <see cref="CircuitBreakerInfo.RecentTransitions"/> (the last ten; a gap is counted in
/// <c>missedBefore</c>).
/// </para>
/// <para>
/// <b>One serialization per event.</b> Each event is serialized once into the bytes of its SSE frame, which every stream
/// shares. A stream has a bounded queue: a client that falls <see cref="FluxgateDashboardOptions.MaxQueuedEventsPerStream"/>
/// events behind is closed (it reconnects with <c>Last-Event-ID</c>), never buffered without limit.
/// </para>
/// <para>
/// <b>Event ids</b> increase across restarts of the process (they start at the clock's Unix milliseconds × 1000). The
/// ring keeps the last <see cref="RingCapacity"/> transitions, additions, removals, fleet changes and control actions; a
/// stream that resumes from an id still covered gets what it missed (and the latest figures), any other a new snapshot.
/// </para>
/// <para>
/// Locks: <c>_gate</c> guards the streams, the ring, the ids and the sampler's running state; <c>_sampleLock</c> the
/// sampler's own state (one sample at a time). A sample takes <c>_gate</c> inside <c>_sampleLock</c>, never the reverse.
/// </para>
/// </remarks>
internal sealed class DashboardHub : IDisposable
{
    /// <summary>How many replayable events the ring keeps for resuming streams.</summary>
    internal const int RingCapacity = 1_024;

    /// <summary>How many control actions a snapshot carries.</summary>
    internal const int AuditKept = 50;

    /// <summary>Every this many samples, a <c>metrics</c> event carries every breaker, changed or not.</summary>
    internal const int FullMetricsEvery = 10;

    /// <summary>How many fleet views one refresh reads at most (round robin over the joined breakers).</summary>
    internal const int FleetViewsPerRound = 100;

    /// <summary>How often the fleet views of the joined breakers are read while a stream is connected.</summary>
    internal static readonly TimeSpan FleetRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long the sampler keeps running after the last stream left, so that a page that reconnects resumes.</summary>
    internal static readonly TimeSpan Linger = TimeSpan.FromSeconds(30);

    private readonly Lazy<BreakerCatalog> _catalog;
    private readonly Lazy<CircuitBreakerFleet?> _fleet;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FluxgateDashboardOptions _options;

    // Guarded by _gate.
    private readonly object _gate = new();
    private readonly List<DashboardStream> _streams = [];
    private readonly Queue<(long Id, byte[] Frame)> _ring = new();
    private readonly Queue<AuditDto> _audit = new();
    private long _ringFloor;
    private long _lastId;
    private bool _running;
    private long _generation;
    private ITimer? _timer;
    private Baseline? _baseline;
    private FiguresDto[] _latestFigures = [];
    private long? _idleSince;
    private bool _disposed;
    private int _resumes;

    // Guarded by _sampleLock.
    private readonly object _sampleLock = new();
    private readonly Dictionary<CircuitBreaker, Tracker> _trackers = new(ReferenceEqualityComparer.Instance);
    private long _samples;
    private long _lastHeartbeat;
    private long? _lastFleetRefresh;
    private Task _fleetRefresh = Task.CompletedTask;
    private int _fleetCursor;

    // The last fleet view read per breaker, with its JSON (to tell a change).
    private readonly ConcurrentDictionary<string, (FleetDto View, byte[] Json)> _fleetViews = new(StringComparer.OrdinalIgnoreCase);

    public DashboardHub(IServiceProvider services)
        : this(
            services.GetService<IOptions<FluxgateDashboardOptions>>()?.Value ?? new FluxgateDashboardOptions(),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>()?.CreateLogger(Log.Category) ?? NullLogger.Instance,
            () => services.GetService<CircuitBreakerRegistry>(),
            () => services.GetService<CircuitBreakerFleet>())
    {
    }

    internal DashboardHub(FluxgateDashboardOptions options, TimeProvider time, ILogger logger, Func<CircuitBreakerRegistry?> registry, Func<CircuitBreakerFleet?> fleet)
    {
        _options = options;
        _time = time;
        _logger = logger;
        var breakers = options.Breakers.ToArray();
        _catalog = new Lazy<BreakerCatalog>(() => new BreakerCatalog(registry(), breakers, logger));
        _fleet = new Lazy<CircuitBreakerFleet?>(fleet);
        _lastId = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), 0) * 1000;
        _ringFloor = _lastId;
    }

    public FluxgateDashboardOptions Options => _options;

    public TimeProvider Time => _time;

    public ILogger Logger => _logger;

    /// <summary>Gets the fleet registered in the container, if any.</summary>
    public CircuitBreakerFleet? Fleet => _fleet.Value;

    /// <summary>Gets how many streams are connected (for tests).</summary>
    internal int StreamCount
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>Gets how many streams resumed from the ring instead of starting from a snapshot (for tests).</summary>
    internal int Resumes => Volatile.Read(ref _resumes);

    /// <summary>Gets whether the sampler runs (for tests).</summary>
    internal bool IsSampling
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    public CircuitBreaker? Find(string name) => _catalog.Value.Find(name);

    public bool InFleet(CircuitBreaker breaker) => Fleet is { } fleet && fleet.Breakers.Contains(breaker);

    /// <summary>Every breaker, ordered by name, as <c>GET api/breakers</c> shows them.</summary>
    public BreakerDto[] ReadAll()
    {
        var joined = Joined();
        var now = _time.GetUtcNow();
        return [.. _catalog.Value.Snapshot().Select(b => Read(b, b.GetInfo(), now, joined))];
    }

    /// <summary>One breaker, as <c>GET api/breakers/{name}</c> shows it.</summary>
    public BreakerDto Read(CircuitBreaker breaker) => Read(breaker, breaker.GetInfo(), _time.GetUtcNow(), Joined());

    /// <summary>Maps a fleet view to its JSON shape.</summary>
    public static FleetDto ToDto(CircuitBreakerFleet fleet, FleetView view) => new(
        view.BreakerName,
        fleet.Application,
        fleet.ReplicaId,
        fleet.IsCoordinating,
        view.LiveReplicas,
        view.OpenedOnOwnEvidence,
        view.Quorum,
        view.PoliciesDiffer,
        [.. view.Replicas.Select(static r => new ReplicaDto(r.ReplicaId, r.IsLive, r.LastHeard.UtcDateTime, r.State.ToWireName(), r.Since.UtcDateTime, r.Cause.ToWireName(), r.TotalCount, r.FailureCount, r.OpenedOnOwnEvidence, r.Policy))],
        view.LastCommand is { } command ? new FleetCommandDto(command.Command.ToWireName(), command.IssuedAt.UtcDateTime, command.IssuedBy, command.Id) : null);

    /// <summary>
    /// Connects a stream: its first frames are a snapshot (or, when <paramref name="lastEventId"/> is still covered by the
    /// ring, the events after it and the latest figures). Returns <see langword="null"/> when
    /// <see cref="FluxgateDashboardOptions.MaxStreams"/> streams are connected already.
    /// </summary>
    public DashboardStream? Connect(long? lastEventId, bool control, string connectionId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_streams.Count >= _options.MaxStreams)
            {
                Log.StreamRefused(_logger, _options.MaxStreams);
                return null;
            }

            var stream = new DashboardStream(_options.MaxQueuedEventsPerStream, connectionId);
            if (!TryResume(stream, lastEventId))
            {
                var now = _time.GetUtcNow();
                var joined = Joined();
                var breakers = _catalog.Value.Snapshot();
                var infos = new Dictionary<CircuitBreaker, CircuitBreakerInfo>(breakers.Length, ReferenceEqualityComparer.Instance);
                foreach (var breaker in breakers)
                {
                    infos[breaker] = breaker.GetInfo();
                }

                if (!_running)
                {
                    Start(new Baseline(infos, _time.GetTimestamp(), now));
                }

                var snapshot = new SnapshotEvent(now.UtcDateTime, control, [.. breakers.Select(b => Read(b, infos[b], now, joined))], [.. _audit]);
                stream.TryWrite(Frame(++_lastId, "snapshot", Serialize(snapshot, DashboardJsonContext.Default.SnapshotEvent)));
            }

            _streams.Add(stream);
            _idleSince = null;
            return stream;
        }
    }

    /// <summary>Disconnects a stream (its client left, or it was dropped); the last one stops the sampler.</summary>
    public void Disconnect(DashboardStream stream)
    {
        lock (_gate)
        {
            if (_streams.Remove(stream) && _streams.Count == 0)
            {
                _idleSince = _time.GetTimestamp();
            }
        }
    }

    /// <summary>Records a control action: kept for the snapshots of pages that connect later, and told to the connected ones now.</summary>
    public void Audit(AuditDto audit)
    {
        var frame = Serialize(audit, DashboardJsonContext.Default.AuditDto);
        List<DashboardStream>? dropped;
        lock (_gate)
        {
            _audit.Enqueue(audit);
            while (_audit.Count > AuditKept)
            {
                _audit.Dequeue();
            }

            if (!_running)
            {
                return;
            }

            dropped = PublishLocked("control", frame, replayable: true, withId: true, null);
        }

        Dropped(dropped);
    }

    /// <summary>Ends every stream, as a network that drops would (for tests of reconnection); the sampler lingers.</summary>
    internal void CloseStreams()
    {
        List<DashboardStream> streams;
        lock (_gate)
        {
            streams = [.. _streams];
            _streams.Clear();
            if (streams.Count > 0)
            {
                _idleSince = _time.GetTimestamp();
            }
        }

        foreach (var stream in streams)
        {
            stream.Close(dropped: false);
        }
    }

    public void Dispose()
    {
        List<DashboardStream> streams;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Stop();
            streams = [.. _streams];
            _streams.Clear();
        }

        foreach (var stream in streams)
        {
            stream.Close(dropped: false);
        }

        if (_catalog.IsValueCreated)
        {
            _catalog.Value.Dispose();
        }
    }

    /// <summary>Runs one sample now (the timer's callback; tests call it to sample without a clock).</summary>
    internal void SampleNow()
    {
        if (!Monitor.TryEnter(_sampleLock))
        {
            return; // the previous sample still runs: this one is skipped, not queued
        }

        List<DashboardStream>? dropped = null;
        try
        {
            long generation;
            Baseline? baseline;
            lock (_gate)
            {
                if (!_running)
                {
                    return;
                }

                if (_streams.Count == 0 && _idleSince is { } idle && _time.GetElapsedTime(idle) >= Linger)
                {
                    Stop(); // nobody came back
                    return;
                }

                generation = _generation;
                baseline = _baseline;
                _baseline = null;
            }

            var timestamp = _time.GetTimestamp();
            if (baseline is not null)
            {
                // What the first stream's snapshot showed: changes from there on are told, nothing before is told again.
                _trackers.Clear();
                foreach (var (breaker, info) in baseline.Infos)
                {
                    _trackers[breaker] = new Tracker(info, baseline.Timestamp)
                    {
                        LastSent = BreakerReading.Figures(breaker, info, baseline.Now, null, TimeSpan.Zero),
                    };
                }

                _samples = 0;
                _lastHeartbeat = baseline.Timestamp;
                _lastFleetRefresh = null;
            }

            dropped = Sample(generation, timestamp);
        }
#pragma warning disable CA1031 // A sample that fails is logged; the next one tries again, and a timer callback must not throw.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.SampleFailed(_logger, exception);
        }
        finally
        {
            Monitor.Exit(_sampleLock);
        }

        Dropped(dropped);
    }

    private List<DashboardStream>? Sample(long generation, long timestamp)
    {
        var now = _time.GetUtcNow();
        var breakers = _catalog.Value.Snapshot();
        var fleet = _fleet.Value;
        var joined = Joined();
        var events = new List<(string Type, byte[] Json, bool Replayable, bool WithId)>();

        // Removed: known to the sampler, no longer in the catalog.
        var current = new HashSet<CircuitBreaker>(breakers, ReferenceEqualityComparer.Instance);
        foreach (var gone in _trackers.Keys.Where(b => !current.Contains(b)).ToList())
        {
            _trackers.Remove(gone);
            _fleetViews.TryRemove(gone.Name, out _);
            events.Add(("removed", Serialize(new RemovedEvent(gone.Name), DashboardJsonContext.Default.RemovedEvent), true, true));
        }

        var full = ++_samples % FullMetricsEvery == 0;
        var changed = new List<FiguresDto>();
        var all = new FiguresDto[breakers.Length];
        for (var i = 0; i < breakers.Length; i++)
        {
            var breaker = breakers[i];
            var info = breaker.GetInfo();
            if (!_trackers.TryGetValue(breaker, out var tracker))
            {
                tracker = new Tracker(info, timestamp);
                _trackers[breaker] = tracker;
                events.Add(("added", Serialize(Read(breaker, info, now, joined), DashboardJsonContext.Default.BreakerDto), true, true));
                all[i] = tracker.LastSent = BreakerReading.Figures(breaker, info, now, null, TimeSpan.Zero);
                continue;
            }

            if (info.Sequence > tracker.Sequence)
            {
                foreach (var signal in info.RecentTransitions)
                {
                    if (signal.Sequence <= tracker.Sequence)
                    {
                        continue;
                    }

                    // Transitions between the last look and the first one kept were dropped from the history: say how many.
                    var missedBefore = Math.Max(signal.Sequence - tracker.Sequence - 1, 0);
                    events.Add(("transition", Serialize(BreakerReading.TransitionEvent(breaker.Name, signal, missedBefore), DashboardJsonContext.Default.TransitionEvent), true, true));
                    tracker.Sequence = signal.Sequence;
                }
            }

            var figures = BreakerReading.Figures(breaker, info, now, tracker.Previous, _time.GetElapsedTime(tracker.Timestamp, timestamp));
            tracker.Update(info, timestamp);
            all[i] = figures;
            if (full || !figures.Equals(tracker.LastSent))
            {
                changed.Add(figures);
                tracker.LastSent = figures;
            }
        }

        if (changed.Count > 0)
        {
            events.Add(("metrics", Serialize(new MetricsEvent(now.UtcDateTime, [.. changed]), DashboardJsonContext.Default.MetricsEvent), false, true));
        }

        if (_time.GetElapsedTime(_lastHeartbeat, timestamp) >= _options.HeartbeatInterval)
        {
            _lastHeartbeat = timestamp;
            events.Add(("heartbeat", Serialize(new HeartbeatEvent(now.UtcDateTime), DashboardJsonContext.Default.HeartbeatEvent), false, false));
        }

        if (fleet is not null && joined.Count > 0 && _fleetRefresh.IsCompleted
            && (_lastFleetRefresh is not { } last || _time.GetElapsedTime(last, timestamp) >= FleetRefreshInterval))
        {
            _lastFleetRefresh = timestamp;
            var names = breakers.Where(joined.Contains).Select(b => b.Name).ToArray();
            var round = names.Length <= FleetViewsPerRound
                ? names
                : [.. Enumerable.Range(0, FleetViewsPerRound).Select(k => names[(_fleetCursor + k) % names.Length])];
            _fleetCursor = names.Length == 0 ? 0 : (_fleetCursor + round.Length) % names.Length;
            _fleetRefresh = RefreshFleetAsync(fleet, round, generation);
        }

        List<DashboardStream>? dropped = null;
        lock (_gate)
        {
            if (!_running || generation != _generation)
            {
                return null;
            }

            _latestFigures = all;
            foreach (var (type, json, replayable, withId) in events)
            {
                dropped = PublishLocked(type, json, replayable, withId, dropped);
            }
        }

        return dropped;
    }

    private async Task RefreshFleetAsync(CircuitBreakerFleet fleet, string[] names, long generation)
    {
        foreach (var name in names)
        {
            FleetDto view;
            try
            {
                view = ToDto(fleet, await fleet.GetViewAsync(name).ConfigureAwait(false));
            }
            catch (ObjectDisposedException)
            {
                return; // the container is going away
            }
#pragma warning disable CA1031 // A view that cannot be read is left as it was; the page keeps the last one, and the next round tries again.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.FleetViewFailed(_logger, name, exception.Message);
                continue;
            }

            var json = Serialize(view, DashboardJsonContext.Default.FleetDto);
            if (_fleetViews.TryGetValue(name, out var known) && known.Json.AsSpan().SequenceEqual(json))
            {
                continue;
            }

            _fleetViews[name] = (view, json);
            var frame = Serialize(new FleetEvent(name, view), DashboardJsonContext.Default.FleetEvent);
            List<DashboardStream>? dropped;
            lock (_gate)
            {
                if (!_running || generation != _generation)
                {
                    return;
                }

                dropped = PublishLocked("fleet", frame, replayable: true, withId: true, null);
            }

            Dropped(dropped);
        }
    }

    private BreakerDto Read(CircuitBreaker breaker, in CircuitBreakerInfo info, DateTimeOffset now, HashSet<CircuitBreaker> joined)
    {
        var inFleet = joined.Contains(breaker);
        var fleet = inFleet && _fleetViews.TryGetValue(breaker.Name, out var view) ? view.View : null;
        return BreakerReading.Breaker(breaker, info, now, inFleet, fleet);
    }

    private HashSet<CircuitBreaker> Joined() => Fleet is { } fleet
        ? new HashSet<CircuitBreaker>(fleet.Breakers, ReferenceEqualityComparer.Instance)
        : new HashSet<CircuitBreaker>(ReferenceEqualityComparer.Instance);

    /// <summary>Writes the events after <paramref name="lastEventId"/> and the latest figures, when the ring still covers it.</summary>
    private bool TryResume(DashboardStream stream, long? lastEventId)
    {
        if (!_running || lastEventId is not { } last || last < _ringFloor || last > _lastId)
        {
            return false;
        }

        var missed = _ring.Where(e => e.Id > last).ToList();
        if (missed.Count + 1 > _options.MaxQueuedEventsPerStream)
        {
            return false; // more than the stream may queue: a snapshot says it in one event
        }

        foreach (var (_, frame) in missed)
        {
            stream.TryWrite(frame);
        }

        var figures = new MetricsEvent(_time.GetUtcNow().UtcDateTime, _latestFigures);
        stream.TryWrite(Frame(null, "metrics", Serialize(figures, DashboardJsonContext.Default.MetricsEvent)));
        _resumes++;
        return true;
    }

    private void Start(Baseline baseline)
    {
        _running = true;
        _generation++;
        _baseline = baseline;
        _latestFigures = [];

        // Nothing was sampled while stopped: ids from before cannot resume.
        _ring.Clear();
        _ringFloor = ++_lastId;
        _timer = _time.CreateTimer(static state => ((DashboardHub)state!).SampleNow(), this, _options.SampleInterval, _options.SampleInterval);
    }

    private void Stop()
    {
        _running = false;
        _idleSince = null;
        _generation++;
        _baseline = null;
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>Frames one event and queues it on every stream; returns the streams that could not take it (to close outside the lock).</summary>
    private List<DashboardStream>? PublishLocked(string type, byte[] json, bool replayable, bool withId, List<DashboardStream>? dropped)
    {
        long? id = withId ? ++_lastId : null;
        var frame = Frame(id, type, json);
        if (replayable && id is { } replayId)
        {
            _ring.Enqueue((replayId, frame));
            while (_ring.Count > RingCapacity)
            {
                _ringFloor = _ring.Dequeue().Id;
            }
        }

        for (var i = _streams.Count - 1; i >= 0; i--)
        {
            var stream = _streams[i];
            if (!stream.TryWrite(frame))
            {
                _streams.RemoveAt(i);
                (dropped ??= []).Add(stream);
            }
        }

        if (dropped is { Count: > 0 } && _streams.Count == 0)
        {
            _idleSince = _time.GetTimestamp();
        }

        return dropped;
    }

    private void Dropped(List<DashboardStream>? dropped)
    {
        if (dropped is null)
        {
            return;
        }

        foreach (var stream in dropped)
        {
            Log.StreamDropped(_logger, _options.MaxQueuedEventsPerStream, stream.ConnectionId);
            stream.Close(dropped: true);
        }
    }

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);

    /// <summary>The bytes of one SSE frame: <c>id:</c> (when given), <c>event:</c> and one <c>data:</c> line (JSON has no raw line breaks).</summary>
    internal static byte[] Frame(long? id, string type, byte[] json)
    {
        var head = id is { } value
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"id: {value}\nevent: {type}\ndata: ")
            : $"event: {type}\ndata: ";
        var frame = new byte[Encoding.UTF8.GetByteCount(head) + json.Length + 2];
        var written = Encoding.UTF8.GetBytes(head, frame);
        json.CopyTo(frame, written);
        frame[^2] = (byte)'\n';
        frame[^1] = (byte)'\n';
        return frame;
    }

    /// <summary>What the snapshot that started the sampler showed, and when: the first sample's starting point.</summary>
    private sealed record Baseline(Dictionary<CircuitBreaker, CircuitBreakerInfo> Infos, long Timestamp, DateTimeOffset Now);

    /// <summary>What the sampler last saw of one breaker.</summary>
    private sealed class Tracker(CircuitBreakerInfo info, long timestamp)
    {
        public long Sequence { get; set; } = info.Sequence;

        public long Timestamp { get; private set; } = timestamp;

        public BreakerReading.Previous Previous { get; private set; } = new(info.Sequence, info.Metrics.TotalCount, info.Metrics.FailureCount);

        public FiguresDto? LastSent { get; set; }

        public void Update(in CircuitBreakerInfo info, long timestamp)
        {
            Sequence = info.Sequence;
            Timestamp = timestamp;
            Previous = new(info.Sequence, info.Metrics.TotalCount, info.Metrics.FailureCount);
        }
    }
}

/// <summary>One connected page: a bounded queue of SSE frames, closed when the client falls behind.</summary>
internal sealed class DashboardStream(int capacity, string connectionId) : IDisposable
{
    private readonly Channel<byte[]> _channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        SingleWriter = false,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails, and the hub drops the stream
    });

    private readonly CancellationTokenSource _closed = new();

    public string ConnectionId { get; } = connectionId;

    public ChannelReader<byte[]> Reader => _channel.Reader;

    /// <summary>Gets whether the hub closed the stream because its client fell behind.</summary>
    public bool WasDropped { get; private set; }

    /// <summary>Cancelled when the hub closes the stream: a write blocked on a client that does not read gives up.</summary>
    public CancellationToken Closed => _closed.Token;

    public bool TryWrite(byte[] frame) => _channel.Writer.TryWrite(frame);

    public void Dispose() => _closed.Dispose();

    public void Close(bool dropped)
    {
        WasDropped = dropped;
        _channel.Writer.TryComplete();
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The request already ended.
        }
    }
}
