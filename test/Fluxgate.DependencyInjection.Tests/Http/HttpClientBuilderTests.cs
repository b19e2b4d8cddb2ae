using System.Net;
using Fluxgate.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fluxgate.DependencyInjection.Tests.Http;

/// <summary><c>AddCircuitBreaker</c> on <see cref="IHttpClientBuilder"/>, through IHttpClientFactory against real HTTP servers on 127.0.0.1 that can be healthy, fail with 500s, be slow or refuse connections.</summary>
public sealed class HttpClientBuilderTests : IDisposable
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly LoopbackServer _server = new();
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        _server.Dispose();
    }

    private (IHttpClientFactory Factory, IServiceProvider Services) Build(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        configure(services);
        var provider = services.BuildServiceProvider();
        _disposables.Add(provider);
        return (provider.GetRequiredService<IHttpClientFactory>(), provider);
    }

    private HttpClient Client(IHttpClientFactory factory, string name = "downstream")
    {
        var client = factory.CreateClient(name);
        _disposables.Add(client);
        return client;
    }

    private void AddDownstream(IServiceCollection services, Action<CircuitBreakerOptions>? configure = null, Action<HttpCircuitBreakerHandlerOptions>? handler = null) =>
        services.AddHttpClient("downstream", c => c.BaseAddress = _server.BaseAddress)
            .AddCircuitBreaker(null, o =>
            {
                o.Tripper = Tripper.FailureStreak(3);
                o.Permit = Permit.All();
                o.Retry = Retry.Cooldown(TimeSpan.FromSeconds(30));
                configure?.Invoke(o);
            }, handler);

    [Theory]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(200, false)]
    [InlineData(204, false)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    public async Task Responses_AreClassifiedAndStillReturnedToTheCaller(int status, bool failure)
    {
        var (factory, services) = Build(s => AddDownstream(s));
        _server.Respond = _ => (status, "{}");

        using var response = await Client(factory).GetAsync(new Uri("orders", UriKind.Relative));

        Assert.Equal(status, (int)response.StatusCode);
        var metrics = services.GetRequiredKeyedService<CircuitBreaker>("downstream").GetInfo().Metrics;
        Assert.Equal(1, metrics.TotalCount);
        Assert.Equal(failure ? 1 : 0, metrics.FailureCount);
    }

    [Fact]
    public async Task Outage_OpensTheBreakerAndRejectionsDoNotTouchTheNetwork()
    {
        var (factory, services) = Build(s => AddDownstream(s));
        var client = Client(factory);
        _server.Respond = _ => (503, "{}");
        for (var i = 0; i < 3; i++)
        {
            using var failed = await client.GetAsync(new Uri("orders", UriKind.Relative));
        }

        var requests = _server.Requests;
        _clock.Advance(TimeSpan.FromSeconds(12));
        var rejection = await Assert.ThrowsAsync<CallNotPermittedException>(() => client.GetAsync(new Uri("orders", UriKind.Relative)));

        Assert.Equal(requests, _server.Requests);
        Assert.Equal("downstream", rejection.CircuitName);
        Assert.Equal(TimeSpan.FromSeconds(18), rejection.RetryAfter);
        Assert.Equal(CircuitState.Open, services.GetRequiredKeyedService<CircuitBreaker>("downstream").State);

        _server.Respond = _ => (200, "{}");
        _clock.Advance(TimeSpan.FromSeconds(18));
        using var probe = await client.GetAsync(new Uri("orders", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(CircuitState.Closed, services.GetRequiredKeyedService<CircuitBreaker>("downstream").State);
    }

    [Fact]
    public async Task ConnectionRefused_IsAFailureAndTheExceptionReachesTheCaller()
    {
        var (factory, services) = Build(s => AddDownstream(s));
        var client = Client(factory);
        _server.Stop();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("orders", UriKind.Relative)));

        Assert.Equal(1, services.GetRequiredKeyedService<CircuitBreaker>("downstream").GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task HandlerTimeout_ThrowsTimeoutExceptionAndCountsAsAFailure()
    {
        var (factory, services) = Build(s => AddDownstream(s, handler: h => h.Timeout = TimeSpan.FromSeconds(2)));
        var slow = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.RespondAsync = _ => slow.Task.WaitAsync(_server.Stopping);
        var arrived = _server.NextRequest;

        var call = Client(factory).GetAsync(new Uri("slow", UriKind.Relative));
        await arrived;                                              // in flight: the handler's timer is armed
        _clock.Advance(TimeSpan.FromSeconds(2));

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("did not complete within the circuit breaker handler's timeout of 00:00:02", timeout.Message, StringComparison.Ordinal);
        Assert.Equal(1, services.GetRequiredKeyedService<CircuitBreaker>("downstream").GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task CallerCancellation_IsNotAFailure()
    {
        var (factory, services) = Build(s => AddDownstream(s));
        _server.RespondAsync = async _ =>
        {
            await TestKit.UntilCancelled(_server.Stopping);
            return (200, "{}");
        };
        using var cts = new CancellationTokenSource();
        var arrived = _server.NextRequest;

        var call = Client(factory).GetAsync(new Uri("slow", UriKind.Relative), cts.Token);
        await arrived;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, services.GetRequiredKeyedService<CircuitBreaker>("downstream").GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public async Task PerAuthority_KeepsOneBreakerPerHostAndPort()
    {
        using var other = new LoopbackServer();
        var (factory, services) = Build(s => s.AddHttpClient("partners")
            .AddCircuitBreaker("partners", o => { o.Tripper = Tripper.FailureStreak(2); o.Retry = Retry.Never(); }, h => h.PerAuthority = true));
        var client = Client(factory, "partners");
        _server.Respond = _ => (500, "{}");

        for (var i = 0; i < 2; i++)
        {
            using var failed = await client.GetAsync(new Uri(_server.BaseAddress, "x"));
        }

        await Assert.ThrowsAsync<CallNotPermittedException>(() => client.GetAsync(new Uri(_server.BaseAddress, "x")));
        using var fine = await client.GetAsync(new Uri(other.BaseAddress, "x"));
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);

        var registry = services.GetRequiredService<CircuitBreakerRegistry>();
        Assert.Equal(CircuitState.Open, registry.Get($"partners/127.0.0.1:{_server.Port}").State);
        Assert.Equal(CircuitState.Closed, registry.Get($"partners/127.0.0.1:{other.Port}").State);
        Assert.DoesNotContain(registry.Breakers, b => b.Name == "partners");
    }

    [Fact]
    public async Task ClientsNamingOneBreaker_ShareItWhateverTheirHandlers()
    {
        var (factory, services) = Build(s =>
        {
            s.AddHttpClient("a", c => c.BaseAddress = _server.BaseAddress).AddCircuitBreaker("shared", o => o.Tripper = Tripper.FailureStreak(1));
            s.AddHttpClient("b", c => c.BaseAddress = _server.BaseAddress).AddCircuitBreaker("shared");
        });
        _server.Respond = _ => (500, "{}");

        using var failed = await Client(factory, "a").GetAsync(new Uri("x", UriKind.Relative));

        await Assert.ThrowsAsync<CallNotPermittedException>(() => Client(factory, "b").GetAsync(new Uri("x", UriKind.Relative)));
        Assert.Equal(CircuitState.Open, services.GetRequiredKeyedService<CircuitBreaker>("shared").State);
    }

    [Fact]
    public void SyncSend_GoesThroughTheBreakerToo()
    {
        var (factory, services) = Build(s => AddDownstream(s));
        _server.Respond = _ => (503, "{}");

        using var response = Client(factory).Send(new HttpRequestMessage(HttpMethod.Get, "orders"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, services.GetRequiredKeyedService<CircuitBreaker>("downstream").GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task ConfigurationSection_OverridesTheHttpDefaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fluxgate:Breakers:downstream:Tracker"] = "TypeOf(System.Net.Http.HttpRequestException)",
            ["Fluxgate:Breakers:downstream:Tripper"] = "FailureStreak(1)",
        }).Build();
        var (factory, services) = Build(s =>
        {
            s.AddCircuitBreakers(configuration.GetSection("Fluxgate"));
            s.AddHttpClient("downstream", c => c.BaseAddress = _server.BaseAddress).AddCircuitBreaker();
        });
        var breaker = services.GetRequiredKeyedService<CircuitBreaker>("downstream");

        _server.Respond = _ => (429, "{}");                           // the result tracker is still the HTTP default
        using var limited = await Client(factory).GetAsync(new Uri("x", UriKind.Relative));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal("TypeOf(System.Net.Http.HttpRequestException)", services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<CircuitBreakerOptions>>().Get("downstream").Tracker.ToString());
    }

    [Fact]
    public async Task ConfigureHandler_RunsOnceHoweverManyHandlersAndRequests()
    {
        var runs = 0;
        var (factory, _) = Build(s => AddDownstream(s, handler: h =>
        {
            Interlocked.Increment(ref runs);
            h.Timeout = TimeSpan.FromSeconds(30);
        }));

        for (var i = 0; i < 3; i++)
        {
            using var response = await Client(factory).GetAsync(new Uri("x", UriKind.Relative));
        }

        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task HandlerOnlyOverload_NamesTheBreakerAfterTheClient()
    {
        var (factory, services) = Build(s => s.AddHttpClient("inventory", c => c.BaseAddress = _server.BaseAddress)
            .AddCircuitBreaker(h => h.Timeout = TimeSpan.FromSeconds(5)));
        _server.Respond = _ => (502, "{}");

        using var response = await Client(factory, "inventory").GetAsync(new Uri("x", UriKind.Relative));

        var breaker = services.GetRequiredKeyedService<CircuitBreaker>("inventory");
        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);          // the HTTP defaults apply
        Assert.Equal(TimeSpan.FromSeconds(5), services.GetRequiredService<IOptionsMonitor<HttpCircuitBreakerHandlerOptions>>().Get("inventory").Timeout);
        Assert.Throws<ArgumentNullException>(() => s_noBuilder.AddCircuitBreaker((Action<HttpCircuitBreakerHandlerOptions>)null!));
    }

    [Fact]
    public async Task HttpDefaults_AreStartingValues_WhateverTheOrderOfRegistration()
    {
        // The configuration section registered after the client, and a configure action registered before it: both win over the defaults.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fluxgate:Breakers:downstream:Tripper"] = "FailureStreak(1)",
        }).Build();
        var (factory, services) = Build(s =>
        {
            s.AddCircuitBreaker("downstream", o => o.Tracker = Tracker.TypeOf<TimeoutException>());
            s.AddHttpClient("downstream", c => c.BaseAddress = _server.BaseAddress).AddCircuitBreaker();
            s.AddCircuitBreakers(configuration.GetSection("Fluxgate"));
        });
        var options = services.GetRequiredService<IOptionsMonitor<CircuitBreakerOptions>>().Get("downstream");
        _server.Respond = _ => (503, "{}");

        using var failed = await Client(factory).GetAsync(new Uri("x", UriKind.Relative));

        Assert.Equal("TypeOf(System.TimeoutException)", options.Tracker.ToString());
        Assert.Equal("FailureStreak(1)", options.Tripper.ToString());
        Assert.Same(HttpCircuitBreakerDefaults.ResultTracker, options.ResultTracker);
        Assert.Equal(CircuitState.Open, services.GetRequiredKeyedService<CircuitBreaker>("downstream").State);
    }

    [Fact]
    public async Task Handler_GoesWhereItIsAddedAmongTheClientsHandlers()
    {
        var order = new List<string>();
        var (factory, _) = Build(s => s.AddHttpClient("downstream", c => c.BaseAddress = _server.BaseAddress)
            .AddHttpMessageHandler(() => new Recording("outer", order))
            .AddCircuitBreaker(null, o => o.ResultTracker = ResultTracker.When<HttpResponseMessage>(r => { order.Add("breaker"); return false; }))
            .AddHttpMessageHandler(() => new Recording("inner", order)));

        using var response = await Client(factory).GetAsync(new Uri("x", UriKind.Relative));

        Assert.Equal(["outer", "inner", "breaker"], order);
    }

    private static readonly IHttpClientBuilder s_noBuilder = new ServiceCollection().AddHttpClient("unused");

    private sealed class Recording(string name, List<string> order) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            order.Add(name);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
