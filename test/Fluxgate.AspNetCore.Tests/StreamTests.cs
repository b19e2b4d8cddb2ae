using System.Net;
using System.Net.Sockets;
using System.Text;
using Fluxgate.AspNetCore.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.AspNetCore.Tests;

/// <summary>The live stream (Server-Sent Events) on a fake clock: each sample is one step of the clock.</summary>
public sealed class StreamTests : IAsyncLifetime
{
    private static readonly TimeSpan Sample = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private DashboardServer _server = null!;
    private HttpClient _http = null!;

    public Task InitializeAsync() => StartAsync(_ => { });

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task StartAsync(Action<Fluxgate.AspNetCore.FluxgateDashboardOptions> configure, Action<IServiceCollection>? more = null)
    {
        if (_server is not null)
        {
            _http.Dispose();
            await _server.DisposeAsync();
        }

        _server = await DashboardServer.StartAsync(
            services =>
            {
                services.AddCircuitBreaker("payments", o => o.Retry = Retry.Cooldown(TimeSpan.FromMinutes(1)));
                services.AddCircuitBreaker("inventory", _ => { });
                services.AddFluxgateDashboard(o =>
                {
                    o.ControlPolicy = TestAuthHandler.Policy;
                    o.HeartbeatInterval = TimeSpan.FromSeconds(30);
                    configure(o);
                });
                more?.Invoke(services);
            },
            _clock);
        _http = _server.Client();
    }

    private CircuitBreaker Payments => _server.Breaker("payments");

    [Fact]
    public async Task Events_SnapshotFirst_ThenATransitionAfterTheBreakerTrips()
    {
        using var stream = await SseClient.ConnectAsync(_http);

        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        var snapshot = await stream.NextAsync();
        Assert.Equal("snapshot", snapshot.Type);
        Assert.NotNull(snapshot.Id);
        Assert.False(snapshot.Data.GetProperty("control").GetBoolean());              // anonymous: no control
        Assert.Equal(["inventory", "payments"], snapshot.Data.GetProperty("breakers").EnumerateArray().Select(b => b.GetProperty("name").GetString()!));
        Assert.True(_server.Hub.IsSampling);

        for (var i = 0; i < 100; i++)
        {
            Assert.Throws<InvalidOperationException>(() => Payments.Execute(() => throw new InvalidOperationException()));
        }

        _clock.Advance(Sample);

        var transition = await stream.NextAsync();
        Assert.Equal("transition", transition.Type);
        Assert.True(transition.Id > snapshot.Id);
        Assert.Equal("payments", transition.Data.GetProperty("name").GetString());
        Assert.Equal("closed", transition.Data.GetProperty("from").GetString());
        Assert.Equal("open", transition.Data.GetProperty("to").GetString());
        Assert.Equal("tripper", transition.Data.GetProperty("cause").GetString());
        Assert.Equal(1, transition.Data.GetProperty("sequence").GetInt64());
        Assert.Equal(100, transition.Data.GetProperty("total").GetInt32());
        Assert.Equal(0, transition.Data.GetProperty("missedBefore").GetInt64());

        var metrics = await stream.NextAsync();
        Assert.Equal("metrics", metrics.Type);
        var figures = metrics.Data.GetProperty("breakers").EnumerateArray().Single(b => b.GetProperty("name").GetString() == "payments");
        Assert.Equal("open", figures.GetProperty("state").GetString());
        Assert.Equal(59, figures.GetProperty("retryAfter").GetDouble());                  // Cooldown(1m), opened a sample ago
    }

    [Fact]
    public async Task Events_AuthenticatedUserOfThePolicy_SnapshotAllowsControl()
    {
        using var alice = _server.Client("alice");
        using var stream = await SseClient.ConnectAsync(alice);

        var snapshot = await stream.NextAsync();

        Assert.True(snapshot.Data.GetProperty("control").GetBoolean());
    }

    [Fact]
    public async Task Events_MoreTransitionsThanTheHistoryKeeps_SaysHowManyWereMissed()
    {
        using var stream = await SseClient.ConnectAsync(_http);
        await stream.NextAsync();

        for (var i = 0; i < 6; i++)
        {
            Payments.ForceOpen();
            Payments.Reset();
        }

        _clock.Advance(Sample);

        var first = await stream.NextOfTypeAsync("transition");
        Assert.Equal(3, first.Data.GetProperty("sequence").GetInt64());                // 12 transitions, the last 10 kept
        Assert.Equal(2, first.Data.GetProperty("missedBefore").GetInt64());
        for (var sequence = 4; sequence <= 12; sequence++)
        {
            var next = await stream.NextAsync();
            Assert.Equal("transition", next.Type);
            Assert.Equal(sequence, next.Data.GetProperty("sequence").GetInt64());
            Assert.Equal(0, next.Data.GetProperty("missedBefore").GetInt64());
        }
    }

