using System.Net;

namespace Fluxgate.Http.Tests;

/// <summary>The handler on its own (no container), against real HTTP servers on 127.0.0.1 that can be healthy, fail with 500s, be slow or refuse connections.</summary>
public sealed class CircuitBreakerHandlerTests : IDisposable
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

    private CircuitBreaker Breaker(string name = "downstream")
    {
        var options = new CircuitBreakerOptions
        {
            Name = name,
            Tripper = Tripper.FailureStreak(3),
            Permit = Permit.All(),
            Retry = Retry.Cooldown(TimeSpan.FromSeconds(30)),
            TimeProvider = _clock,
        };
        HttpCircuitBreakerDefaults.Apply(options);
        return new CircuitBreaker(options);
    }

    private HttpClient Client(CircuitBreakerHandler handler)
    {
        handler.InnerHandler = new SocketsHttpHandler();
        var client = new HttpClient(handler) { BaseAddress = _server.BaseAddress };
        _disposables.Add(client);
        return client;
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(200, false)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    public async Task Responses_AreClassifiedByTheHttpDefaultsAndStillReturned(int status, bool failure)
    {
        var breaker = Breaker();
        _server.Respond = _ => (status, "{}");

        using var response = await Client(new CircuitBreakerHandler(breaker)).GetAsync(new Uri("orders", UriKind.Relative));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(failure ? 1 : 0, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task Outage_OpensTheBreakerAndRejectionsDoNotTouchTheNetwork()
    {
        var breaker = Breaker();
        var client = Client(new CircuitBreakerHandler(breaker));
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
    }

    [Fact]
    public async Task ConnectionRefused_IsAFailureAndTheExceptionReachesTheCaller()
    {
        var breaker = Breaker();
        var client = Client(new CircuitBreakerHandler(breaker));
        _server.Stop();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("orders", UriKind.Relative)));

        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task HandlerTimeout_ThrowsTimeoutExceptionAndCountsAsAFailure()
    {
        var breaker = Breaker();
        var slow = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.RespondAsync = _ => slow.Task.WaitAsync(_server.Stopping);
        var arrived = _server.NextRequest;

        var call = Client(new CircuitBreakerHandler(_ => breaker, TimeSpan.FromSeconds(2), _clock)).GetAsync(new Uri("slow", UriKind.Relative));
        await arrived;                                              // in flight: the handler's timer is armed
        _clock.Advance(TimeSpan.FromSeconds(2));

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("did not complete within the circuit breaker handler's timeout of 00:00:02", timeout.Message, StringComparison.Ordinal);
        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task CallerCancellation_IsNotAFailure()
    {
        var breaker = Breaker();
        _server.RespondAsync = async _ =>
        {
            await TestKit.UntilCancelled(_server.Stopping);
            return (200, "{}");
        };
        using var cts = new CancellationTokenSource();
        var arrived = _server.NextRequest;

        var call = Client(new CircuitBreakerHandler(breaker)).GetAsync(new Uri("slow", UriKind.Relative), cts.Token);
        await arrived;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void SyncSend_GoesThroughTheBreakerToo()
    {
        var breaker = Breaker();
        _server.Respond = _ => (503, "{}");

        using var response = Client(new CircuitBreakerHandler(breaker)).Send(new HttpRequestMessage(HttpMethod.Get, "orders"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
    }

    [Fact]
    public async Task SelectByAuthority_KeepsOneBreakerPerHostAndPortInTheRegistry()
    {
        using var other = new LoopbackServer();
        using var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            OptionsFactory = _ => new CircuitBreakerOptions { Tripper = Tripper.FailureStreak(2), Retry = Retry.Never(), ResultTracker = HttpCircuitBreakerDefaults.ResultTracker },
        });
        var client = Client(new CircuitBreakerHandler(CircuitBreakerHandler.SelectByAuthority(registry, "partners"), Timeout.InfiniteTimeSpan, _clock));
        _server.Respond = _ => (500, "{}");

        for (var i = 0; i < 2; i++)
        {
            using var failed = await client.GetAsync(new Uri(_server.BaseAddress, "x"));
        }

        await Assert.ThrowsAsync<CallNotPermittedException>(() => client.GetAsync(new Uri(_server.BaseAddress, "x")));
        using var fine = await client.GetAsync(new Uri(other.BaseAddress, "x"));
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        Assert.Equal(CircuitState.Open, registry.Get($"partners/127.0.0.1:{_server.Port}").State);
        Assert.Equal(CircuitState.Closed, registry.Get($"partners/127.0.0.1:{other.Port}").State);
        Assert.Equal(2, registry.Breakers.Count);
    }

    [Fact]
    public void SelectByAuthority_BuildsEachAuthoritysNameOnce()
    {
        using var registry = new CircuitBreakerRegistry();
        var select = CircuitBreakerHandler.SelectByAuthority(registry, "api");
        using var first = new HttpRequestMessage(HttpMethod.Get, "https://Example.COM:8443/a");
        using var second = new HttpRequestMessage(HttpMethod.Get, "https://example.com:8443/b?q=1");
        using var relative = new HttpRequestMessage(HttpMethod.Get, new Uri("c", UriKind.Relative));

        var a = select(first);
        var b = select(second);

        Assert.Same(a, b);
        Assert.Equal("api/example.com:8443", a.Name);
        Assert.Equal("api", select(relative).Name);
        Assert.Throws<ArgumentNullException>(() => CircuitBreakerHandler.SelectByAuthority(null!, "api"));
        Assert.Throws<ArgumentException>(() => CircuitBreakerHandler.SelectByAuthority(registry, " "));
    }

    [Fact]
    public async Task Handler_WithoutARegistry_WrapsAnInnerHandler()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { Tripper = Tripper.FailureStreak(1), ResultTracker = HttpCircuitBreakerDefaults.ResultTracker, TimeProvider = _clock });
        using var client = new HttpClient(new CircuitBreakerHandler(breaker) { InnerHandler = new HttpClientHandler() }) { BaseAddress = _server.BaseAddress };
        _server.Respond = _ => (500, "{}");

        using var failed = await client.GetAsync(new Uri("x", UriKind.Relative));

        await Assert.ThrowsAsync<CallNotPermittedException>(() => client.GetAsync(new Uri("x", UriKind.Relative)));
        Assert.Throws<ArgumentNullException>(() => new CircuitBreakerHandler(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerHandler(_ => breaker, TimeSpan.Zero, TimeProvider.System));
        Assert.Equal("Timeout", Assert.Throws<ArgumentOutOfRangeException>(() => new HttpCircuitBreakerHandlerOptions { Timeout = TimeSpan.FromSeconds(-1) }).ParamName);
        Assert.Throws<ArgumentNullException>(() => HttpCircuitBreakerDefaults.IsFailure(null!));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(50)]
    public void Timeout_LongerThanATimerCanWait_IsRejectedNamingTheLimit(int days)
    {
        var breaker = new CircuitBreaker();

        var option = Assert.Throws<ArgumentOutOfRangeException>(() => new HttpCircuitBreakerHandlerOptions { Timeout = TimeSpan.FromDays(days) });
        var constructor = Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerHandler(_ => breaker, TimeSpan.MaxValue, TimeProvider.System));

        Assert.Equal("Timeout", option.ParamName);
        Assert.Contains("49.7 days", option.Message, StringComparison.Ordinal);
        Assert.Equal("timeout", constructor.ParamName);
        Assert.Equal(HttpCircuitBreakerHandlerOptions.MaxTimeout, new HttpCircuitBreakerHandlerOptions { Timeout = HttpCircuitBreakerHandlerOptions.MaxTimeout }.Timeout);
    }

    [Fact]
    public async Task HandlerTimeout_AtTheLongestAllowed_SendsRequestsNormally()
    {
        var breaker = Breaker();

        using var response = await Client(new CircuitBreakerHandler(_ => breaker, HttpCircuitBreakerHandlerOptions.MaxTimeout, _clock)).GetAsync(new Uri("x", UriKind.Relative));

        Assert.Equal(200, (int)response.StatusCode);
    }
}
