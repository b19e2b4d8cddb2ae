using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Polly;

namespace Fluxgate.Benchmarks;

/// <summary>The closed state: a successful call, sync and async (synchronously completing), and a tracked failure.</summary>
[Config(typeof(BenchConfig))]
public class ClosedBenchmarks
{
    private static readonly InvalidOperationException s_failure = new("down");

    private CircuitBreaker _fluxgate = null!;
    private CircuitBreaker _untimed = null!;
    private ResiliencePipeline _polly = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fluxgate = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5));
        _untimed = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5), measureDurations: false);
        _polly = Setups.Polly(minimumThroughput: int.MaxValue);
    }

    [BenchmarkCategory("Success (sync)"), Benchmark(Baseline = true)]
    public int Direct_Success() => Work();

    [BenchmarkCategory("Success (sync)"), Benchmark]
    public int Fluxgate_Success() => _fluxgate.Execute(static () => Work());

    /// <summary>The same breaker with <see cref="CircuitBreakerOptions.MeasureDurations"/> off: no clock read on the call.</summary>
    [BenchmarkCategory("Success (sync)"), Benchmark]
    public int FluxgateUntimed_Success() => _untimed.Execute(static () => Work());

    [BenchmarkCategory("Success (sync)"), Benchmark]
    public int Polly_Success() => _polly.Execute(static () => Work());

    [BenchmarkCategory("Success (async)"), Benchmark(Baseline = true)]
    public ValueTask<int> Direct_SuccessAsync() => new(Work());

    [BenchmarkCategory("Success (async)"), Benchmark]
    public ValueTask<int> Fluxgate_SuccessAsync() => _fluxgate.ExecuteAsync(static _ => new ValueTask<int>(Work()));

    [BenchmarkCategory("Success (async)"), Benchmark]
    public ValueTask<int> Polly_SuccessAsync() => _polly.ExecuteAsync(static _ => new ValueTask<int>(Work()));

    [BenchmarkCategory("Tracked failure"), Benchmark(Baseline = true)]
    public int Direct_Failure()
    {
        try
        {
            return Fail();
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    [BenchmarkCategory("Tracked failure"), Benchmark]
    public int Fluxgate_Failure()
    {
        try
        {
            return _fluxgate.Execute(static () => Fail());
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    [BenchmarkCategory("Tracked failure"), Benchmark]
    public int Polly_Failure()
    {
        try
        {
            return _polly.Execute(static () => Fail());
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Work() => 42;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Fail() => throw s_failure;
}
