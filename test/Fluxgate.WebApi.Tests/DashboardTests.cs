using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fluxgate.WebApi.Tests;

/// <summary>The sample's operator dashboard in production: the page, its JSON, and no control.</summary>
[Collection(SampleSerial.Name)]
public sealed class DashboardProductionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly HttpClient _http = new();
    private SampleHost _sample = null!;

    public async Task InitializeAsync() => _sample = await SampleHost.StartAsync(_clock, "Production");

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sample.DisposeAsync();
    }

    [Fact]
    public async Task Page_AnswersWithTheContentSecurityPolicyAndNoControl()
    {
        using var page = await _http.GetAsync(new Uri(_sample.Api, "fluxgate/"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.StartsWith("default-src 'none'; script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("data-control=\"false\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Breakers_ListTheSampleBreakerInJson()
    {
        using (var ok = await _http.GetAsync(new Uri(_sample.Api, "products/sku-42")))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var response = await _http.GetAsync(new Uri(_sample.Api, "fluxgate/api/breakers"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var breaker = Assert.Single(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray());
        Assert.Equal("inventory", breaker.GetProperty("name").GetString());
        Assert.Equal("closed", breaker.GetProperty("state").GetString());
        Assert.Equal(1, breaker.GetProperty("window").GetProperty("total").GetInt32());   // the call above
        Assert.Contains("Window=Count(20)", breaker.GetProperty("policy").GetString(), StringComparison.Ordinal);   // appsettings.json
        Assert.False(breaker.GetProperty("inFleet").GetBoolean());
    }

    [Fact]
    public async Task Control_IsNotMapped()
    {
        using var response = await _http.SendAsync(DashboardControl.Request(_sample.Api, "inventory", "force-open"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var ok = await _http.GetAsync(new Uri(_sample.Api, "products/sku-42"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);   // the breaker did not move
    }

    [Fact]
    public async Task Dashboard_AnswersOnlyOnTheApiPort()
    {
        using var response = await _http.GetAsync(new Uri(_sample.Downstream, "fluxgate/api/breakers"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

/// <summary>The sample's operator dashboard in Development: a request from this machine may control the breakers.</summary>
[Collection(SampleSerial.Name)]
public sealed class DashboardDevelopmentTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly HttpClient _http = new();
    private SampleHost _sample = null!;

    public async Task InitializeAsync() => _sample = await SampleHost.StartAsync(_clock, "Development");

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sample.DisposeAsync();
    }

    [Fact]
    public async Task Page_ShowsControlToALocalRequest()
    {
        using var page = await _http.GetAsync(new Uri(_sample.Api, "fluxgate/"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("data-control=\"true\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForceOpenThenReset_FromThisMachine_RejectThenAdmitTheProductCalls()
    {
        using (var forced = await _http.SendAsync(DashboardControl.Request(_sample.Api, "inventory", "force-open")))
        {
            Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
            var answer = JsonDocument.Parse(await forced.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("ok", answer.GetProperty("result").GetString());
            Assert.Equal("forced_open", answer.GetProperty("state").GetString());
        }

        using (var rejected = await _http.GetAsync(new Uri(_sample.Api, "products/sku-42")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
            var problem = JsonDocument.Parse(await rejected.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("forced_open", problem.GetProperty("state").GetString());
        }

        using (var reset = await _http.SendAsync(DashboardControl.Request(_sample.Api, "inventory", "reset")))
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
            Assert.Equal("closed", JsonDocument.Parse(await reset.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString());
        }

        using var ok = await _http.GetAsync(new Uri(_sample.Api, "products/sku-42"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Control_WithoutTheControlHeader_IsRefused()
    {
        using var request = DashboardControl.Request(_sample.Api, "inventory", "force-open");
        request.Headers.Remove("X-Fluxgate-Control");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var ok = await _http.GetAsync(new Uri(_sample.Api, "products/sku-42"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}

/// <summary>A control request as the dashboard's page sends it: the control header and a JSON body with a reason.</summary>
internal static class DashboardControl
{
    public static HttpRequestMessage Request(Uri api, string breaker, string action)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, $"fluxgate/api/breakers/{breaker}/{action}"))
        {
            Content = JsonContent.Create(new { reason = "test" }),
        };
        request.Headers.Add("X-Fluxgate-Control", "1");
        return request;
    }
}
