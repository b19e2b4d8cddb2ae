using System.Collections.Concurrent;
using Fluxgate.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fluxgate.AspNetCore.Tests.Browser;

/// <summary>
/// The dashboard in a real browser: Debian's chromium, headless, driven by Playwright. The server runs on the real clock
/// with a 100 ms sample, so "shows within 2 s" is the real behaviour; every wait is Playwright's auto-waiting expect.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class PageTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(100);

    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<DashboardServer> _servers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    private async Task<DashboardServer> StartAsync(Action<IServiceCollection> configure, Action<WebApplication>? map = null)
    {
        var server = await DashboardServer.StartAsync(configure, map: map);
        _servers.Add(server);
        return server;
    }

    /// <summary>A fresh browser context (its own cookies), signed in as <paramref name="user"/> when given.</summary>
    private async Task<IPage> OpenAsync(DashboardServer server, string? user = null, string path = "fluxgate/")
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString() });
        _contexts.Add(context);
        if (user is not null)
        {
            await context.AddCookiesAsync([new Cookie { Name = TestAuthHandler.Cookie, Value = user, Url = server.BaseAddress.ToString() }]);
        }

        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live");
        return page;
    }

    private static ILocator Card(IPage page, string name) =>
        page.Locator("#grid > article.breaker").Filter(new LocatorFilterOptions { Has = page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = name, Exact = true }) });

    [Fact]
    public async Task Page_ListsEveryBreaker()
    {
        var handMade = new CircuitBreaker(new CircuitBreakerOptions { Name = "legacy-soap" });
        var server = await StartAsync(services =>
        {
            services.AddCircuitBreaker("payments", _ => { });
            services.AddCircuitBreaker("inventory", o => o.MeasureDurations = false);
            services.AddCircuitBreaker("partners/api.example.com:443", _ => { });
            services.AddFluxgateDashboard(o => o.Breakers.Add(handMade));
        });
        server.Breaker("payments").Execute(() => 1);
        server.Breaker("inventory").Execute(() => 1);

        var page = await OpenAsync(server);

        var cards = page.Locator("#grid > article.breaker");
        await Expect(cards).ToHaveCountAsync(4);
        var names = await cards.EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.name).sort()");
        Assert.Equal(["inventory", "legacy-soap", "partners/api.example.com:443", "payments"], names);
        await Expect(page.Locator("#counts")).ToHaveTextAsync("4 closed");
        await Expect(Card(page, "inventory").Locator(".line.window")).ToContainTextAsync("0/1 failed");
        await Expect(Card(page, "inventory").Locator(".line.window")).ToContainTextAsync("· durations not measured");
        await Expect(Card(page, "payments").Locator(".line.window")).ToContainTextAsync("· avg ");
    }

    [Fact]
    public async Task Page_ATransition_ShowsWithin2SecondsWithoutAReload()
    {
        var server = await StartAsync(services =>
        {
            services.AddCircuitBreaker("payments", o => o.Tripper = Tripper.MinRequests(5) & Tripper.FailureRate(0.5));
            services.AddFluxgateDashboard(o => o.SampleInterval = Fast);
        });
        var page = await OpenAsync(server);
        var card = Card(page, "payments");
        await Expect(card).ToHaveAttributeAsync("data-state", "closed");
        await page.EvaluateAsync("() => { window.notReloaded = true; }");

        var payments = server.Breaker("payments");
        for (var i = 0; i < 5; i++)
        {
            Assert.Throws<InvalidOperationException>(() => payments.Execute(() => throw new InvalidOperationException()));
        }

        Assert.Equal(CircuitState.Open, payments.State);
        await Expect(card).ToHaveAttributeAsync("data-state", "open", new() { Timeout = 2_000 });
        await Expect(card.Locator(".badge")).ToHaveTextAsync("open", new() { Timeout = 2_000 });
        var entry = page.Locator("#log > li.log-entry").Filter(new() { HasText = "payments" });
        await Expect(entry).ToContainTextAsync("closed → open", new() { Timeout = 2_000 });
        await Expect(entry).ToContainTextAsync("opened by its tripper");
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"));
    }

    [Fact]
    public async Task Page_StreamDrops_ShowsReconnectingThenResumesWithWhatItMissed()
    {
        var server = await StartAsync(services =>
        {
            services.AddCircuitBreaker("payments", _ => { });
            services.AddFluxgateDashboard(o => o.SampleInterval = Fast);
        });
        var page = await OpenAsync(server);
        var card = Card(page, "payments");
        var payments = server.Breaker("payments");
        payments.ForceOpen();
        await Expect(card).ToHaveAttributeAsync("data-state", "forced_open");

        server.Hub.CloseStreams();                                                     // the network drops the page's stream
        await Expect(page.Locator("#banner")).ToBeVisibleAsync();
        await Expect(page.Locator("#connection")).ToHaveTextAsync("reconnecting…");
        payments.Reset();                                                              // while the page is away

        await Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        await Expect(page.Locator("#banner")).ToBeHiddenAsync();
        await Expect(card).ToHaveAttributeAsync("data-state", "closed");
        await Expect(page.Locator("#log > li.log-entry").Filter(new() { HasText = "forced_open → closed" })).ToHaveCountAsync(1);
        Assert.Equal(1, server.Hub.Resumes);                                           // Last-Event-ID: no new snapshot
    }

    [Fact]
    public async Task Page_AHostileBreakerName_IsShownAsTextAndRunsNothing()
    {
        const string img = "<img src=x onerror=alert(1)>";
        const string script = "\"><script>alert(2)</script>";
        var server = await StartAsync(services =>
        {
            services.AddCircuitBreaker(img, _ => { });
            services.AddCircuitBreaker(script, _ => { });
            services.AddFluxgateDashboard(o => o.SampleInterval = Fast);
        });
        var dialogs = new ConcurrentQueue<string>();
        var requests = new ConcurrentQueue<string>();
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString() });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Enqueue(dialog.Message);
            _ = dialog.DismissAsync();
        };
        page.Request += (_, request) => requests.Enqueue(request.Url);
        await page.GotoAsync("fluxgate/");
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live");

        await Expect(Card(page, img)).ToHaveCountAsync(1);
        await Expect(Card(page, script)).ToHaveCountAsync(1);
        // A transition of each, so the log renders the names too.
        server.Breaker(img).ForceOpen();
        server.Breaker(script).ForceOpen();
        await Expect(page.Locator("#log > li.log-entry")).ToHaveCountAsync(2);

        Assert.Equal(img, await Card(page, img).Locator("h3").TextContentAsync());
        Assert.Equal(script, await Card(page, script).Locator("h3").TextContentAsync());
        await Expect(page.Locator("#log .log-name").Filter(new() { HasText = img })).ToHaveCountAsync(1);
        await Expect(page.Locator("main img")).ToHaveCountAsync(0);
        await Expect(page.Locator("main script")).ToHaveCountAsync(0);
        Assert.Empty(dialogs);
        Assert.DoesNotContain(requests, url => url.EndsWith("/x", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Page_WithoutControl_ShowsNoButtons()
    {
        var readOnly = await StartAsync(services => services.AddCircuitBreaker("payments", _ => { }));
        var withControl = await StartAsync(services =>
        {
            services.AddCircuitBreaker("payments", _ => { });
            services.AddFluxgateDashboard(o => o.ControlPolicy = TestAuthHandler.Policy);
        });

        var signedInButReadOnly = await OpenAsync(readOnly, user: "alice");
        var anonymous = await OpenAsync(withControl);
        var allowed = await OpenAsync(withControl, user: "alice");

        await Expect(Card(signedInButReadOnly, "payments")).ToHaveCountAsync(1);
        await Expect(Card(anonymous, "payments")).ToHaveCountAsync(1);
        await Expect(signedInButReadOnly.Locator("button[data-action]")).ToHaveCountAsync(0);
        await Expect(anonymous.Locator("button[data-action]")).ToHaveCountAsync(0);
        await Expect(Card(allowed, "payments").Locator("button[data-action]")).ToHaveCountAsync(4);   // the same page, a user of the policy
    }

    [Fact]
    public async Task Page_WithControl_ForceOpenThroughTheConfirmation_OpensTheBreakerAndAuditsIt()
    {
        var server = await StartAsync(services =>
        {
            services.AddCircuitBreaker("payments", _ => { });
            services.AddFluxgateDashboard(o =>
            {
                o.ControlPolicy = TestAuthHandler.Policy;
                o.SampleInterval = Fast;
            });
        });
        var page = await OpenAsync(server, user: "alice");
        var card = Card(page, "payments");

        await card.Locator("button[data-action=\"force-open\"]").ClickAsync();
        var dialog = page.Locator("dialog#confirm");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.Locator("input[name=scope][value=fleet]")).ToBeHiddenAsync();   // no fleet: this replica only
        await dialog.Locator("textarea[name=reason]").FillAsync("payments provider incident #42");
        await dialog.Locator("button[value=confirm]").ClickAsync();

        await Expect(page.Locator("#action-status")).ToContainTextAsync("200");
        Assert.Equal(CircuitState.ForcedOpen, server.Breaker("payments").State);
        await Expect(card).ToHaveAttributeAsync("data-state", "forced_open", new() { Timeout = 2_000 });
        await Expect(page.Locator("#log > li.log-audit")).ToContainTextAsync("alice");
        var audit = Assert.Single(server.Audit());
        Assert.Equal("alice", audit.State["User"]);
        Assert.Equal("payments provider incident #42", audit.State["Reason"]);
        Assert.Equal("ok", audit.State["Result"]);
    }

    [Fact]
    public async Task Post_AnonymousOrCrossSite_IsRefused()
    {
        var server = await StartAsync(services =>
        {
            services.AddCircuitBreaker("payments", _ => { });
            services.AddFluxgateDashboard(o => o.ControlPolicy = TestAuthHandler.Policy);
        });
        var target = new Uri(server.BaseAddress, "fluxgate/api/breakers/payments/force-open").ToString();

        // Another origin (another port) whose page posts a form to the dashboard as soon as it loads.
        var attacker = await StartAsync(_ => { }, app =>
        {
            app.MapGet("/form", () => Results.Content(
                $"<form method=post action=\"{target}\" enctype=\"text/plain\"><input name='{{\"reason\":\"x\",\"a\":\"' value='\"}}'></form><script>document.forms[0].submit()</script>",
                "text/html"));
            app.MapGet("/blank", () => Results.Content("<p>blank</p>", "text/html"));
        });

        // Anonymous, from the dashboard's own page: exactly what the page sends, without a user.
        var anonymous = await OpenAsync(server);
        var status = await anonymous.EvaluateAsync<int>(
            "async () => (await fetch('api/breakers/payments/force-open', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Fluxgate-Control': '1' }, body: '{\"reason\":\"x\"}' })).status");
        Assert.Equal(401, status);

        // Signed in (the cookie goes to every port of 127.0.0.1), but from the attacker's page.
        var context = await browser.Browser.NewContextAsync();
        _contexts.Add(context);
        await context.AddCookiesAsync([new Cookie { Name = TestAuthHandler.Cookie, Value = "alice", Url = server.BaseAddress.ToString() }]);
        var page = await context.NewPageAsync();
        var form = await page.RunAndWaitForResponseAsync(() => page.GotoAsync(new Uri(attacker.BaseAddress, "form").ToString()), r => r.Url == target);
        Assert.Equal(403, form.Status);                                                // the form could not send the header

        await page.GotoAsync(new Uri(attacker.BaseAddress, "blank").ToString());
        var withHeader = await page.EvaluateAsync<string>(
            "async url => { try { const r = await fetch(url, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json', 'X-Fluxgate-Control': '1' }, body: '{}' }); return 'sent ' + r.status; } catch { return 'blocked'; } }",
            target);
        Assert.Equal("blocked", withHeader);                                           // the preflight is never answered
        var simple = await page.EvaluateAsync<string>(
            "async url => (await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{\"reason\":\"x\"}' })).type",
            target);
        Assert.Equal("opaque", simple);                                                // sent, refused, unreadable

        Assert.Equal(CircuitState.Closed, server.Breaker("payments").State);
        Assert.All(server.Audit(), entry => Assert.Equal("refused", entry.State["Result"]));
        Assert.Equal(2, server.Audit().Count);                                         // the form and the simple fetch, both as alice
    }
}
