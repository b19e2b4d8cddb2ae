using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Polly;

namespace Fluxgate.Benchmarks;

/// <summary>
/// What the core's meter costs a closed-state call: nobody listening (one <c>Instrument.Enabled</c> read per call), and a
/// <see cref="MeterListener"/> taking every call count and duration (as an OpenTelemetry SDK or the Prometheus exporter
/// would). Polly (Polly.Core without telemetry configured) as the reference.
/// </summary>
[Config(typeof(BenchConfig))]
[BenchmarkCategory("Meter")]
public class MeterBenchmarks
{
    private CircuitBreaker _fluxgate = null!;
    private ResiliencePipeline _polly = null!;
    private MeterListener? _listener;
    private long _measurements;

    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fluxgate = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5));
        _polly = Setups.Polly(minimumThroughput: int.MaxValue);
        if (Listening)
        {
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name is FluxgateMetrics.MeterName or "Polly")
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _listener.Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _listener?.Dispose();

    [Benchmark]
    public int Fluxgate_Success() => _fluxgate.Execute(static () => Work());

    [Benchmark]
    public int Polly_Success() => _polly.Execute(static () => Work());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Work() => 42;
}
