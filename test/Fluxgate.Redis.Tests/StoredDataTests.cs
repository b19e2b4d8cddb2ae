using Fluxgate.Redis.Internal;
using StackExchange.Redis;

namespace Fluxgate.Redis.Tests;

/// <summary>What Redis holds may be wrong (a key of another type, replicas whose clocks disagree, a wrong password): the fleet survives it, says which key or why, and repairs what it owns.</summary>
public sealed class StoredDataTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly FleetKit _kit = new(redis.Server);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _kit.DisposeAsync();

    [Fact]
    public async Task AReplicaIndexOfTheWrongType_IsRepaired_AndStoredCommandsStillReachLateReplicas()
    {
        // Defect: `SET fluxgate:{app}:replicas x` made every heartbeat fail with WRONGTYPE, and the replica took Redis for
        // down for good: stored commands were never read, episodes could not end, and the view threw.
        var (a, _) = await _kit.ReplicaAsync("a");
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var index = $"fluxgate:{{{_kit.Application}}}:replicas";
        await connection.GetDatabase().StringSetAsync(index, "x");

        await a.TickAsync();
        await _kit.WhileTickingAsync(a.ForceOpenAsync("payments"), "the command is stored");
        var (_, late) = await _kit.ReplicaAsync("late");
        await _kit.TickAllAsync();

        Assert.Equal(CircuitState.ForcedOpen, late.State);
        Assert.Equal(["a", "late"], (await connection.GetDatabase().SortedSetRangeByRankAsync(index)).Select(v => v.ToString()).Order()); // a sorted set again
        Assert.Equal(["a", "late"], (await a.GetViewAsync("payments")).Replicas.Select(r => r.ReplicaId));
        var repaired = Assert.Single(_kit.Entries, e => e.EventId.Name == "FleetKeyRepaired" && e.Category.EndsWith(".a", StringComparison.Ordinal));
        Assert.Contains(index, repaired.Message, StringComparison.Ordinal);
        Assert.True(a.IsCoordinating);
    }

    [Fact]
    public async Task ACommandKeyOfTheWrongType_ReadsAsNoCommand_AndTheNextCommandReplacesIt()
    {
        var (a, breaker) = await _kit.ReplicaAsync("a");
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        await connection.GetDatabase().SortedSetAddAsync($"fluxgate:{{{_kit.Application}}}:command:payments", "x", 1);

        await a.TickAsync();
        Assert.Null((await a.GetViewAsync("payments")).LastCommand);
        await _kit.WhileTickingAsync(a.DisableAsync("payments"), "the command is stored");

        Assert.Equal(CircuitState.Disabled, breaker.State);
        Assert.Equal(FleetCommand.Disable, (await a.GetViewAsync("payments")).LastCommand!.Command);
    }

    [Fact]
    public async Task Heartbeat_AReplicaWhoseClockIsTenMinutesAhead_DoesNotEmptyTheView()
    {
        // Defect: each heartbeat pruned the index by the pruning replica's own clock, so one replica ten minutes ahead deleted
        // the others' entries. The index is now pruned by Redis's own expiry of the records.
        var (a, _) = await _kit.ReplicaAsync("a");
        await _kit.ReplicaAsync("b");
        var ahead = TestKit.NewClock();
        ahead.Advance(TimeSpan.FromMinutes(10));
        var (skewed, _) = await _kit.ReplicaAsync("ahead", ahead);

        for (var i = 0; i < 70; i++)
        {
            await skewed.TickAsync(); // past the pruning interval, more than once
        }

        var view = await a.GetViewAsync("payments");
        Assert.Equal(["a", "ahead", "b"], view.Replicas.Select(r => r.ReplicaId));
        Assert.False(view.Replicas.Single(r => r.ReplicaId == "ahead").IsLive); // its clock, compared with the reader's: shown as such
    }

    [Fact]
    public async Task GetViewAsync_AnExpiredRecord_LeavesTheIndex()
    {
        var (a, _) = await _kit.ReplicaAsync("a");
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var index = $"fluxgate:{{{_kit.Application}}}:replicas";
        await connection.GetDatabase().SortedSetAddAsync(index, "gone", 0); // listed, with no record: expired long ago

        var view = await a.GetViewAsync("payments");

        Assert.Equal(["a"], view.Replicas.Select(r => r.ReplicaId));
        Assert.Equal(["a"], (await connection.GetDatabase().SortedSetRangeByRankAsync(index)).Select(v => v.ToString()));
    }

    [Fact]
    public async Task AWrongPassword_WorksAlone_AndTheWarningSaysAuthenticationFailed()
    {
        var options = new CircuitBreakerFleetOptions { Application = _kit.Application, ReplicaId = "intruder", TimeProvider = _kit.Clock, Logger = _kit.LoggerFactory.CreateLogger("Fluxgate.Redis.intruder") };
        await using var fleet = new CircuitBreakerFleet($"127.0.0.1:{redis.Server.Port},user={RedisServer.User},password=wrong,connectTimeout=1000,connectRetry=1", options);
        var breaker = FleetKit.Breaker(_kit.Clock);
        fleet.Join(breaker);
        await fleet.StartAsync();
        await fleet.WhenConnectAttemptedAsync();
        await fleet.TickAsync();

        Assert.Equal(42, breaker.Succeed(_kit.Clock));
        Assert.False(fleet.IsCoordinating);
        var warning = Assert.Single(_kit.Entries, e => e.EventId.Name == "FleetRedisUnavailable");
        Assert.Contains("AuthenticationFailure", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{redis.Server.Port}", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", warning.Message, StringComparison.Ordinal); // never the password
    }

    [Fact]
    public async Task Warnings_AreOneLine_WithTheEndpointAndTheReason_NotTheClientsDiagnostics()
    {
        using var server = RedisServer.Start(forFaults: true);
        await using var kit = new FleetKit(server);
        var (a, _) = await kit.ReplicaAsync("a");
        server.Kill();
        await kit.TickUntilAsync(() => kit.Entries.Any(e => e.EventId.Name == "FleetRedisUnavailable"), "a warns");

        var warning = kit.Entries.First(e => e.EventId.Name == "FleetRedisUnavailable");
        Assert.DoesNotContain('\n', warning.Message);
        Assert.True(warning.Message.Length < 300, warning.Message);
        Assert.Contains($"127.0.0.1:{server.Port}", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("IOCP", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("similar warning", warning.Message, StringComparison.Ordinal); // nothing suppressed yet: nothing said
        Assert.Contains(kit.Entries, e => e.EventId.Name == "FleetConnected"); // the first connection is not "works again"
        Assert.DoesNotContain(kit.Entries, e => e.EventId.Name == "FleetRedisRestored");
        _ = a;
    }

    [Fact]
    public async Task AnAdminFleetWithoutBreakers_SaysItCoordinates_WithoutClaimingToRepublish()
    {
        var ops = await _kit.FleetAsync("ops");

        Assert.True(ops.IsCoordinating);
        var connected = Assert.Single(_kit.Entries, e => e.EventId.Name == "FleetConnected");
        Assert.DoesNotContain("republish", connected.Message, StringComparison.OrdinalIgnoreCase);
    }
}
