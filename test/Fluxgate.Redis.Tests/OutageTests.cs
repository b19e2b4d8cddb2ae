using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Fluxgate.Redis.Tests;

/// <summary>
/// Outages on the real clock, as a service meets them: three replicas with a 200 ms heartbeat and the client's default
/// timeouts, and a redis-server killed for twelve seconds or frozen.
/// </summary>
[Collection(RealClockSerial.Name)]
public sealed class OutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(1);

    private readonly RedisServer _server = RedisServer.Start();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggers;
    private readonly string _application = "outage-" + Guid.NewGuid().ToString("N")[..10];
    private readonly List<CircuitBreakerFleet> _fleets = [];

    public OutageTests() => _loggers = LoggerFactory.Create(b => b.AddProvider(_logs));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var fleet in _fleets)
        {
            await fleet.DisposeAsync();
        }

        _loggers.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task Quorum_RedisKilledForTwelveSeconds_NeitherEndsTheEpisodeNorReopensTheRecoveredReplica()
    {
        // Defect: about a second after Redis answered again, the recovered replica logged that the quorum was over and was
        // opened again, because every peer not heard during the outage was dropped and a hold begun then had long expired.
        var a = await ReplicaAsync("a");
        var b = await ReplicaAsync("b");
        var listener = new RecordingListener();
        var c = await ReplicaAsync("c", listener);
        await UntilAsync(() => _fleets.All(f => f.PeersHeard.Count == 2), "the replicas hear each other");

        Fail(a.Breaker);
        Fail(b.Breaker);
        await UntilAsync(() => c.Breaker.State == CircuitState.Open, "the quorum opens c");
        await UntilAsync(() => c.Breaker.TryExecute(() => 0, out _) && c.Breaker.State == CircuitState.Closed, "c recovers through its own probe");

        _server.Kill();
        await UntilAsync(() => _fleets.All(f => !f.IsCoordinating), "every replica notices");
        await Task.Delay(TimeSpan.FromSeconds(12), TimeProvider.System);   // the outage itself: twelve seconds, sixty heartbeats
        foreach (var breaker in new[] { a.Breaker, b.Breaker })
        {
            Fail(breaker);                                                  // a and b are still failing: their probes reopen them
        }

        _server.Restart();
        await UntilAsync(() => _fleets.All(f => f.IsCoordinating && f.PeersHeard.Count == 2), "the replicas hear each other again");
        await Task.Delay(TimeSpan.FromSeconds(3), TimeProvider.System);    // where the defect struck: the first seconds back

        Assert.Equal(CircuitState.Closed, c.Breaker.State);
        Assert.Single(listener.Signals, s => s.Cause == TransitionCause.Coordinator);
        Assert.DoesNotContain(_logs.Entries, e => e.EventId.Name == "FleetQuorumEpisodeEnded");
        Assert.Contains(_logs.Entries, e => e.EventId.Name == "FleetRedisRestored");
    }

    [Fact]
    public async Task DisposeAsync_WhileRedisIsFrozen_TakesTheDepartureBoundNotTheClientsTimeouts()
    {
        // Defect: the owned connection's dispose waited for commands in flight: five seconds with a frozen Redis.
        var a = await ReplicaAsync("a");
        _server.Pause();
        try
        {
            await Task.Delay(Heartbeat * 3, TimeProvider.System); // a heartbeat is on its way when the fleet is disposed

            // Half a second for the departure; the bound turns the client's five seconds into a failure.
            await a.Fleet.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2));
        }
        finally
        {
            _server.Resume();
        }

        Assert.Equal(42, a.Breaker.Execute(() => 42));
    }

    private static void Fail(CircuitBreaker breaker) => breaker.Execute(() => throw new TrackedException(), _ => { });

    private async Task<(CircuitBreakerFleet Fleet, CircuitBreaker Breaker)> ReplicaAsync(string id, RecordingListener? listener = null)
    {
        var options = new CircuitBreakerOptions
        {
            Name = "payments",
            Tracker = Tracker.TypeOf<TrackedException>(),
            Tripper = Tripper.FailureStreak(1),
            Retry = Retry.Cooldown(Cooldown),
            Permit = Permit.All(),
        };
        if (listener is not null)
        {
            options.Listeners.Add(listener);
        }

        var breaker = new CircuitBreaker(options);

        // The client's defaults (5 s timeouts), as the defect was seen with.
        // The client logs its connections too (category StackExchange.Redis…): a failure shows what it went through.
        var configuration = ConfigurationOptions.Parse($"127.0.0.1:{_server.Port},user={RedisServer.User},password={RedisServer.Password}");
        configuration.LoggerFactory = _loggers;
        var fleet = new CircuitBreakerFleet(configuration, new CircuitBreakerFleetOptions
        {
            Application = _application,
            ReplicaId = id,
            HeartbeatInterval = Heartbeat,

            // Ten heartbeats, not the default three (600 ms): on a loaded 2-core machine (CI runs every suite at once) an
            // echo can take longer than 600 ms, and the replicas would flap between coordinating and not. Still far below
            // the client's 5 s timeout, which is what the defect needs.
            ReplicaTimeout = 10 * Heartbeat,
            Logger = _loggers.CreateLogger("Fluxgate.Redis." + id),
        });
        _fleets.Add(fleet);
        fleet.Join(breaker);
        await fleet.StartAsync();
        return (fleet, breaker);
    }

    /// <summary>Waits, without sleeping, until <paramref name="condition"/> holds, checking at every heartbeat or message of any replica.</summary>
    private async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System);
        while (true)
        {
            var changed = Task.WhenAny(_fleets.Select(f => f.WhenChangedAsync()));
            if (condition())
            {
                return;
            }

            if (await Task.WhenAny(changed, deadline) == deadline)
            {
                // The replicas' logs say where it stuck (a timing assertion cannot, on its own).
                var logs = string.Join(Environment.NewLine, _logs.Entries.Select(e => $"  {e.Category} {e.Level} {e.EventId.Name}: {e.Message}"));
                var states = string.Join(", ", _fleets.Select(f => $"{f.ReplicaId}: coordinating={f.IsCoordinating}, peers={f.PeersHeard.Count}, {string.Join(" ", f.Breakers.Select(b => b.State.ToWireName()))}"));
                Assert.Fail($"Timed out waiting until {what}. {states}.{Environment.NewLine}{logs}");
            }
        }
    }
}
