using System.Net;
using System.Text.Json;

namespace Fluxgate.WebApi.Tests;

/// <summary>
/// The web sample, started for real (Kestrel on two free loopback ports) with a fake clock, driven through an
/// outage the way the README's curl session does.
/// </summary>
[Collection(SampleSerial.Name)]
public sealed class WebApiSampleTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly HttpClient _http = new();
    private SampleHost? _sample;
    private Uri _api = null!;

    public async Task InitializeAsync()
    {
        _sample = await SampleHost.StartAsync(_clock, "Production");
        _api = _sample.Api;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_sample is not null)
        {
            await _sample.DisposeAsync();
        }
    }

    private Task<HttpResponseMessage> Get(string path) => _http.GetAsync(new Uri(_api, path));

    private Task<HttpResponseMessage> Post(string path) => _http.PostAsync(new Uri(_api, path), null);

    [Fact]
    public async Task Outage_IsAnswered503WithRetryAfterThenRecovers()
    {
        using (var ok = await Get("products/sku-42"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains("\"available\":42", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        (await Post("admin/downstream/failing")).Dispose();
        for (var i = 0; i < 4; i++)                                         // 4 of 5 calls failed: MinRequests(5) & FailureRate(0.5)
        {
            using var failed = await Get("products/sku-42");
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        using var rejected = await Get("products/sku-42");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), rejected.Headers.RetryAfter?.Delta);
        var problem = JsonDocument.Parse(await rejected.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("inventory", problem.GetProperty("circuit").GetString());
        Assert.Equal("open", problem.GetProperty("state").GetString());
        Assert.Equal(5, await DownstreamRequestsAsync(expectedMode: "failing"));   // 1 + 4: the rejected call never reached it

        using var health = await Get("health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var check = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("circuit_breakers");
        Assert.Equal("Unhealthy", check.GetProperty("status").GetString());
        Assert.Equal("open", check.GetProperty("data").GetProperty("inventory").GetProperty("state").GetString());

        var metrics = await (await Get("metrics")).Content.ReadAsStringAsync();
        Assert.Contains("fluxgate_circuit_breaker_state{circuit_name=\"inventory\",state=\"open\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("fluxgate_circuit_breaker_transitions_total{circuit_name=\"inventory\",old_state=\"closed\",new_state=\"open\"} 1", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("\ncircuit_breaker_state{", metrics, StringComparison.Ordinal); // one exporter per registry

        // The core meter's series, as docs/opentelemetry.md names them (and as OpenTelemetry's Prometheus exporter would).
        var scrape = PrometheusText.Parse(metrics);
        Assert.Equal("counter", scrape.Types["fluxgate_circuit_breaker_calls_total"]);
        Assert.Equal("histogram", scrape.Types["fluxgate_circuit_breaker_call_duration_seconds"]);
        Assert.True(scrape.Value("fluxgate_circuit_breaker_calls_total", ("circuit_name", "inventory"), ("outcome", "rejected")) >= 1);
        Assert.True(scrape.Value("fluxgate_circuit_breaker_calls_total", ("circuit_name", "inventory"), ("outcome", "failure")) >= 4);
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("fluxgate_fluxgate", StringComparison.Ordinal));

        (await Post("admin/downstream/healthy")).Dispose();
        _clock.Advance(TimeSpan.FromSeconds(10));
        using var probe = await Get("products/sku-42");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        using var healthy = await Get("health");
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task AdminEndpoint_RejectsUnknownModes()
    {
        using var response = await Post("admin/downstream/exploding");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task DownstreamRoutes_AnswerOnlyOnTheirOwnPort()
    {
        using var response = await Get("inventory/sku-1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<int> DownstreamRequestsAsync(string expectedMode)
    {
        using var response = await Post($"admin/downstream/{expectedMode}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("downstreamRequests").GetInt32();
    }
}
