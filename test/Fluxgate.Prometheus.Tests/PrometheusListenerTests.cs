using System.Text;
using Prometheus;

namespace Fluxgate.Prometheus.Tests;

/// <summary>The listener against a real prometheus-net registry, read back through its own text exposition.</summary>
public class PrometheusListenerTests
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();

    private CircuitBreaker Breaker(PrometheusListener listener, string name)
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Name = name;
        options.Listeners.Add(listener);
        return new CircuitBreaker(options);
    }

    [Fact]
    public async Task Transitions_SetTheStateGaugeAndCountEachTransition()
    {
        var breaker = Breaker(new PrometheusListener(_registry), "payment_api");

        breaker.Fail(_clock);                                      // closed → open
        _clock.Advance(TimeSpan.FromSeconds(10));
        breaker.Succeed(_clock);                                   // open → half_open → closed
        breaker.Fail(_clock);                                      // closed → open

        var scrape = await Scrape(_registry);
        Assert.Equal(
            new Dictionary<string, double> { ["closed"] = 0, ["open"] = 1, ["half_open"] = 0, ["metrics_only"] = 0, ["disabled"] = 0, ["forced_open"] = 0 },
            scrape.Samples.Where(s => s.Name == "circuit_breaker_state").ToDictionary(s => s.Labels["state"], s => s.Value));
        Assert.Equal(
            new Dictionary<(string, string), double> { [("closed", "open")] = 2, [("open", "half_open")] = 1, [("half_open", "closed")] = 1 },
            scrape.Samples.Where(s => s.Name == "circuit_breaker_state_transition_total").ToDictionary(s => (s.Labels["old_state"], s.Labels["new_state"]), s => s.Value));
        Assert.All(scrape.Samples, s => Assert.Equal("payment_api", s.Labels["circuit_name"]));
        Assert.Contains("# HELP circuit_breaker_state Current state of the circuit breaker", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE circuit_breaker_state gauge", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# HELP circuit_breaker_state_transition_total Count of state transitions for circuit breakers", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE circuit_breaker_state_transition_total counter", scrape.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneListener_ServesManyBreakersWithSeparateSeries()
    {
        var listener = new PrometheusListener(_registry);
        var payments = Breaker(listener, "payments");
        var search = Breaker(listener, "search");

        payments.Fail(_clock);
        search.ForceOpen();

        var scrape = await Scrape(_registry);
        Assert.Equal(1, scrape.Value("circuit_breaker_state", ("circuit_name", "payments"), ("state", "open")));
        Assert.Equal(1, scrape.Value("circuit_breaker_state", ("circuit_name", "search"), ("state", "forced_open")));
        Assert.Equal(0, scrape.Value("circuit_breaker_state", ("circuit_name", "search"), ("state", "closed")));
        Assert.Equal(12, scrape.Samples.Count(s => s.Name == "circuit_breaker_state"));
    }

    [Fact]
    public async Task Track_PublishesTheCurrentStateBeforeAnyTransition()
    {
        var listener = new PrometheusListener(_registry);
        var breaker = Breaker(listener, "fresh");

        listener.Track(breaker);

        var scrape = await Scrape(_registry);
        Assert.Equal(1, scrape.Value("circuit_breaker_state", ("circuit_name", "fresh"), ("state", "closed")));
        Assert.DoesNotContain(scrape.Samples, s => s.Name == "circuit_breaker_state_transition_total");
    }

    [Fact]
    public async Task RemoveCircuit_DropsEverySeriesOfThatBreakerOnly()
    {
        var listener = new PrometheusListener(_registry);
        var tenantA = Breaker(listener, "tenant-a");
        var tenantB = Breaker(listener, "tenant-b");
        tenantA.Fail(_clock);
        tenantA.Reset();
        tenantB.Fail(_clock);

        var removed = listener.RemoveCircuit("tenant-a");

        Assert.Equal(6 + 2, removed);
        var scrape = await Scrape(_registry);
        Assert.DoesNotContain(scrape.Samples, s => s.Labels["circuit_name"] == "tenant-a");
        Assert.Equal(7, scrape.Samples.Count(s => s.Labels["circuit_name"] == "tenant-b"));
        Assert.Equal(0, listener.RemoveCircuit("never-seen"));
        Assert.Throws<ArgumentNullException>(() => listener.RemoveCircuit(null!));
    }

    [Fact]
    public async Task TwoListenersOnOneRegistry_ShareTheMetrics()
    {
        var first = new PrometheusListener(_registry);
        var second = new PrometheusListener(_registry);
        Breaker(first, "a").Fail(_clock);
        Breaker(second, "a-too").Fail(_clock);

        var scrape = await Scrape(_registry);

        Assert.Equal(2, scrape.Samples.Count(s => s.Name == "circuit_breaker_state_transition_total"));
    }

    [Fact]
    public async Task DefaultConstructor_ExportsToTheDefaultRegistry()
    {
        var name = "default-" + Guid.NewGuid().ToString("N");
        var breaker = Breaker(new PrometheusListener(), name);

        breaker.Fail(_clock);

        var scrape = await Scrape(Metrics.DefaultRegistry);
        Assert.Equal(1, scrape.Value("circuit_breaker_state", ("circuit_name", name), ("state", "open")));
    }

    [Fact]
    public async Task MetricServer_OnLoopback_ServesTheSeriesOverHttp()
    {
        var port = LoopbackServer.FreePort();
        using var server = new MetricServer("127.0.0.1", port, "metrics/", _registry);
        server.Start();
        Breaker(new PrometheusListener(_registry), "over_http").Fail(_clock);
        using var http = new HttpClient();

        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));

        var scrape = PrometheusText.Parse(text);
        Assert.Equal(1, scrape.Value("circuit_breaker_state", ("circuit_name", "over_http"), ("state", "open")));
        Assert.Equal(1, scrape.Value("circuit_breaker_state_transition_total", ("circuit_name", "over_http"), ("old_state", "closed"), ("new_state", "open")));
        await server.StopAsync();
    }

    [Fact]
    public void Constructor_NullRegistry_Throws() =>
        Assert.Equal("registry", Assert.Throws<ArgumentNullException>(() => new PrometheusListener(null!)).ParamName);

    private static async Task<PrometheusText> Scrape(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        var text = PrometheusText.Parse(Encoding.UTF8.GetString(stream.ToArray()));

        // The listener's two series only: the default registry holds the process's other metrics too.
        return text with { Samples = [.. text.Samples.Where(s => s.Name.StartsWith("circuit_breaker_", StringComparison.Ordinal))] };
    }
}
