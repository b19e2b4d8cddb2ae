using System.Text;
using Prometheus;

namespace Fluxgate.Prometheus.Tests;

/// <summary>
/// The core's meter exported to a real prometheus-net registry and scraped as text: the series have the names and
/// kinds docs/opentelemetry.md and docs/prometheus.md give (those of OpenTelemetry's Prometheus exporter).
/// </summary>
[Collection(MeterSerial.Name)]
public sealed class FluxgateMeterExporterTests : IDisposable
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly FluxgateMeterExporter _exporter;
    private readonly string _name = "exported_" + Guid.NewGuid().ToString("N")[..8];

    public FluxgateMeterExporterTests() => _exporter = new FluxgateMeterExporter(_registry);

    public void Dispose() => _exporter.Dispose();

    [Fact]
    public async Task Calls_Durations_TransitionsAndState_HaveTheDocumentedNamesAndKinds()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(2));
        options.Name = _name;
        var breaker = new CircuitBreaker(options);

        breaker.Succeed(_clock, TimeSpan.FromMilliseconds(20));
        breaker.Fail(_clock);
        breaker.Fail(_clock);                                    // opens
        breaker.AssertRejects();

        var scrape = await Scrape();
        Assert.Equal("counter", scrape.Types["fluxgate_circuit_breaker_calls_total"]);
        Assert.Equal("histogram", scrape.Types["fluxgate_circuit_breaker_call_duration_seconds"]);
        Assert.Equal("counter", scrape.Types["fluxgate_circuit_breaker_transitions_total"]);
        Assert.Equal("gauge", scrape.Types["fluxgate_circuit_breaker_state"]);
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_calls_total", ("circuit_name", _name), ("outcome", "success")));
        Assert.Equal(2, scrape.Value("fluxgate_circuit_breaker_calls_total", ("circuit_name", _name), ("outcome", "failure")));
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_calls_total", ("circuit_name", _name), ("outcome", "rejected")));
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_call_duration_seconds_count", ("circuit_name", _name), ("outcome", "success")));
        Assert.Equal(0.02, scrape.Value("fluxgate_circuit_breaker_call_duration_seconds_sum", ("circuit_name", _name), ("outcome", "success")), 6);
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_call_duration_seconds_bucket", ("circuit_name", _name), ("outcome", "success"), ("le", "0.025")));
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_transitions_total", ("circuit_name", _name), ("old_state", "closed"), ("new_state", "open")));
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_state", ("circuit_name", _name), ("state", "open")));
        Assert.Equal(0, scrape.Value("fluxgate_circuit_breaker_state", ("circuit_name", _name), ("state", "closed")));
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("fluxgate_fluxgate", StringComparison.Ordinal));
        GC.KeepAlive(breaker);
    }

    [Fact]
    public async Task Failures_OfListenersAndParts_AreCounted()
    {
        var options = TestKit.Options(_clock, new ThrowingTripper());
        options.Name = _name;
        options.Listeners.Add(new ThrowingListener());
        var breaker = new CircuitBreaker(options);

        breaker.Succeed(_clock);
        breaker.ForceOpen();

        var scrape = await Scrape();
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_component_failures_total", ("circuit_name", _name), ("operation", "Tripper.Evaluate")));
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_listener_failures_total", ("circuit_name", _name)));
        Assert.Equal("counter", scrape.Types["fluxgate_circuit_breaker_component_failures_total"]);
    }

    [Fact]
    public async Task RemoveCircuit_DropsTheBreakersSeries()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Name = _name;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(_clock);
        _ = await Scrape();                                      // observes the state gauge: six series

        var removed = _exporter.RemoveCircuit(_name);

        Assert.Equal(9, removed);                                 // + one call, one duration, one transition
        Assert.Equal(0, _exporter.RemoveCircuit(_name));
        breaker.Reset();
        Assert.Equal(1, (await Scrape()).Value("fluxgate_circuit_breaker_transitions_total", ("circuit_name", _name), ("old_state", "open"), ("new_state", "closed")));
    }

    [Fact]
    public void Constructor_NullRegistry_Throws() =>
        Assert.Equal("registry", Assert.Throws<ArgumentNullException>(() => new FluxgateMeterExporter(null!)).ParamName);

    private async Task<PrometheusText> Scrape()
    {
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream);
        return PrometheusText.Parse(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private sealed class ThrowingTripper : Tripper
    {
        public override bool Evaluate(CallContext context) => throw new InvalidOperationException("tripper bug");
    }

    private sealed class ThrowingListener : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => throw new InvalidOperationException("listener bug");
    }
}

/// <summary>Tests that listen to the process-wide Fluxgate meter run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeterSerial
{
    public const string Name = "Fluxgate meter";

    [Fact]
    public void BothExporters_OnOneRegistry_AreRefused_SoNoSeriesIsPublishedTwice()
    {
        var registry = Metrics.NewCustomRegistry();
        _ = new PrometheusListener(registry);
        _ = new PrometheusListener(registry); // more of one kind share it

        var error = Assert.Throws<InvalidOperationException>(() => new FluxgateMeterExporter(registry));
        Assert.Contains("Use one of the two", error.Message, StringComparison.Ordinal);

        var other = Metrics.NewCustomRegistry();
        var exporter = new FluxgateMeterExporter(other);
        Assert.Contains("PrometheusListener would publish them again", Assert.Throws<InvalidOperationException>(() => new PrometheusListener(other)).Message, StringComparison.Ordinal);
        exporter.Dispose();
        _ = new PrometheusListener(other); // the exporter gone, the registry may change sides
    }
}
