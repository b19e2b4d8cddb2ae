using System.Net;
using System.Text.Json;
using Fluxgate.AspNetCore.Tests.Support;
using Fluxgate.Redis;
using Fluxgate.Redis.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fluxgate.AspNetCore.Tests.Browser;

/// <summary>
/// Two replicas of one application on a real redis-server of the test's own: this process's dashboard (replica A, from
/// the container) and a second fleet with its own breaker of the same name (replica B). Fleet-wide control from the page
/// reaches replica B through Redis.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class FleetTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(100);

    // Generous, so a replica is not taken for dead while the machine is busy (the suites run in parallel).
    private static readonly TimeSpan ReplicaTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly string _application = "dash-" + Guid.NewGuid().ToString("N")[..8];
    private readonly StateListener _replicaBListener = new();
    private readonly CircuitBreaker _localOnly = new(new CircuitBreakerOptions { Name = "local-only" });
    private RedisServer _redis = null!;
    private CircuitBreakerFleet _replicaB = null!;
    private CircuitBreaker _breakerB = null!;
    private DashboardServer _server = null!;
    private IBrowserContext? _context;

    public async Task InitializeAsync()
    {
        _redis = RedisServer.Start();
        _breakerB = new CircuitBreaker(new CircuitBreakerOptions { Name = "payments", Listeners = { _replicaBListener } });
        _replicaB = new CircuitBreakerFleet(_redis.ConnectionString, new CircuitBreakerFleetOptions { Application = _application, ReplicaId = "replica-b", HeartbeatInterval = Heartbeat, ReplicaTimeout = ReplicaTimeout });
        _replicaB.Join(_breakerB);
        await _replicaB.StartAsync();

        _server = await DashboardServer.StartAsync(services =>
        {
            services.AddCircuitBreaker("payments", _ => { });
            services.AddCircuitBreakerFleet(_redis.ConnectionString, o =>
            {
                o.Application = _application;
                o.ReplicaId = "replica-a";
                o.HeartbeatInterval = Heartbeat;
                o.ReplicaTimeout = ReplicaTimeout;
            });
            services.AddFluxgateDashboard(o =>
            {
                o.ControlPolicy = TestAuthHandler.Policy;
                o.SampleInterval = TimeSpan.FromMilliseconds(100);
                o.Breakers.Add(_localOnly);
            });
        });
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }

        await _server.DisposeAsync();
        await _replicaB.DisposeAsync();
        _redis.Dispose();
    }

    [Fact]
    public async Task Page_FleetWideForceOpen_OpensTheBreakerOnTheSecondReplica()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _server.BaseAddress.ToString() });
        await _context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = TestAuthHandler.Cookie, Value = "alice", Url = _server.BaseAddress.ToString() }]);
        var page = await _context.NewPageAsync();
        await page.GotoAsync("fluxgate/");
        var card = page.Locator("#grid > article.breaker[data-name=\"payments\"]");

        // Both replicas show as marks once the fleet's view was read (every 5 s while a page is connected).
        await Expect(card.Locator("ul.replicas > li")).ToHaveCountAsync(2, new() { Timeout = 20_000 });
        await Expect(card.Locator("li[data-replica=\"replica-b\"]")).ToHaveAttributeAsync("data-live", "true");

        using (var http = _server.Client())
        {
            using var view = JsonDocument.Parse(await http.GetStringAsync("fluxgate/api/fleet/payments"));
            var root = view.RootElement;
            Assert.Equal(
                ["name", "application", "replicaId", "coordinating", "liveReplicas", "openedOnOwnEvidence", "quorum", "policiesDiffer", "replicas", "lastCommand"],
                root.EnumerateObject().Select(p => p.Name));
            Assert.Equal(_application, root.GetProperty("application").GetString());
            Assert.Equal("replica-a", root.GetProperty("replicaId").GetString());
            Assert.Equal(2, root.GetProperty("liveReplicas").GetInt32());
            Assert.Equal(["replica-a", "replica-b"], root.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("replicaId").GetString()!));
            Assert.Equal(
                ["replicaId", "isLive", "lastHeard", "state", "since", "cause", "total", "failures", "openedOnOwnEvidence", "policy"],
                root.GetProperty("replicas")[0].EnumerateObject().Select(p => p.Name));
        }

        await card.Locator("button[data-action=\"force-open\"]").ClickAsync();
        var dialog = page.Locator("dialog#confirm");
        await dialog.Locator("textarea[name=reason]").FillAsync("provider down for every replica");
        await dialog.Locator("input[name=scope][value=fleet]").CheckAsync();
        await dialog.Locator("button[value=confirm]").ClickAsync();

        await _replicaBListener.ForcedOpen.Task.WaitAsync(Patience);
        Assert.Equal(CircuitState.ForcedOpen, _breakerB.State);
        Assert.Equal(CircuitState.ForcedOpen, _server.Breaker("payments").State);
        await Expect(page.Locator("#action-status")).ToContainTextAsync("fleet-wide: 200");   // answered: audited before
        var audit = Assert.Single(_server.Audit());
        Assert.Equal("fleet", audit.State["Scope"]);
        Assert.Equal("ok", audit.State["Result"]);
    }

    [Fact]
    public async Task Fleet_BreakerThatDidNotJoin_Returns404ForTheViewAndFleetWideControl()
    {
        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest("fluxgate/api/breakers/local-only/force-open?scope=fleet");

        using var view = await alice.GetAsync("fluxgate/api/fleet/local-only");
        using var control = await alice.SendAsync(request);
        using var unknown = await alice.GetAsync("fluxgate/api/fleet/nope");

        Assert.Equal(HttpStatusCode.NotFound, view.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, control.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(CircuitState.Closed, _localOnly.State);
        using var list = JsonDocument.Parse(await alice.GetStringAsync("fluxgate/api/breakers"));
        Assert.Equal(
            [("local-only", false), ("payments", true)],
            list.RootElement.EnumerateArray().Select(b => (b.GetProperty("name").GetString()!, b.GetProperty("inFleet").GetBoolean())));
    }

    private sealed class StateListener : ICircuitBreakerListener
    {
        public TaskCompletionSource ForcedOpen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnStateChanged(Signal signal)
        {
            if (signal.NewState == CircuitState.ForcedOpen)
            {
                ForcedOpen.TrySetResult();
            }
        }
    }
}
