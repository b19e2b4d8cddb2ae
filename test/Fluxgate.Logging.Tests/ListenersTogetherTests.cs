using System.Net.Http.Json;
using Fluxgate.Prometheus;
using Microsoft.Extensions.Logging;
using Prometheus;
using static Fluxgate.Tripper;

namespace Fluxgate.Logging.Tests;

/// <summary>A production set-up: a breaker with the logging and Prometheus listeners together, against a real HTTP server on 127.0.0.1.</summary>
public sealed class ListenersTogetherTests : IDisposable
{
    private readonly LoopbackServer _api = new();
    private readonly HttpClient _http;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _factory;

    public ListenersTogetherTests()
    {
        _http = new HttpClient { BaseAddress = _api.BaseAddress };
        _factory = LoggerFactory.Create(b => b.AddProvider(_logs));
    }

    public void Dispose()
    {
        _factory.Dispose();
        _http.Dispose();
        _api.Dispose();
    }

    private sealed record Receipt(string Id);

    [Fact]
    public async Task ProductionExample_OutageIsLoggedAndExported()
    {
        var logger = _factory.CreateLogger("payments");
        var registry = Metrics.NewCustomRegistry();
        var clock = TestKit.NewClock();

        // ---- README: Production Example ----
        static bool IsRetriableError(Exception e) => e switch
        {
            HttpRequestException { StatusCode: { } status } => (int)status >= 500,
            HttpRequestException => true,                     // no status: the connection failed
            TimeoutException or TaskCanceledException => true,
            _ => false,
        };

        var paymentCb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "payment_api",
            Window = new CountWindow(size: 100),
            Tracker = Tracker.Custom(IsRetriableError),
            Tripper = MinRequests(20) & ((Closed() & FailureRate(0.6)) | (HalfOpened() & FailureRate(0.5))),
            Retry = Retry.Backoff(initial: TimeSpan.FromSeconds(10), multiplier: 2.0, maxDuration: TimeSpan.FromSeconds(300), jitterRatio: 0.1),
            Permit = Permit.RampUp(initial: 0.1, final: 0.5, duration: TimeSpan.FromSeconds(60)),
            Listeners = { new LogListener(logger), new PrometheusListener(registry) },
            TimeProvider = clock,
        });

        var chargePayment = paymentCb.Decorate((decimal amount) =>
        {
            var response = _http.Send(new HttpRequestMessage(HttpMethod.Post, "charge") { Content = JsonContent.Create(new { amount }) });
            response.EnsureSuccessStatusCode();
            return response.Content.ReadFromJsonAsync<Receipt>().GetAwaiter().GetResult();
        });
        // ---- end ----

        _api.Respond = _ => (200, "{\"id\":\"ch_1\"}");
        Assert.Equal("ch_1", chargePayment(10m)!.Id);
        _api.Respond = _ => (503, "{}");
        while (paymentCb.State == CircuitState.Closed)
        {
            Assert.Throws<HttpRequestException>(() => chargePayment(10m));
        }

        Assert.Equal("Circuit Breaker 'payment_api' transitioned from closed to open", Assert.Single(_logs.Entries).Message);
        using var scrape = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(scrape);
        var text = System.Text.Encoding.UTF8.GetString(scrape.ToArray());
        Assert.Contains("circuit_breaker_state{circuit_name=\"payment_api\",state=\"open\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("circuit_breaker_state_transition_total{circuit_name=\"payment_api\",old_state=\"closed\",new_state=\"open\"} 1", text, StringComparison.Ordinal);
    }
}
