using BenchmarkDotNet.Attributes;
using Fluxgate.Http;
using Polly;

namespace Fluxgate.Benchmarks;

/// <summary>A request through the HTTP handler to an in-memory inner handler (no network), against the same with Polly in a DelegatingHandler.</summary>
[Config(typeof(BenchConfig))]
public class HttpHandlerBenchmarks
{
    private static readonly Uri s_uri = new("http://inventory.test/stock");

    private HttpMessageInvoker _direct = null!;
    private HttpMessageInvoker _fluxgate = null!;
    private HttpMessageInvoker _polly = null!;

    [GlobalSetup]
    public void Setup()
    {
        _direct = new HttpMessageInvoker(new OkHandler());
        var breaker = new CircuitBreaker(new CircuitBreakerOptions
        {
            Tracker = HttpCircuitBreakerDefaults.Tracker,
            ResultTracker = HttpCircuitBreakerDefaults.ResultTracker,
            Tripper = Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5),
        });
        _fluxgate = new HttpMessageInvoker(new CircuitBreakerHandler(breaker) { InnerHandler = new OkHandler() });
        var polly = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddCircuitBreaker(new global::Polly.CircuitBreaker.CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = 0.5,
                MinimumThroughput = int.MaxValue,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = Setups.Break,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutException>()
                    .HandleResult(HttpCircuitBreakerDefaults.IsFailure),
            })
            .Build();
        _polly = new HttpMessageInvoker(new PollyHandler(polly) { InnerHandler = new OkHandler() });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _direct.Dispose();
        _fluxgate.Dispose();
        _polly.Dispose();
    }

    [BenchmarkCategory("HTTP handler"), Benchmark(Baseline = true)]
    public Task<HttpResponseMessage> Direct() => Send(_direct);

    [BenchmarkCategory("HTTP handler"), Benchmark]
    public Task<HttpResponseMessage> Fluxgate() => Send(_fluxgate);

    [BenchmarkCategory("HTTP handler"), Benchmark]
    public Task<HttpResponseMessage> Polly() => Send(_polly);

    private static Task<HttpResponseMessage> Send(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, s_uri);
        return invoker.SendAsync(request, CancellationToken.None);
    }

    private sealed class OkHandler : HttpMessageHandler
    {
        private static readonly Task<HttpResponseMessage> s_ok = Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => s_ok;
    }

    /// <summary>Polly's breaker in a DelegatingHandler, the way its docs show it, with the same failure rules (5xx, 408, 429, HttpRequestException, TimeoutException).</summary>
    private sealed class PollyHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            pipeline.ExecuteAsync(static (state, ct) => new ValueTask<HttpResponseMessage>(state.Handler.Inner(state.Request, ct)), (Handler: this, Request: request), cancellationToken).AsTask();

        private Task<HttpResponseMessage> Inner(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);
    }
}
