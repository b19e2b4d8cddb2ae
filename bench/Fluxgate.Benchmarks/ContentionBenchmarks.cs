using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Polly;

namespace Fluxgate.Benchmarks;

/// <summary>
/// Several threads calling one breaker at once. Each thread makes <see cref="CallsPerThread"/> calls; the reported
/// time is per call per thread (wall time divided by the calls of one thread), so perfect scaling keeps it flat.
/// </summary>
[Config(typeof(BenchConfig))]
public class ContentionBenchmarks
{
    private const int CallsPerThread = 20_000;

    private CircuitBreaker _fluxgate = null!;
    private CircuitBreaker _untimed = null!;
    private ResiliencePipeline _polly = null!;
    private Worker[] _workers = [];

    [Params(2, 4, 8)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fluxgate = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5));
        _untimed = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5), measureDurations: false);
        _polly = Setups.Polly(minimumThroughput: int.MaxValue);
        _workers = [.. Enumerable.Range(0, Threads).Select(_ => new Worker())];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }
    }

    [BenchmarkCategory("Contention"), Benchmark(Baseline = true, OperationsPerInvoke = CallsPerThread)]
    public void Direct() => RunAll(static _ =>
    {
        for (var i = 0; i < CallsPerThread; i++)
        {
            Work();
        }
    });

    [BenchmarkCategory("Contention"), Benchmark(OperationsPerInvoke = CallsPerThread)]
    public void Fluxgate() => RunAll(_ =>
    {
        for (var i = 0; i < CallsPerThread; i++)
        {
            _fluxgate.Execute(static () => Work());
        }
    });

    /// <summary>The same breaker with <see cref="CircuitBreakerOptions.MeasureDurations"/> off: no clock read on the call.</summary>
    [BenchmarkCategory("Contention"), Benchmark(OperationsPerInvoke = CallsPerThread)]
    public void FluxgateUntimed() => RunAll(_ =>
    {
        for (var i = 0; i < CallsPerThread; i++)
        {
            _untimed.Execute(static () => Work());
        }
    });

    [BenchmarkCategory("Contention"), Benchmark(OperationsPerInvoke = CallsPerThread)]
    public void Polly() => RunAll(_ =>
    {
        for (var i = 0; i < CallsPerThread; i++)
        {
            _polly.Execute(static () => Work());
        }
    });

    private void RunAll(Action<int> body)
    {
        foreach (var worker in _workers)
        {
            worker.Start(body);
        }

        foreach (var worker in _workers)
        {
            worker.Join();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Work() => 42;

    /// <summary>A dedicated thread, started once, that runs one body per invocation: no thread-pool noise in the measurement.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly Thread _thread;
        private readonly SemaphoreSlim _go = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private Action<int>? _body;
        private volatile bool _stop;

        public Worker()
        {
            _thread = new Thread(Loop) { IsBackground = true };
            _thread.Start();
        }

        public void Start(Action<int> body)
        {
            _body = body;
            _go.Release();
        }

        public void Join() => _done.Wait();

        public void Dispose()
        {
            _stop = true;
            _go.Release();
            _thread.Join();
            _go.Dispose();
            _done.Dispose();
        }

        private void Loop()
        {
            while (true)
            {
                _go.Wait();
                if (_stop)
                {
                    return;
                }

                _body!(0);
                _done.Release();
            }
        }
    }
}
