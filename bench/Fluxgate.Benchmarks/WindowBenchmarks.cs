using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Polly;

namespace Fluxgate.Benchmarks;

/// <summary>A successful call with each window, and with a tripper tree that registers slow thresholds.</summary>
[Config(typeof(BenchConfig))]
public class WindowBenchmarks
{
    private CircuitBreaker _count = null!;
    private CircuitBreaker _time = null!;
    private CircuitBreaker _countSlowTree = null!;
    private CircuitBreaker _timeSlowTree = null!;
    private ResiliencePipeline _polly = null!;

    [GlobalSetup]
    public void Setup()
    {
        var never = Tripper.MinRequests(int.MaxValue);
        var slowTree = never & ((Tripper.Closed() & (Tripper.FailureRate(0.5) | Tripper.SlowRate(0.3, TimeSpan.FromSeconds(1)) | Tripper.SlowRate(0.1, TimeSpan.FromSeconds(5))))
            | (Tripper.HalfOpened() & (Tripper.FailureRate(0.2) | Tripper.AvgLatency(TimeSpan.FromSeconds(2)))));
        _count = Setups.Fluxgate(new CountWindow(100), never & Tripper.FailureRate(0.5));
        _time = Setups.Fluxgate(new TimeWindow(TimeSpan.FromSeconds(30)), never & Tripper.FailureRate(0.5));
        _countSlowTree = Setups.Fluxgate(new CountWindow(100), slowTree);
        _timeSlowTree = Setups.Fluxgate(new TimeWindow(TimeSpan.FromSeconds(30)), slowTree);
        _polly = Setups.Polly(minimumThroughput: int.MaxValue);
    }

    [BenchmarkCategory("Windows and trippers"), Benchmark(Baseline = true)]
    public int Direct() => Work();

    [BenchmarkCategory("Windows and trippers"), Benchmark]
    public int Fluxgate_CountWindow() => _count.Execute(static () => Work());

    [BenchmarkCategory("Windows and trippers"), Benchmark]
    public int Fluxgate_TimeWindow() => _time.Execute(static () => Work());

    [BenchmarkCategory("Windows and trippers"), Benchmark]
    public int Fluxgate_CountWindow_SlowRateTree() => _countSlowTree.Execute(static () => Work());

    [BenchmarkCategory("Windows and trippers"), Benchmark]
    public int Fluxgate_TimeWindow_SlowRateTree() => _timeSlowTree.Execute(static () => Work());

    [BenchmarkCategory("Windows and trippers"), Benchmark]
    public int Polly_SamplingDuration30s() => _polly.Execute(static () => Work());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Work() => 42;
}

/// <summary><see cref="CircuitBreaker.GetInfo"/> (the window's metrics) on full windows of growing size: O(1) whatever the size.</summary>
[Config(typeof(BenchConfig))]
public class GetMetricBenchmarks
{
    private CircuitBreaker _count = null!;
    private CircuitBreaker _time = null!;

    [Params(10, 10_000, 1_000_000)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var clock = new SteppingClock();
        var tripper = Tripper.MinRequests(int.MaxValue) & (Tripper.FailureRate(0.5) | Tripper.SlowRate(0.5, TimeSpan.FromMilliseconds(5)));
        _count = new CircuitBreaker(new CircuitBreakerOptions { Window = new CountWindow(Size), Tripper = tripper, TimeProvider = clock });
        _time = new CircuitBreaker(new CircuitBreakerOptions { Window = new TimeWindow(TimeSpan.FromSeconds(Size)), Tripper = tripper, TimeProvider = clock });
        for (var i = 0; i < Size; i++)
        {
            _count.Execute(static () => 1);
            _time.Execute(static () => 1);
            clock.Step = TimeSpan.FromSeconds(1);
            clock.GetTimestamp();
            clock.Step = TimeSpan.FromMilliseconds(1);
        }

        clock.Step = TimeSpan.Zero;
    }

    [BenchmarkCategory("GetInfo on a full window"), Benchmark(Baseline = true)]
    public int CountWindow_GetInfo() => _count.GetInfo().Metrics.TotalCount;

    [BenchmarkCategory("GetInfo on a full window"), Benchmark]
    public int TimeWindow_GetInfo() => _time.GetInfo().Metrics.TotalCount;

    /// <summary>A clock that moves by <see cref="Step"/> at each read, to fill windows quickly and deterministically.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;

        public TimeSpan Step { get; set; } = TimeSpan.FromMilliseconds(1);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks += Step.Ticks;
    }
}
