using BenchmarkDotNet.Attributes;
using Polly;
using Polly.CircuitBreaker;

namespace Fluxgate.Benchmarks;

/// <summary>
/// A Polly pipeline with Fluxgate's strategy (AddFluxgate) against the same pipeline with Polly's own circuit breaker, and an
/// empty pipeline as the baseline: success sync and async, a tracked failure handed over as an outcome, and rejections
/// thrown (Execute) and returned (ExecuteOutcomeAsync).
/// </summary>
[Config(typeof(BenchConfig))]
public class PollyPipelineBenchmarks
{
    private static readonly InvalidOperationException s_failure = new("down");

    private ResiliencePipeline _empty = null!;
    private ResiliencePipeline _fluxgate = null!;
    private ResiliencePipeline _polly = null!;
    private ResiliencePipeline<int> _emptyOf = null!;
    private ResiliencePipeline<int> _fluxgateOf = null!;
    private ResiliencePipeline<int> _pollyOf = null!;
    private ResiliencePipeline _fluxgateOpen = null!;
    private ResiliencePipeline _pollyOpen = null!;
    private ResiliencePipeline<int> _fluxgateOfOpen = null!;
    private ResiliencePipeline<int> _pollyOfOpen = null!;
    private ResilienceContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        var neverTrips = Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5);
        _empty = ResiliencePipeline.Empty;
        _emptyOf = ResiliencePipeline<int>.Empty;
        _fluxgate = new ResiliencePipelineBuilder().AddFluxgate(Setups.Fluxgate(tripper: neverTrips)).Build();
        _fluxgateOf = new ResiliencePipelineBuilder<int>().AddFluxgate(Setups.Fluxgate(tripper: neverTrips)).Build();
        _polly = Setups.Polly(minimumThroughput: int.MaxValue);
        _pollyOf = Setups.PollyOf(minimumThroughput: int.MaxValue);

        // Opened for real by failures, waiting out a 10-minute break.
        var open = Setups.Fluxgate(tripper: Tripper.MinRequests(2) & Tripper.FailureRate(0.5));
        _fluxgateOpen = new ResiliencePipelineBuilder().AddFluxgate(open).Build();
        _fluxgateOfOpen = new ResiliencePipelineBuilder<int>().AddFluxgate(open).Build();
        _pollyOpen = Setups.Polly(minimumThroughput: 2);
        _pollyOfOpen = Setups.PollyOf(minimumThroughput: 2);
        _context = ResilienceContextPool.Shared.Get();
        for (var i = 0; i < 2; i++)
        {
            _fluxgateOfOpen.ExecuteOutcomeAsync(static (_, _) => Outcome.FromExceptionAsValueTask<int>(s_failure), _context, 0).AsTask().GetAwaiter().GetResult();
            _pollyOpen.ExecuteOutcomeAsync(static (_, _) => Outcome.FromExceptionAsValueTask<int>(s_failure), _context, 0).AsTask().GetAwaiter().GetResult();
            _pollyOfOpen.ExecuteOutcomeAsync(static (_, _) => Outcome.FromExceptionAsValueTask<int>(s_failure), _context, 0).AsTask().GetAwaiter().GetResult();
        }

        if (open.State != CircuitState.Open)
        {
            throw new InvalidOperationException("The Fluxgate breaker should be open.");
        }
    }

    [BenchmarkCategory("Pipeline success (sync)"), Benchmark(Baseline = true)]
    public int Empty_Success() => _empty.Execute(static () => 42);

    [BenchmarkCategory("Pipeline success (sync)"), Benchmark]
    public int Fluxgate_Success() => _fluxgate.Execute(static () => 42);

    [BenchmarkCategory("Pipeline success (sync)"), Benchmark]
    public int Polly_Success() => _polly.Execute(static () => 42);

    [BenchmarkCategory("Pipeline success (async)"), Benchmark(Baseline = true)]
    public ValueTask<int> Empty_SuccessAsync() => _empty.ExecuteAsync(static _ => new ValueTask<int>(42));

    [BenchmarkCategory("Pipeline success (async)"), Benchmark]
    public ValueTask<int> Fluxgate_SuccessAsync() => _fluxgate.ExecuteAsync(static _ => new ValueTask<int>(42));

    [BenchmarkCategory("Pipeline success (async)"), Benchmark]
    public ValueTask<int> Polly_SuccessAsync() => _polly.ExecuteAsync(static _ => new ValueTask<int>(42));

    [BenchmarkCategory("Pipeline failure (outcome)"), Benchmark(Baseline = true)]
    public ValueTask<Outcome<int>> Empty_FailureOutcome() => _emptyOf.ExecuteOutcomeAsync(static (_, _) => Outcome.FromExceptionAsValueTask<int>(s_failure), _context, 0);

    [BenchmarkCategory("Pipeline failure (outcome)"), Benchmark]
    public ValueTask<Outcome<int>> Fluxgate_FailureOutcome() => _fluxgateOf.ExecuteOutcomeAsync(static (_, _) => Outcome.FromExceptionAsValueTask<int>(s_failure), _context, 0);

    [BenchmarkCategory("Pipeline failure (outcome)"), Benchmark]
    public ValueTask<Outcome<int>> Polly_FailureOutcome() => _pollyOf.ExecuteOutcomeAsync(static (_, _) => Outcome.FromExceptionAsValueTask<int>(s_failure), _context, 0);

    [BenchmarkCategory("Pipeline rejection (thrown)"), Benchmark]
    public int Fluxgate_RejectionThrown()
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

    [BenchmarkCategory("Pipeline rejection (thrown)"), Benchmark]
    public int Polly_RejectionThrown()
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

    [BenchmarkCategory("Pipeline rejection (outcome)"), Benchmark]
    public ValueTask<Outcome<int>> Fluxgate_RejectionOutcome() => _fluxgateOfOpen.ExecuteOutcomeAsync(static (_, _) => Outcome.FromResultAsValueTask(42), _context, 0);

    [BenchmarkCategory("Pipeline rejection (outcome)"), Benchmark]
    public ValueTask<Outcome<int>> Polly_RejectionOutcome() => _pollyOfOpen.ExecuteOutcomeAsync(static (_, _) => Outcome.FromResultAsValueTask(42), _context, 0);
}
