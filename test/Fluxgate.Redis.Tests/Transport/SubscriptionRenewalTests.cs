using Fluxgate.Redis.Internal;
using Fluxgate.Redis.Transport;
using Microsoft.Extensions.Logging;

namespace Fluxgate.Redis.Tests.Transport;

/// <summary>
/// The fleet against a transport of the test's own, on a fake clock: when Redis takes every heartbeat but none comes back
/// through the subscription, the fleet renews it; an outage (heartbeats that fail) is never taken for that.
/// </summary>
public sealed class SubscriptionRenewalTests : IAsyncDisposable
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly TimeProvider _fleetClock;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggers;
    private readonly LoopbackTransport _transport = new();
    private readonly CircuitBreakerFleet _fleet;

    public SubscriptionRenewalTests()
    {
        _loggers = LoggerFactory.Create(b => b.AddProvider(_logs));
        _fleetClock = new WithoutTimers(_clock);
        _fleet = new CircuitBreakerFleet(
            new CircuitBreakerFleetOptions
            {
                Application = "app",
                ReplicaId = "a",
                HeartbeatInterval = Heartbeat,
                ReplicaTimeout = 3 * Heartbeat,
                TimeProvider = _fleetClock,
                Logger = _loggers.CreateLogger("Fluxgate.Redis"),
            },
            _ => _transport);
    }

    [Fact]
    public async Task Heartbeat_TakenByRedisButNeverHeardBack_RenewsTheSubscriptionAfterThreeReplicaTimeouts_Once()
    {
        await StartAsync();
        _transport.Deaf = true; // Redis takes each heartbeat; the subscription delivers nothing

        var renewedAt = await BeatUntilAsync(() => _transport.Renewals > 0, TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(10), renewedAt); // the first unanswered heartbeat went out at 1 s
        Assert.Equal(1, _transport.Renewals);
        var warning = Assert.Single(_logs.Entries, e => e.EventId.Name == "FleetSubscriptionRenewed");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Replica 'a' heard none of its heartbeats back through Redis at loopback for 9 s", warning.Message, StringComparison.Ordinal);

        await BeatUntilAsync(() => _fleet.IsCoordinating, TimeSpan.FromSeconds(1)); // the renewed subscription delivers
        Assert.Equal(1, _transport.Renewals);
    }

    [Fact]
    public async Task Heartbeat_StillSilentAfterARenewal_RenewsAgainOnlyAfterAnotherThreeReplicaTimeouts()
    {
        await StartAsync();
        _transport.Deaf = true;
        _transport.RenewalHelps = false;

        var first = await BeatUntilAsync(() => _transport.Renewals == 1, TimeSpan.FromSeconds(30));
        var second = await BeatUntilAsync(() => _transport.Renewals == 2, TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(10), first);
        Assert.Equal(TimeSpan.FromSeconds(10), second); // from the first heartbeat after the renewal, 9 s on
        Assert.Single(_logs.Entries, e => e.EventId.Name == "FleetSubscriptionRenewed"); // the second one is within the minute: suppressed
    }

    [Fact]
    public async Task Heartbeat_FailingDuringAnOutage_IsNotTakenForASilentSubscription()
    {
        await StartAsync();
        _transport.Deaf = true;
        _transport.PublishFails = true; // Redis is away: nothing goes out

        await BeatUntilAsync(() => false, TimeSpan.FromSeconds(30));
        Assert.Equal(0, _transport.Renewals);

        _transport.PublishFails = false; // back, but the subscription is lost: the wait starts with the first heartbeat that goes out
        var renewedAfter = await BeatUntilAsync(() => _transport.Renewals > 0, TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(10), renewedAfter);
    }

    [Fact]
    public async Task Heartbeat_WhoseEchoArrivesBeforeThePublishReturns_CountsAsAnswered()
    {
        // The echo comes back on another connection and may be handled before the publish's own await resumes: this
        // transport always does it that way.
        await StartAsync();

        await BeatUntilAsync(() => false, TimeSpan.FromSeconds(60));

        Assert.Equal(0, _transport.Renewals);
        Assert.True(_fleet.IsCoordinating);
    }

    [Fact]
    public async Task Heartbeat_WhileTheSubscriptionCannotBeMade_StillGoesOut_AndTheFailureIsReported()
    {
        // After a restart the client's subscription connection may come back seconds after its other one: heartbeats and
        // commands need only the other one.
        await StartAsync();
        var published = _transport.Published;
        _transport.SubscribeFails = true;
        _transport.Deaf = true; // not subscribed: nothing comes back

        await BeatUntilAsync(() => false, TimeSpan.FromSeconds(3));

        Assert.Equal(published + 3, _transport.Published);
        var warning = Assert.Single(_logs.Entries, e => e.EventId.Name == "FleetRedisUnavailable");
        Assert.Contains("(subscribe: loopback: no answer in time)", warning.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _fleet.DisposeAsync();
        _loggers.Dispose();
    }

    private async Task StartAsync()
    {
        await _fleet.StartAsync();
        await _fleet.TickAsync();
        Assert.True(_fleet.IsCoordinating);
    }

    /// <summary>Beats once a second on the fake clock until <paramref name="condition"/> holds or <paramref name="limit"/> has passed; returns the time it took.</summary>
    private async Task<TimeSpan> BeatUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var elapsed = TimeSpan.Zero;
        while (!condition() && elapsed < limit)
        {
            _clock.Advance(Heartbeat);
            elapsed += Heartbeat;
            await _fleet.TickAsync();
        }

        return elapsed;
    }
}
