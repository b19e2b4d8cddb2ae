using System.Text;
using Fluxgate.Redis.Internal;
using StackExchange.Redis;

namespace Fluxgate.Redis.Tests;

/// <summary>Everything read from Redis is validated: malformed or hostile payloads are ignored and logged (throttled), never crash a replica or open a breaker.</summary>
public sealed class ValidationTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly FleetKit _kit = new(redis.Server);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    public static TheoryData<string, string> Garbage => new()
    {
        { "", "empty payload" },
        { "not json", "invalid JSON" },
        { "[1,2]", "not a JSON object" },
        { "{}", "missing or unsupported version" },
        { """{"v":3,"type":"state"}""", "missing or unsupported version" },
        { """{"v":1,"type":"state","replica":"x","at":1,"breakers":[]}""", "missing or unsupported version" },
        { """{"v":2,"type":"party"}""", "unknown type 'party'" },
        { """{"v":2,"type":"state","replica":"x y","at":1,"breakers":[]}""", "state without a valid replica" },
        { """{"v":2,"type":"state","replica":"x","breakers":[]}""", "state without 'at' or 'breakers'" },
        { """{"v":2,"type":"state","replica":"x","at":1,"breakers":[{"name":"payments","state":"exploded","since":1,"cause":"tripper","total":1,"failures":0,"own":true,"policy":""}]}""", "a breaker entry is malformed" },
        { """{"v":2,"type":"state","replica":"x","at":1,"breakers":[{"name":"payments","state":"open","since":1,"cause":"tripper","total":1,"failures":2,"own":true,"policy":""}]}""", "a breaker entry is malformed" },
        { """{"v":2,"type":"state","replica":"x","at":1,"breakers":[{"name":"payments","state":"open","since":-5,"cause":"tripper","total":1,"failures":0,"own":true,"policy":""}]}""", "a breaker entry is malformed" },
        { """{"v":2,"type":"state","replica":"x","at":1,"breakers":[{"name":"p","state":"open","since":1,"cause":"tripper","total":1,"failures":0,"own":true,"policy":""},{"name":"P","state":"open","since":1,"cause":"tripper","total":1,"failures":0,"own":true,"policy":""}]}""", "breaker 'P' reported twice" },
        { """{"v":2,"type":"state","replica":"x","at":1,"breakers":[{"name":"payments","state":"open","since":1,"cause":"gremlins","total":1,"failures":0,"own":true,"policy":""}]}""", "a breaker entry is malformed" },
        { """{"v":2,"type":"command","breaker":"payments","command":"explode","id":"1","at":1,"by":"ops"}""", "a command is malformed" },
        { """{"v":2,"type":"leave"}""", "leave without a valid replica" },
        { """{"v":2,"type":"state","replica":"x","at":1,"breakers":[[[[[[]]]]]]}""", "invalid JSON" },
        { """{"v":2,"type":"state","replica":"\ud800","at":1,"breakers":[]}""", "unreadable" },
        { """{"v":2,"type":"command","breaker":"\udfff","command":"reset","id":"1","at":1,"by":"ops"}""", "unreadable" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Read_MalformedPayload_IsRefusedWithAReason(string payload, string reason)
    {
        var parsed = FleetMessages.Read(Encoding.UTF8.GetBytes(payload));

        Assert.NotNull(parsed.Error);
        Assert.StartsWith(reason, parsed.Error, StringComparison.Ordinal);
        Assert.Null(parsed.State);
        Assert.Null(parsed.Command);
    }

    [Fact]
    public void Read_OversizedPayloadOrTooManyBreakers_IsRefused()
    {
        Assert.StartsWith("payload of", FleetMessages.Read(new byte[FleetMessages.MaxPayloadBytes + 1]).Error, StringComparison.Ordinal);
        var many = new ReplicaReport("x", 1, [.. Enumerable.Range(0, FleetMessages.MaxBreakers + 1).Select(i => new BreakerReport($"b{i}", CircuitState.Closed, 1, TransitionCause.None, 0, 0, false, ""))]);
        Assert.StartsWith("more than", FleetMessages.Read(FleetMessages.WriteState(many)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OwnEvidenceOfAClosedBreaker_IsNotBelieved()
    {
        var payload = """{"v":2,"type":"state","replica":"x","at":1,"breakers":[{"name":"payments","state":"closed","since":1,"cause":"tripper","total":1,"failures":0,"own":true,"policy":""}]}""";

        Assert.False(Assert.Single(FleetMessages.Read(Encoding.UTF8.GetBytes(payload)).State!.Breakers).Own);
    }

    [Fact]
    public void WriteAndRead_EveryMessageType_RoundTrips()
    {
        var report = new ReplicaReport("r-1", 1_767_225_600_000, [new BreakerReport("partners/api.example.com:443", CircuitState.HalfOpen, 5, TransitionCause.RetryElapsed, 10, 3, true, "Window=Count(100); Tracker=All(); Tripper=FailureStreak(1); Retry=Cooldown(10s); Permit=All(); MaxHalfOpenCalls=1")], Round: 12, Incarnation: 2_147_483_646);
        var command = new CommandMessage("payments", FleetCommand.MetricsOnly, "abc", 7, "ops", Incarnation: 5);

        var read = FleetMessages.Read(FleetMessages.WriteState(report)).State!;
        Assert.Equal(report.Breakers, read.Breakers);
        Assert.Equal((report.ReplicaId, report.AtMs, report.Round, report.Incarnation), (read.ReplicaId, read.AtMs, read.Round, read.Incarnation));
        Assert.Equal(command, FleetMessages.Read(FleetMessages.WriteCommand(command)).Command);
        Assert.Equal("r-1", FleetMessages.Read(FleetMessages.WriteLeave("r-1")).Leaving);
    }

    [Fact]
    public async Task GarbageOnTheChannel_IsIgnoredAndLoggedOnceAMinute_AndTheFleetCarriesOn()
    {
        var (a, breakerA) = await _kit.ReplicaAsync("a");
        var (b, breakerB) = await _kit.ReplicaAsync("b");
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var channel = RedisChannel.Literal($"fluxgate:{{{_kit.Application}}}:events");
        foreach (var (payload, _) in Garbage.Select(row => ((string)row[0], (string)row[1])))
        {
            await connection.GetSubscriber().PublishAsync(channel, payload);
        }

        await connection.GetSubscriber().PublishAsync(channel, new byte[FleetMessages.MaxPayloadBytes + 1]);
        await connection.GetSubscriber().PublishAsync(channel, Encoding.UTF8.GetBytes("{\"v\":1,\"type\":\"state\",\"replica\":\"\u0000\"}"));

        await _kit.UntilAsync(() => a.RefusedMessages == Garbage.Count + 2, "a has refused every piece of garbage");

        Assert.Equal((CircuitState.Closed, CircuitState.Closed), (breakerA.State, breakerB.State));
        var refusedByA = _kit.Entries.Where(e => e.EventId.Name == "FleetMessageRefused" && e.Category.EndsWith(".a", StringComparison.Ordinal)).ToList();
        Assert.Single(refusedByA);

        // A minute later the next refusal is logged, with the count of those suppressed in between.
        _kit.Clock.Advance(TimeSpan.FromMinutes(1));
        a.Receive(Encoding.UTF8.GetBytes("garbage"));
        var next = _kit.Entries.Where(e => e.EventId.Name == "FleetMessageRefused" && e.Category.EndsWith(".a", StringComparison.Ordinal)).Last();
        Assert.Contains($"{Garbage.Count + 1} similar warnings were suppressed", next.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0 similar", refusedByA[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForgedButWellFormedQuorum_OpensTheBreaker_WhichIsWhyTheFleetsKeysAreAnAdminApi()
    {
        var (a, breaker) = await _kit.ReplicaAsync("a");
        foreach (var forger in new[] { "ghost-1", "ghost-2" })
        {
            a.Receive(FleetMessages.WriteState(new ReplicaReport(forger, 1, [new BreakerReport("payments", CircuitState.Open, 1, TransitionCause.Tripper, 10, 10, true, "")])));
        }

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Receive_AFloodOfForgedReplicas_IsCappedAtMaxPeers()
    {
        var (a, _) = await _kit.ReplicaAsync("a");
        var refused = a.RefusedMessages;

        for (var i = 0; i <= Fluxgate.Redis.Coordination.FleetCoordinator.MaxPeers; i++)
        {
            a.Receive(FleetMessages.WriteState(new ReplicaReport($"forged-{i}", 1, [])));
        }

        Assert.Equal(Fluxgate.Redis.Coordination.FleetCoordinator.MaxPeers, a.PeersHeard.Count);
        Assert.Equal(refused + 1, a.RefusedMessages);
    }

    [Fact]
    public async Task Receive_AMessageClaimingToBeThisReplica_IsIgnored()
    {
        var (a, breaker) = await _kit.ReplicaAsync("a");
        var (b, other) = await _kit.ReplicaAsync("b");
        other.Fail(_kit.Clock);
        await b.TickAsync();
        await _kit.UntilAsync(() => a.PeersOpenOnOwnEvidence("payments") == 1, "a hears b's open");

        // Believed, this forged report would be a second replica open on its own evidence: a quorum of 2 of 3.
        a.Receive(FleetMessages.WriteState(new ReplicaReport("a", 1, [new BreakerReport("payments", CircuitState.Open, 1, TransitionCause.Tripper, 10, 10, true, "")])));
        a.Receive(FleetMessages.WriteLeave("a"));

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.DoesNotContain("a", a.PeersHeard);
    }
}
