using BenchmarkDotNet.Attributes;
using Polly;
using Polly.CircuitBreaker;

namespace Fluxgate.Benchmarks;

/// <summary>
/// Rejections by exception and without one (TryExecute / ExecuteOutcomeAsync), in an open circuit (tripped by failures,
/// waiting out its break) and in a forced-open one (Polly: isolated).
/// </summary>
[Config(typeof(BenchConfig))]
public class RejectionBenchmarks
{
    private static readonly InvalidOperationException s_failure = new("down");

    private CircuitBreaker _fluxgate = null!;
    private ResiliencePipeline _polly = null!;
    private ResiliencePipeline<int> _pollyOf = null!;
    private CircuitBreaker _fluxgateOpen = null!;
    private ResiliencePipeline _pollyOpen = null!;
    private ResiliencePipeline<int> _pollyOfOpen = null!;
    private ResilienceContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fluxgate = Setups.Fluxgate();
        _fluxgate.ForceOpen();
        _polly = Setups.Polly();
        _pollyOf = Setups.PollyOf();
        var manual = new CircuitBreakerManualControl();
        _polly = new ResiliencePipelineBuilder().AddCircuitBreaker(new CircuitBreakerStrategyOptions { ManualControl = manual, BreakDuration = Setups.Break }).Build();
        _pollyOf = new ResiliencePipelineBuilder<int>().AddCircuitBreaker(new CircuitBreakerStrategyOptions<int> { ManualControl = manual, BreakDuration = Setups.Break }).Build();
        manual.IsolateAsync().GetAwaiter().GetResult();
        _context = ResilienceContextPool.Shared.Get();

        // Tripped for real: failures opened them and they wait out a 10-minute break.
        _fluxgateOpen = Setups.Fluxgate(tripper: Tripper.MinRequests(2) & Tripper.FailureRate(0.5));
        _pollyOpen = Setups.Polly(minimumThroughput: 2);
        _pollyOfOpen = Setups.PollyOf(minimumThroughput: 2);
        for (var i = 0; i < 2; i++)
        {
            _fluxgateOpen.Execute(static () => Fail(), static _ => 0);
            try
            {
                _pollyOpen.Execute(static () => Fail());
            }
            catch (InvalidOperationException)
            {
            }

            try
            {
                _pollyOfOpen.Execute(static () => Fail());
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => ResilienceContextPool.Shared.Return(_context);

    [BenchmarkCategory("Rejection by exception (forced open)"), Benchmark(Baseline = true)]
    public int Direct_ThrowAndCatch()
    {
        try
        {
            throw s_failure;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    [BenchmarkCategory("Rejection by exception (open)"), Benchmark(Baseline = true)]
    public int Direct_ThrowAndCatch_Open() => Direct_ThrowAndCatch();

    [BenchmarkCategory("Rejection by exception (open)"), Benchmark]
    public int Fluxgate_Execute_Open()
    {
        try
        {
            return _fluxgateOpen.Execute(static () => 42);
        }
        catch (CallNotPermittedException)
        {
            return -1;
        }
    }

    [BenchmarkCategory("Rejection by exception (open)"), Benchmark]
    public int Polly_Execute_Open()
    {
        try
        {
            return _pollyOpen.Execute(static () => 42);
        }
        catch (BrokenCircuitException)
        {
            return -1;
        }
    }

    [BenchmarkCategory("Rejection without exception (open)"), Benchmark(Baseline = true)]
    public bool Direct_Return_Open() => false;

    [BenchmarkCategory("Rejection without exception (open)"), Benchmark]
    public bool Fluxgate_TryExecute_Open() => _fluxgateOpen.TryExecute(static () => 42, out _);

    [BenchmarkCategory("Rejection without exception (open)"), Benchmark]
    public bool Fluxgate_TryExecuteAsync_Open()
    {
        var attempt = _fluxgateOpen.TryExecuteAsync(static _ => new ValueTask<int>(42));
        return attempt.IsCompletedSuccessfully && attempt.Result.IsPermitted;
    }

    [BenchmarkCategory("Rejection without exception (open)"), Benchmark]
    public bool Polly_ExecuteOutcomeAsync_Open()
    {
        var outcome = _pollyOfOpen.ExecuteOutcomeAsync(static (_, _) => Outcome.FromResultAsValueTask(42), _context, 0);
        return outcome.IsCompletedSuccessfully && outcome.Result.Exception is null;
    }

    [BenchmarkCategory("Rejection by exception (forced open)"), Benchmark]
    public int Fluxgate_Execute_Rejected()
    {
        try
        {
            return _fluxgate.Execute(static () => 42);
        }
        catch (CallNotPermittedException)
        {
            return -1;
        }
    }

    [BenchmarkCategory("Rejection by exception (forced open)"), Benchmark]
    public int Polly_Execute_Rejected()
    {
        try
        {
            return _polly.Execute(static () => 42);
        }
        catch (IsolatedCircuitException)
        {
            return -1;
        }
    }

    [BenchmarkCategory("Rejection without exception (forced open)"), Benchmark(Baseline = true)]
    public bool Direct_Return() => false;

    [BenchmarkCategory("Rejection without exception (forced open)"), Benchmark]
    public bool Fluxgate_TryExecute() => _fluxgate.TryExecute(static () => 42, out _);

    [BenchmarkCategory("Rejection without exception (forced open)"), Benchmark]
    public bool Fluxgate_TryExecuteAsync()
    {
        var attempt = _fluxgate.TryExecuteAsync(static _ => new ValueTask<int>(42));
        return attempt.IsCompletedSuccessfully && attempt.Result.IsPermitted;
    }

    [BenchmarkCategory("Rejection without exception (forced open)"), Benchmark]
    public bool Polly_ExecuteOutcomeAsync()
    {
        var outcome = _pollyOf.ExecuteOutcomeAsync(static (_, _) => Outcome.FromResultAsValueTask(42), _context, 0);
        return outcome.IsCompletedSuccessfully && outcome.Result.Exception is null;
    }

    private static int Fail() => throw s_failure;
}
