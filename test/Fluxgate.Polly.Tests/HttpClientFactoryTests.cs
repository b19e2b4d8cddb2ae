using System.Net;
using Fluxgate.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace Fluxgate.PollyTests;

/// <summary>
/// Fluxgate inside <c>AddResilienceHandler</c>, against a real HTTP server on 127.0.0.1: requests counted by status code with
/// Fluxgate.Http's rules, timeouts and refused connections counted, and no request reaching the server once open.
/// </summary>
public sealed class HttpClientFactoryTests : IDisposable
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly LoopbackServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task ServerAnswering500s_OpensTheCircuit_ThenRequestsFailFastWithoutReachingIt()
    {
        _server.Respond = _ => (500, "{}");
        using var provider = Services((builder, breaker) => builder.AddFluxgate(breaker));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/orders");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode); // returned to the caller as it came
        }

        var rejection = await Assert.ThrowsAsync<CallNotPermittedException>(() => client.GetAsync("/orders"));

        Assert.Equal(CircuitState.Open, rejection.State);
        Assert.Equal(3, _server.Requests);
        Assert.Equal(CircuitState.Open, Breaker(provider).State);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, 0)]
    [InlineData(HttpStatusCode.NotFound, 0)]
    [InlineData(HttpStatusCode.RequestTimeout, 1)]
    [InlineData(HttpStatusCode.TooManyRequests, 1)]
    [InlineData(HttpStatusCode.BadGateway, 1)]
    public async Task Responses_AreClassifiedByFluxgateHttpsRules(HttpStatusCode status, int failures)
    {
        _server.Respond = _ => ((int)status, "{}");
        using var provider = Services((builder, breaker) => builder.AddFluxgate(breaker));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");

        using var response = await client.GetAsync("/");

        var metric = Breaker(provider).GetInfo().Metrics;
        Assert.Equal((1, failures), (metric.TotalCount, metric.FailureCount));
    }

    [Fact]
    public async Task HangingServer_AttemptTimeoutInsideTheBreaker_CountsAsAFailure()
    {
        _server.RespondAsync = async _ =>
        {
            await TestKit.UntilCancelled(_server.Stopping);
            return (200, "{}");
        };
        using var provider = Services((builder, breaker) => builder.AddFluxgate(breaker).AddTimeout(TimeSpan.FromSeconds(2)), failures: 1);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");
        var arrived = _server.NextRequest;

        var request = client.GetAsync("/slow");
        await arrived;
        _clock.Advance(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => request);
        Assert.Equal(CircuitState.Open, Breaker(provider).State);
        await Assert.ThrowsAsync<CallNotPermittedException>(() => client.GetAsync("/slow"));
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task RefusedConnection_CountsAsAFailure()
    {
        _server.Stop();
        using var provider = Services((builder, breaker) => builder.AddFluxgate(breaker), failures: 1);
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/"));

        Assert.Equal(CircuitState.Open, Breaker(provider).State);
    }

    [Fact]
    public async Task StandardPipelineRebuiltWithFluxgate_RetriesUntilTheBreakerOpensAndNeverRetriesARejection()
    {
        _server.Respond = _ => (503, "{}");
        var retries = 0;
        using var provider = Services((builder, breaker) => builder
            .AddRateLimiter(new HttpRateLimiterStrategyOptions())
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(30) })
            .AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 5, Delay = TimeSpan.Zero, OnRetry = _ => { Interlocked.Increment(ref retries); return default; } })
            .AddFluxgate(breaker)
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(10) }));
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");

        // Attempts 1–3 reach the server and open the circuit; attempt 4 is rejected and the retry stops there: the HTTP
        // retry's default predicate (transient HTTP outcomes) already leaves CallNotPermittedException alone.
        await Assert.ThrowsAsync<CallNotPermittedException>(() => client.GetAsync("/"));

        Assert.Equal(3, _server.Requests);
        Assert.Equal(3, retries);
        Assert.Equal(CircuitState.Open, Breaker(provider).State);
    }

    [Fact]
    public async Task StandardHandlerWithItsBreakerNeutralized_AndFluxgateInside_Counts500s()
    {
        _server.Respond = _ => (500, "{}");
        var services = BaseServices(failures: 2);
        services.AddHttpClient("downstream", c => c.BaseAddress = _server.BaseAddress)
            .AddStandardResilienceHandler(options =>
            {
                options.Retry.MaxRetryAttempts = 1;
                options.Retry.Delay = TimeSpan.Zero;
                options.CircuitBreaker.ShouldHandle = _ => PredicateResult.False();
            })
            .Services.AddHttpClient("downstream")
            .AddResilienceHandler("fluxgate", (builder, context) => builder.AddFluxgate(context.ServiceProvider.GetRequiredKeyedService<CircuitBreaker>("downstream")));
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");

        using (var response = await client.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        Assert.Equal(2, _server.Requests);
        Assert.Equal(CircuitState.Open, Breaker(provider).State);
        await Assert.ThrowsAsync<CallNotPermittedException>(() => client.GetAsync("/"));
        Assert.Equal(2, _server.Requests);
    }

    private static CircuitBreaker Breaker(IServiceProvider provider) => provider.GetRequiredKeyedService<CircuitBreaker>("downstream");

    /// <summary>A client "downstream" whose resilience handler <paramref name="configure"/> builds around the keyed breaker "downstream".</summary>
    private ServiceProvider Services(Action<ResiliencePipelineBuilder<HttpResponseMessage>, CircuitBreaker> configure, int failures = 3)
    {
        var services = BaseServices(failures);
        services.AddHttpClient("downstream", c => c.BaseAddress = _server.BaseAddress)
            .AddResilienceHandler("fluxgate", (builder, context) => configure(builder, context.ServiceProvider.GetRequiredKeyedService<CircuitBreaker>("downstream")));
        return services.BuildServiceProvider();
    }

    private ServiceCollection BaseServices(int failures)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddCircuitBreaker("downstream", options =>
        {
            HttpCircuitBreakerDefaults.Apply(options);
            options.Tracker |= Tracker.TypeOf<TimeoutRejectedException>();
            options.Tripper = Tripper.FailureStreak(failures);
            options.Retry = Retry.Cooldown(TimeSpan.FromSeconds(10));
        });
        return services;
    }
}