    [Fact]
    public async Task Events_LastEventId_ResumesWithTheEventsMissed()
    {
        using var keeper = await SseClient.ConnectAsync(_http);                        // keeps the sampler running
        await keeper.NextAsync();
        long lastSeen;
        using (var stream = await SseClient.ConnectAsync(_http))
        {
            await stream.NextAsync();
            Payments.ForceOpen();
            _clock.Advance(Sample);
            lastSeen = (await stream.NextOfTypeAsync("transition")).Id!.Value;
        }

        Payments.Reset();
        _clock.Advance(Sample);

        using var resumed = await SseClient.ConnectAsync(_http, lastEventId: lastSeen);
        var first = await resumed.NextAsync();
        Assert.Equal("transition", first.Type);                                        // no snapshot: the ring covers it
        Assert.Equal("forced_open", first.Data.GetProperty("from").GetString());
        Assert.Equal("closed", first.Data.GetProperty("to").GetString());
        Assert.True(first.Id > lastSeen);
        var figures = await resumed.NextAsync();
        Assert.Equal("metrics", figures.Type);                                          // the latest figures of every breaker
        Assert.Equal(2, figures.Data.GetProperty("breakers").GetArrayLength());
    }

    [Fact]
    public async Task Events_TheOnlyPageReconnects_ResumesWhileTheSamplerLingers()
    {
        long lastSeen;
        using (var stream = await SseClient.ConnectAsync(_http))
        {
            await stream.NextAsync();
            Payments.ForceOpen();
            _clock.Advance(Sample);
            lastSeen = (await stream.NextOfTypeAsync("transition")).Id!.Value;
        }

        _server.Hub.CloseStreams();                                                    // the network drops the only page
        Payments.Reset();                                                              // while nobody watches
        _clock.Advance(Sample);

        using var resumed = await SseClient.ConnectAsync(_http, lastEventId: lastSeen);
        var first = await resumed.NextAsync();
        Assert.Equal("transition", first.Type);
        Assert.Equal("closed", first.Data.GetProperty("to").GetString());
        Assert.Equal(1, _server.Hub.Resumes);
    }

    [Fact]
    public async Task Events_NobodyComesBackWithin30Seconds_TheSamplerStopsAndAResumeIsASnapshot()
    {
        long lastSeen;
        using (var stream = await SseClient.ConnectAsync(_http))
        {
            lastSeen = (await stream.NextAsync()).Id!.Value;
        }

        _server.Hub.CloseStreams();
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.True(_server.Hub.IsSampling);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_server.Hub.IsSampling);

