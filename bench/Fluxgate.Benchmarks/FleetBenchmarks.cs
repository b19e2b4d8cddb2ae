using BenchmarkDotNet.Attributes;
using Fluxgate.Redis;

namespace Fluxgate.Benchmarks;

/// <summary>
/// A closed-state call through a breaker joined to a fleet (heartbeat 100 ms, on a real redis-server on loopback) against
/// the same call through a breaker of no fleet: the fleet must cost the call nothing.
/// </summary>
[Config(typeof(BenchConfig))]
public class FleetBenchmarks
{
    private BenchRedis _redis = null!;
    private CircuitBreakerFleet _fleet = null!;
    private CircuitBreaker _local = null!;
    private CircuitBreaker _joined = null!;

    [GlobalSetup]
    public void Setup()
    {
        _redis = new BenchRedis();
        _local = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5));
        _joined = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5));
        _fleet = new CircuitBreakerFleet(_redis.ConnectionString, new CircuitBreakerFleetOptions
        {
            Application = "bench",
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        });
        _fleet.Join(_joined);
        _fleet.StartAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fleet.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _redis.Dispose();
    }

    [BenchmarkCategory("Closed success"), Benchmark(Baseline = true)]
    public int Local_Success() => _local.Execute(static () => 42);

    [BenchmarkCategory("Closed success"), Benchmark]
    public int Joined_Success() => _joined.Execute(static () => 42);

    [BenchmarkCategory("Closed success (async)"), Benchmark(Baseline = true)]
    public ValueTask<int> Local_SuccessAsync() => _local.ExecuteAsync(static _ => new ValueTask<int>(42));

    [BenchmarkCategory("Closed success (async)"), Benchmark]
    public ValueTask<int> Joined_SuccessAsync() => _joined.ExecuteAsync(static _ => new ValueTask<int>(42));
}
