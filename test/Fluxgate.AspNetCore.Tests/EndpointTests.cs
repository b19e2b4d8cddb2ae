using System.Net;
using System.Text.Json;
using Fluxgate.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.AspNetCore.Tests;

/// <summary>The read endpoints, the page and its assets against a real Kestrel, with a plain HttpClient.</summary>
public sealed class EndpointTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private DashboardServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync(services =>
        {
            services.AddCircuitBreaker("payments", o =>
            {
                o.Window = new CountWindow(10);
                o.Tripper = Tripper.MinRequests(2) & Tripper.FailureRate(0.5);
                o.Retry = Retry.Cooldown(TimeSpan.FromSeconds(60));
            });
            services.AddCircuitBreaker("inventory", o =>
            {
                o.Window = new TimeWindow(TimeSpan.FromSeconds(10));
                o.MeasureDurations = false;
            });
            services.AddCircuitBreaker("partners/api.example.com:443", _ => { });
        }, _clock);
        _http = _server.Client();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task GetBreakers_ReturnsEveryBreakerWithTheDocumentedShape()
    {
        var payments = _server.Breaker("payments");
        payments.Execute(() => 1);
        Assert.Throws<InvalidOperationException>(() => payments.Execute(() => throw new InvalidOperationException()));
        _clock.Advance(TimeSpan.FromSeconds(10));

        using var response = await _http.GetAsync("fluxgate/api/breakers");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var names = json.RootElement.EnumerateArray().Select(b => b.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["inventory", "partners/api.example.com:443", "payments"], names);

        var open = json.RootElement.EnumerateArray().Single(b => b.GetProperty("name").GetString() == "payments");
        Assert.Equal(
            ["name", "state", "since", "cause", "sequence", "reopens", "consecutiveFailures", "window", "callsPerSecond", "failuresPerSecond", "retryAfter", "policy", "inFleet", "fleet", "transitions"],
            open.EnumerateObject().Select(p => p.Name));
        Assert.Equal("open", open.GetProperty("state").GetString());
        Assert.Equal("tripper", open.GetProperty("cause").GetString());
        Assert.Equal("2026-01-01T00:00:00Z", open.GetProperty("since").GetString());
        Assert.Equal(50, open.GetProperty("retryAfter").GetDouble());                   // Cooldown(60s), opened 10 s ago
        Assert.Equal(JsonValueKind.Null, open.GetProperty("fleet").ValueKind);
        Assert.False(open.GetProperty("inFleet").GetBoolean());
        Assert.Contains("Retry=Cooldown(1m)", open.GetProperty("policy").GetString(), StringComparison.Ordinal);
        var window = open.GetProperty("window");
        Assert.Equal(["total", "failures", "failureRate", "avgDurationMs", "durationsMeasured"], window.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, window.GetProperty("total").GetInt32());                         // cleared when the circuit opened
        var transition = Assert.Single(open.GetProperty("transitions").EnumerateArray());
        Assert.Equal(["from", "to", "cause", "at", "sequence", "total", "failures"], transition.EnumerateObject().Select(p => p.Name));
        Assert.Equal("closed", transition.GetProperty("from").GetString());
        Assert.Equal("open", transition.GetProperty("to").GetString());
        Assert.Equal(1, transition.GetProperty("sequence").GetInt64());
        Assert.Equal(2, transition.GetProperty("total").GetInt32());                      // the evidence it opened on
        Assert.Equal(1, transition.GetProperty("failures").GetInt32());
    }

    [Fact]
    public async Task GetBreaker_Known_ReturnsItAndUnknown_Returns404()
    {
        using var found = await _http.GetAsync("fluxgate/api/breakers/PAYMENTS");
        using var missing = await _http.GetAsync("fluxgate/api/breakers/nope");

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        using var json = JsonDocument.Parse(await found.Content.ReadAsStringAsync());
        Assert.Equal("payments", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("closed", json.RootElement.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("nope", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetBreaker_NameWithASlash_IsFoundThroughAnEncodedSlash()
    {
        using var response = await _http.GetAsync("fluxgate/api/breakers/" + Uri.EscapeDataString("partners/api.example.com:443"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("partners/api.example.com:443", json.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task GetBreaker_TimeWindow_HasCallRatesOverTheWindow()
    {
        var inventory = _server.Breaker("inventory");
        _clock.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 20; i++)
        {
            inventory.Execute(() => 1);
        }

        using var json = JsonDocument.Parse(await _http.GetStringAsync("fluxgate/api/breakers/inventory"));

        Assert.Equal(2.0, json.RootElement.GetProperty("callsPerSecond").GetDouble());   // 20 calls in a 10 s window
        Assert.Equal(0.0, json.RootElement.GetProperty("failuresPerSecond").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("retryAfter").ValueKind);
    }

    [Fact]
    public async Task GetBreaker_BreakerThatDoesNotTimeItsCalls_SaysDurationsAreNotMeasured()
    {
        _server.Breaker("inventory").Execute(() => _clock.Advance(TimeSpan.FromMilliseconds(40)));
        _server.Breaker("payments").Execute(() => _clock.Advance(TimeSpan.FromMilliseconds(40)));

        using var untimed = JsonDocument.Parse(await _http.GetStringAsync("fluxgate/api/breakers/inventory"));
        using var timed = JsonDocument.Parse(await _http.GetStringAsync("fluxgate/api/breakers/payments"));

        var window = untimed.RootElement.GetProperty("window");
        Assert.Equal((1, JsonValueKind.Null, false), (window.GetProperty("total").GetInt32(), window.GetProperty("avgDurationMs").ValueKind, window.GetProperty("durationsMeasured").GetBoolean()));
        window = timed.RootElement.GetProperty("window");
        Assert.Equal((1, 40.0, true), (window.GetProperty("total").GetInt32(), window.GetProperty("avgDurationMs").GetDouble(), window.GetProperty("durationsMeasured").GetBoolean()));
    }

    [Fact]
    public async Task GetFleet_NoFleetRegistered_Returns404()
    {
        using var response = await _http.GetAsync("fluxgate/api/fleet/payments");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No fleet is registered", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPrefix_WithoutTrailingSlash_RedirectsToTheSlash()
    {
        using var response = await _http.GetAsync("fluxgate?x=1");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/fluxgate/?x=1", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task GetPage_IsServedWithAStrictSecurityPolicy()
    {
        using var response = await _http.GetAsync("fluxgate/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-control=\"false\"", html, StringComparison.Ordinal);   // read-only: no buttons
        Assert.Contains("<script src=\"app.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{CONTROL}}", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fluxgate/app.js", "text/javascript; charset=utf-8", "EventSource('api/events')")]
    [InlineData("fluxgate/app.css", "text/css; charset=utf-8", "--closed")]
    public async Task GetAsset_IsServedFromTheAssemblyWithAnETag_AndRevalidatesTo304(string path, string contentType, string content)
    {
        using var first = await _http.GetAsync(path);
        var etag = first.Headers.ETag;
        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(etag!);
        using var second = await _http.SendAsync(again);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(contentType, first.Content.Headers.ContentType?.ToString());
        Assert.Equal("no-cache", first.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", first.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains(content, await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task PostControl_ControlOff_Returns404BecauseTheRoutesDoNotExist()
    {
        using var authenticated = _server.Client("alice");
        using var request = DashboardServer.ControlRequest("fluxgate/api/breakers/payments/force-open");

        using var response = await authenticated.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(CircuitState.Closed, _server.Breaker("payments").State);
        Assert.Empty(_server.Audit());
    }

    [Fact]
    public async Task MapFluxgate_AnotherPrefix_ServesEverythingUnderIt()
    {
        await using var server = await DashboardServer.StartAsync(
            services => services.AddCircuitBreaker("payments", _ => { }),
            _clock,
            app => app.MapFluxgate("/ops/breakers/"));
        using var http = server.Client();

        using var page = await http.GetAsync("ops/breakers/");
        using var script = await http.GetAsync("ops/breakers/app.js");
        using var breakers = await http.GetAsync("ops/breakers/api/breakers");
        using var old = await http.GetAsync("fluxgate/");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.OK, breakers.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
    }

    [Fact]
    public async Task MapFluxgate_RequireAuthorizationOnTheGroup_ProtectsEveryEndpoint()
    {
        await using var server = await DashboardServer.StartAsync(
            services => services.AddCircuitBreaker("payments", _ => { }),
            _clock,
            app => app.MapFluxgate().RequireAuthorization(TestAuthHandler.Policy));
        using var anonymous = server.Client();
        using var alice = server.Client("alice");

        using var page = await anonymous.GetAsync("fluxgate/");
        using var list = await anonymous.GetAsync("fluxgate/api/breakers");
        using var events = await anonymous.GetAsync("fluxgate/api/events");
        using var allowed = await alice.GetAsync("fluxgate/api/breakers");

        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, events.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task GetBreakers_BreakersAddedInOptions_AreShownBesideTheContainers()
    {
        var handMade = new CircuitBreaker(new CircuitBreakerOptions { Name = "legacy", TimeProvider = _clock });
        await using var server = await DashboardServer.StartAsync(
            services =>
            {
                services.AddCircuitBreaker("payments", _ => { });
                services.AddFluxgateDashboard(o => o.Breakers.Add(handMade));
            },
            _clock);
        using var http = server.Client();

        using var json = JsonDocument.Parse(await http.GetStringAsync("fluxgate/api/breakers"));

        Assert.Equal(["legacy", "payments"], json.RootElement.EnumerateArray().Select(b => b.GetProperty("name").GetString()!));
    }
}