        using var again = await SseClient.ConnectAsync(_http, lastEventId: lastSeen);
        Assert.Equal("snapshot", (await again.NextAsync()).Type);                      // nothing was sampled meanwhile
        Assert.Equal(0, _server.Hub.Resumes);
    }

    [Theory]
    [InlineData(1L)]                   // older than anything the ring covers
    [InlineData(long.MaxValue - 1)]    // from the future: another process
    public async Task Events_LastEventIdNotCovered_StartsAgainWithASnapshot(long lastEventId)
    {
        using var keeper = await SseClient.ConnectAsync(_http);
        await keeper.NextAsync();

        using var resumed = await SseClient.ConnectAsync(_http, lastEventId: lastEventId);

        Assert.Equal("snapshot", (await resumed.NextAsync()).Type);
    }

    [Fact]
    public async Task Events_ControlAction_IsToldToThePagesAtOnce()
    {
        using var stream = await SseClient.ConnectAsync(_http);
        await stream.NextAsync();
        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest("fluxgate/api/breakers/payments/disable", reason: "load test");

        (await alice.SendAsync(request)).Dispose();

        var control = await stream.NextAsync();
        Assert.Equal("control", control.Type);
        Assert.Equal("alice", control.Data.GetProperty("user").GetString());
        Assert.Equal("disable", control.Data.GetProperty("action").GetString());
        Assert.Equal("payments", control.Data.GetProperty("name").GetString());
        Assert.Equal("local", control.Data.GetProperty("scope").GetString());
        Assert.Equal("load test", control.Data.GetProperty("reason").GetString());
        Assert.Equal("ok", control.Data.GetProperty("result").GetString());

        using var later = await SseClient.ConnectAsync(_http);
        var audit = Assert.Single((await later.NextAsync()).Data.GetProperty("audit").EnumerateArray());
        Assert.Equal("alice", audit.GetProperty("user").GetString());
    }

    [Fact]
    public async Task Events_OnDemandBreakers_AreAddedAndRemovedAsTheRegistryMakesAndDropsThem()
    {
        using var stream = await SseClient.ConnectAsync(_http);
        await stream.NextAsync();

        _server.Registry.GetOrAdd("tenant-7");
        _clock.Advance(Sample);
        var added = await stream.NextOfTypeAsync("added");
        Assert.Equal("tenant-7", added.Data.GetProperty("name").GetString());
        Assert.Equal("closed", added.Data.GetProperty("state").GetString());

        _server.Registry.Remove("tenant-7");
        _clock.Advance(Sample);
        var removed = await stream.NextOfTypeAsync("removed");
        Assert.Equal("tenant-7", removed.Data.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Events_NothingHappens_HeartbeatEveryHeartbeatInterval()
    {
        await StartAsync(o => o.HeartbeatInterval = TimeSpan.FromSeconds(3));
        using var stream = await SseClient.ConnectAsync(_http);
        await stream.NextAsync();

        _clock.Advance(Sample);
        _clock.Advance(Sample);
        _clock.Advance(Sample);

        var heartbeat = await stream.NextOfTypeAsync("heartbeat");
        Assert.Null(heartbeat.Id);                                                     // not an event to resume from
        Assert.Equal("2026-01-01T00:00:03Z", heartbeat.Data.GetProperty("at").GetString());
    }

    [Fact]
    public async Task Events_HeartbeatBetweenSlowSamples_GoesOutWithTheNextSampleWithinHeartbeatPlusSample()
    {
        await StartAsync(o =>
        {
            o.SampleInterval = TimeSpan.FromSeconds(10);
            o.HeartbeatInterval = TimeSpan.FromSeconds(25);
        });
        using var stream = await SseClient.ConnectAsync(_http);
        await stream.NextAsync();

        _clock.Advance(TimeSpan.FromSeconds(10));
        _clock.Advance(TimeSpan.FromSeconds(10));
        _clock.Advance(TimeSpan.FromSeconds(10));

        // Due at 25 s, sent with the sample at 30 s: within HeartbeatInterval + SampleInterval (35 s here, 40 s at most
        // with the largest settings), under the 45 s after which the page reconnects.
        var heartbeat = await stream.NextOfTypeAsync("heartbeat");
        Assert.Equal("2026-01-01T00:00:30Z", heartbeat.Data.GetProperty("at").GetString());
    }

    [Fact]
    public async Task Events_UnchangedBreakers_AreLeftOutOfMetricsButForEveryTenthSample()
    {
        using var stream = await SseClient.ConnectAsync(_http);
        await stream.NextAsync();

        Payments.ForceOpen();
        _clock.Advance(Sample);
        var changed = await stream.NextOfTypeAsync("metrics");
        Assert.Equal(["payments"], changed.Data.GetProperty("breakers").EnumerateArray().Select(b => b.GetProperty("name").GetString()!));

        for (var i = 0; i < 9; i++)
        {
            _clock.Advance(Sample);                                                    // samples 2–10: only the 10th is sent
        }

        var full = await stream.NextOfTypeAsync("metrics");
        Assert.Equal(2, full.Data.GetProperty("breakers").GetArrayLength());
    }

    [Fact]
    public async Task Events_BeyondMaxStreams_Returns503()
    {
        await StartAsync(o => o.MaxStreams = 1);
        using var first = await SseClient.ConnectAsync(_http);
        await first.NextAsync();

        using var second = await _http.GetAsync("fluxgate/api/events");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal("10", second.Headers.GetValues("Retry-After").Single());
        Assert.Contains(_server.Logs.Entries, e => e.EventId.Name == "DashboardStreamRefused");
    }

    [Fact]
    public async Task Events_AClientThatDoesNotRead_IsDroppedWhenItsQueueIsFull()
    {
        // Many breakers with long names, all open: every sample's metrics event carries all of them (their wait counts down),
        // about 150 KB each, so a client that never reads fills the socket, the server's buffer, then its queue.
        var names = Enumerable.Range(0, 300).Select(i => $"breaker-{i:D3}-" + new string('x', 200)).ToArray();
        await StartAsync(o => o.MaxQueuedEventsPerStream = 16, services =>
        {
            foreach (var name in names)
            {
                services.AddCircuitBreaker(name, o => o.Retry = Retry.Cooldown(TimeSpan.FromHours(1)));
            }
        });
        foreach (var name in names)
        {
            _server.Breaker(name).Trip();
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, _server.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /fluxgate/api/events HTTP/1.1\r\nHost: 127.0.0.1:{_server.BaseAddress.Port}\r\n\r\n"));
        var buffer = new byte[64 * 1024];
        Assert.True(await ReceiveAsync(socket, buffer) > 0);                           // the answer began: the stream is connected
        var connected = _server.Hub.StreamCount;

        var samples = 0;
        while (_server.Hub.StreamCount > 0 && samples < 2_000)                       // each sample is synchronous: no waiting
        {
            _clock.Advance(Sample);
            samples++;
        }

        Assert.Equal(1, connected);
        Assert.Equal(0, _server.Hub.StreamCount);
        Assert.True(_server.Hub.IsSampling);                                           // lingers, for the page to resume
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(_server.Hub.IsSampling);                                          // nobody came back: stopped
        var dropped = Assert.Single(_server.Logs.Entries, e => e.EventId.Name == "DashboardStreamDropped");
        Assert.Equal(16, dropped.State["Queued"]);

        // The connection is closed: reading what was sent ends.
        int read;
        do
        {
            read = await ReceiveAsync(socket, buffer);
        }
        while (read > 0);
    }

    private static async Task<int> ReceiveAsync(Socket socket, byte[] buffer)
    {
        try
        {
            return await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (SocketException)
        {
            return 0; // reset: closed as well
        }
    }
}
