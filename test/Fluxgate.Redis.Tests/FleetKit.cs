using Microsoft.Extensions.Logging;

namespace Fluxgate.Redis.Tests;

/// <summary>
/// Replicas for the fleet tests: each a fleet with a connection of its own to the test's redis-server, its breaker
/// "payments" (opens on one failure, waits 10 s), and a shared fake clock for heartbeats, timeouts and cooldowns.
/// </summary>
public sealed class FleetKit : IAsyncDisposable
{
    private readonly List<CircuitBreakerFleet> _fleets = [];

    public FleetKit(RedisServer server, string? application = null)
    {
        Server = server;
        Application = application ?? "app-" + Guid.NewGuid().ToString("N")[..12];
        Logs.Add(new CapturingLoggerProvider());
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b
            .AddProvider(Logs[0])
            .SetMinimumLevel(LogLevel.Debug)
            .AddFilter("StackExchange.Redis", LogLevel.Information));
    }

    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(10);

    public RedisServer Server { get; }

    public string Application { get; }

    public FakeTimeProvider Clock { get; } = TestKit.NewClock();

    public List<CapturingLoggerProvider> Logs { get; } = [];

    public ILoggerFactory LoggerFactory { get; }

    public IReadOnlyList<CircuitBreakerFleet> Fleets => _fleets;

    /// <summary>A replica: its fleet (joined) and its breaker. A clock of its own stops its heartbeats when never advanced.</summary>
    public async Task<(CircuitBreakerFleet Fleet, CircuitBreaker Breaker)> ReplicaAsync(string id, FakeTimeProvider? clock = null, Action<CircuitBreakerFleetOptions>? configure = null, bool join = true)
    {
        if (clock is not null && clock != Clock)
        {
            SilentReplicas.Add(id);
        }

        var fleet = await FleetAsync(id, clock, configure);
        var breaker = Breaker(clock ?? Clock);
        if (join)
        {
            fleet.Join(breaker);
            await PublishedAsync(fleet);
        }

        return (fleet, breaker);
    }

    public async Task<CircuitBreakerFleet> FleetAsync(string id, FakeTimeProvider? clock = null, Action<CircuitBreakerFleetOptions>? configure = null)
    {
        var options = new CircuitBreakerFleetOptions
        {
            Application = Application,
            ReplicaId = id,
            HeartbeatInterval = Heartbeat,
            ReplicaTimeout = 3 * Heartbeat,
            TimeProvider = clock ?? Clock,
            Logger = LoggerFactory.CreateLogger("Fluxgate.Redis." + id),
        };
        configure?.Invoke(options);
        // The client logs its connections into the kit's log too: a failure report shows what it went through.
        var configuration = StackExchange.Redis.ConfigurationOptions.Parse(Server.ConnectionString);
        configuration.LoggerFactory = LoggerFactory;
        var fleet = new CircuitBreakerFleet(configuration, options);
        _fleets.Add(fleet);
        await fleet.StartAsync();
        await fleet.WhenConnectAttemptedAsync();
        if (Server.IsRunning)
        {
            await UntilCoordinatingAsync(fleet);
        }

        return fleet;
    }

    /// <summary>
    /// Ticks <paramref name="fleet"/> until a round reaches Redis in full (its record, with what it joined, is stored): on a
    /// loaded machine one may time out, and on the fake clock nothing else would publish again.
    /// </summary>
    public async Task PublishedAsync(CircuitBreakerFleet fleet)
    {
        var deadline = Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System);
        while (!await fleet.TickAsync() && Server.IsRunning)
        {
            if (deadline.IsCompleted)
            {
                Assert.Fail($"{fleet.ReplicaId} never published in full. {Report()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System); // paced, as a reconnecting client needs
        }
    }

    /// <summary>Ticks <paramref name="fleet"/> until it hears its own heartbeat back: its channel works.</summary>
    public static async Task UntilCoordinatingAsync(CircuitBreakerFleet fleet)
    {
        var deadline = Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System);
        while (!fleet.IsCoordinating)
        {
            var changed = fleet.WhenChangedAsync();
            await fleet.TickAsync();
            if (!fleet.IsCoordinating && await Task.WhenAny(changed, deadline) == deadline)
            {
                Assert.Fail($"{fleet.ReplicaId} never heard its own heartbeat back.");
            }
        }
    }

    public static CircuitBreaker Breaker(TimeProvider clock, RecordingListener? listener = null)
    {
        var options = new CircuitBreakerOptions
        {
            Name = "payments",
            TimeProvider = clock,
            Tracker = Tracker.TypeOf<TrackedException>(),
            Tripper = Tripper.FailureStreak(1),
            Retry = Retry.Cooldown(Cooldown),
            Permit = Permit.All(),
        };
        if (listener is not null)
        {
            options.Listeners.Add(listener);
        }

        return new CircuitBreaker(options);
    }

    /// <summary>
    /// Moves the shared clock as time passes for live replicas: a heartbeat at a time, each heard by every replica before
    /// the next, so none is taken for dead. (One jump past the replica timeout would make them all silent for that long.)
    /// </summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        var live = _fleets.Where(f => f.ReplicaId is var id && !SilentReplicas.Contains(id)).ToList();
        while (by > TimeSpan.Zero)
        {
            var step = by < Heartbeat ? by : Heartbeat;
            Clock.Advance(step);
            by -= step;
            var now = live.ToDictionary(f => f, f => f.Elapsed);
            await Task.WhenAll(live.Select(f => f.TickAsync()));
            await UntilAsync(() => live.All(f => f.AllPeersHeardSince(now[f], SilentReplicas)), "every replica hears every heartbeat");
        }
    }

    /// <summary>Replicas on clocks of their own, which stop publishing: <see cref="AdvanceAsync"/> does not wait for them.</summary>
    public HashSet<string> SilentReplicas { get; } = [];

    /// <summary>Publishes every replica's heartbeat once (the heartbeat loops wait on the fake clock).</summary>
    public Task TickAllAsync() => Task.WhenAll(_fleets.Select(f => f.TickAsync()));

    /// <summary>
    /// Waits, without sleeping, until <paramref name="condition"/> holds: it is checked again whenever a fleet handles a
    /// message or a heartbeat. The bound only turns a hang into a failure.
    /// </summary>
    public async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = Task.Delay(TimeSpan.FromSeconds(15), TimeProvider.System);
        while (true)
        {
            // Taken before the check, so a change between the check and the wait is not missed.
            var changed = Task.WhenAny(_fleets.Select(f => f.WhenChangedAsync()));
            if (condition())
            {
                return;
            }

            if (await Task.WhenAny(changed, deadline) == deadline)
            {
                Assert.Fail($"Timed out waiting until {what}. {Report()}");
            }
        }
    }

    /// <summary>Ticks every replica until <paramref name="condition"/> holds: reconnecting takes the client a few attempts.</summary>
    public Task TickUntilAsync(Func<bool> condition, string what) => TickUntilAsync(() => Task.FromResult(condition()), what);

    /// <inheritdoc cref="TickUntilAsync(Func{bool}, string)"/>
    public async Task TickUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System);
        while (!await condition())
        {
            if (deadline.IsCompleted)
            {
                Assert.Fail($"Timed out waiting until {what}. {Report()}");
            }

            await TickAllAsync(); // each tick is a reconnection attempt's chance

            // Paced: while Redis is down a tick fails at once, and the client reconnects on its own schedule.
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }
    }

    /// <summary>
    /// Awaits <paramref name="operation"/> (a command being stored, say) while ticking every replica once it takes longer
    /// than half a second: a store that failed once (a timeout on a loaded machine) is sent again after the next heartbeat
    /// that reaches Redis, and heartbeats here go with the fake clock. Fails with <see cref="Report"/> after 30 s.
    /// </summary>
    public async Task WhileTickingAsync(Task operation, string what)
    {
        var deadline = Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System);
        while (await Task.WhenAny(operation, Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System)) != operation)
        {
            if (deadline.IsCompleted)
            {
                Assert.Fail($"Timed out waiting until {what}. {Report()}");
            }

            await TickAllAsync();
        }

        await operation;
    }

    /// <summary>Waits until <paramref name="fleet"/> has heard every replica in <paramref name="ids"/>.</summary>
    public Task UntilHeardAsync(CircuitBreakerFleet fleet, params string[] ids) =>
        UntilAsync(() => ids.All(fleet.PeersHeard.Contains), $"{fleet.ReplicaId} has heard {string.Join(", ", ids)}");

    /// <summary>Every log entry so far, each provider's taken as one snapshot (the fleets log on other threads while this is read).</summary>
    public IEnumerable<CapturingLoggerProvider.Entry> Entries => Logs.SelectMany(l => l.Entries.ToArray());

    /// <summary>Where each replica stands, the server's state, the thread pool's, and the last 80 lines of the fleets' and the client's log: what a timed-out wait reports.</summary>
    public string Report()
    {
        var states = string.Join(", ", _fleets.Select(f => $"{f.ReplicaId}: coordinating={f.IsCoordinating}, peers={f.PeersHeard.Count}"));
        var entries = Entries.ToList();
        var logs = string.Join(Environment.NewLine, entries.Skip(Math.Max(0, entries.Count - 80)).Select(e => $"  {e.LoggedAt:HH:mm:ss.fff} {e.Category} {e.Level} {e.EventId.Name}: {e.Message}"));
        ThreadPool.GetAvailableThreads(out var idle, out _);
        ThreadPool.GetMaxThreads(out var most, out _);
        var pool = $"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} thread pool: {ThreadPool.ThreadCount} threads ({most - idle} busy), {ThreadPool.PendingWorkItemCount} items queued";
        return $"{states}.{Environment.NewLine}{Server.Describe()}{Environment.NewLine}{pool}; {ManagedStacks.Capture()}; {PoolWatchdog.Stalls}{Environment.NewLine}{logs}";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var fleet in _fleets)
        {
            await fleet.DisposeAsync();
        }

        LoggerFactory.Dispose();
    }
}
