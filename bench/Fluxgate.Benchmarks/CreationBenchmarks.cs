using BenchmarkDotNet.Attributes;
using Polly;

namespace Fluxgate.Benchmarks;

/// <summary>
/// Creating many live breakers (per tenant, per endpoint), from one thread and from two: each breaker registers with the
/// core's meter, which observes the states of all live breakers. Every breaker stays alive until the iteration ends.
/// Polly builds a pipeline with its circuit breaker for comparison.
/// </summary>
[BenchmarkCategory("Creation")]
public class CreationBenchmarks
{
    private const int Count = 100_000;

    private readonly object?[] _keep = new object?[Count];

    [IterationCleanup]
    public void Release()
    {
        Array.Clear(_keep);
        GC.Collect();
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public void Fluxgate_Create_OneThread()
    {
        for (var i = 0; i < Count; i++)
        {
            _keep[i] = New();
        }
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public void Fluxgate_Create_TwoThreads() => Parallel.For(0, 2, t =>
    {
        for (var i = t; i < Count; i += 2)
        {
            _keep[i] = New();
        }
    });

    [Benchmark(OperationsPerInvoke = Count)]
    public void Polly_Create_TwoThreads() => Parallel.For(0, 2, t =>
    {
        for (var i = t; i < Count; i += 2)
        {
            _keep[i] = Setups.Polly();
        }
    });

    private static CircuitBreaker New() => new(new CircuitBreakerOptions
    {
        Name = "tenant",
        Window = new CountWindow(100),
        Tripper = Tripper.MinRequests(100) & Tripper.FailureRate(0.5),
    });
}
