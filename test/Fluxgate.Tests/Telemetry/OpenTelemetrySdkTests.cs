using Fluxgate.Tests.Support;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OtelMetric = OpenTelemetry.Metrics.Metric;

namespace Fluxgate.Tests.Telemetry;

/// <summary>The wiring docs/opentelemetry.md shows, run with the real OpenTelemetry SDK and its in-memory exporter.</summary>
[Collection(MeterSerial.Name)]
public class OpenTelemetrySdkTests
{
    [Fact]
    public void MeterProvider_WithAddMeterFluxgate_ExportsEveryInstrumentTaggedWithTheCircuit()
    {
        var exported = new List<OtelMetric>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(FluxgateMetrics.MeterName)
            .AddInMemoryExporter(exported)
            .Build();
        var clock = TestKit.NewClock();
        var name = "otel-" + Guid.NewGuid().ToString("N");
        var options = TestKit.Options(clock, Tripper.FailureStreak(2));
        options.Name = name;
        var breaker = new CircuitBreaker(options);

        breaker.Succeed(clock, TimeSpan.FromMilliseconds(40));
        breaker.Fail(clock);
        breaker.Fail(clock);
        breaker.AssertRejects();
        meterProvider.ForceFlush();

        var byName = exported.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
        Assert.Equal(
            new Dictionary<string, long> { ["success"] = 1, ["failure"] = 2, ["rejected"] = 1 },
            Points(byName[FluxgateMetrics.CallsInstrument], name).ToDictionary(p => (string)Tag(p, FluxgateMetrics.OutcomeTag)!, p => p.GetSumLong()));
        var transition = Assert.Single(Points(byName[FluxgateMetrics.TransitionsInstrument], name));
        Assert.Equal(("closed", "open"), ((string)Tag(transition, FluxgateMetrics.OldStateTag)!, (string)Tag(transition, FluxgateMetrics.NewStateTag)!));
        var durations = Points(byName[FluxgateMetrics.CallDurationInstrument], name).Single(p => (string?)Tag(p, FluxgateMetrics.OutcomeTag) == "success");
        Assert.Equal(0.04, durations.GetHistogramSum(), 6);
        Assert.Equal("s", byName[FluxgateMetrics.CallDurationInstrument].Unit);
        var open = Points(byName[FluxgateMetrics.StateInstrument], name).Single(p => (string?)Tag(p, FluxgateMetrics.StateTag) == "open");
        Assert.Equal(1, open.GetGaugeLastValueLong());
        GC.KeepAlive(breaker);
    }

    [Fact]
    public async Task PrometheusExporter_ScrapedAsText_HasTheSeriesTheDocsQuery()
    {
        var port = LoopbackServer.FreePort();
        using var meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(FluxgateMetrics.MeterName)
            .AddPrometheusHttpListener(o => { o.Host = "127.0.0.1"; o.Port = port; })
            .Build();
        var clock = TestKit.NewClock();
        var name = "prom-" + Guid.NewGuid().ToString("N")[..8];
        var options = TestKit.Options(clock, Tripper.FailureStreak(1));
        options.Name = name;
        var breaker = new CircuitBreaker(options);
        breaker.Succeed(clock, TimeSpan.FromMilliseconds(40));
        breaker.Fail(clock);
        breaker.AssertRejects();
        using var http = new HttpClient();

        var scrape = PrometheusText.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")));

        // The names docs/opentelemetry.md's queries use, with their kinds.
        Assert.Equal("counter", scrape.Types["fluxgate_circuit_breaker_calls_total"]);
        Assert.Equal("histogram", scrape.Types["fluxgate_circuit_breaker_call_duration_seconds"]);
        Assert.Equal("counter", scrape.Types["fluxgate_circuit_breaker_transitions_total"]);
        Assert.Equal("gauge", scrape.Types["fluxgate_circuit_breaker_state"]);
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_calls_total", ("circuit_name", name), ("outcome", "rejected")));
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_call_duration_seconds_count", ("circuit_name", name), ("outcome", "success")));
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_transitions_total", ("circuit_name", name), ("old_state", "closed"), ("new_state", "open")));
        Assert.Equal(1, scrape.Value("fluxgate_circuit_breaker_state", ("circuit_name", name), ("state", "open")));
        GC.KeepAlive(breaker);
    }

    private static List<MetricPoint> Points(OtelMetric metric, string circuit)
    {
        var points = new List<MetricPoint>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            if ((string?)Tag(point, FluxgateMetrics.CircuitNameTag) == circuit)
            {
                points.Add(point);
            }
        }

        return points;
    }

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }
}
