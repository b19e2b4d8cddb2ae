using System.Net.Http.Json;
using Fluxgate.Tests.Support;
using static Fluxgate.Tripper;

namespace Fluxgate.Tests;

/// <summary>
/// Every snippet of the Python original's README (github.com/byExist/fluxgate), in C#, run against a real HTTP server on
/// 127.0.0.1 standing in for the payment API. The breaker code is what README.md shows.
/// </summary>
public sealed class SeedReadmeExamplesTests : IDisposable
{
    private readonly LoopbackServer _api = new();
    private readonly HttpClient _http;
    private readonly FakeTimeProvider _clock = TestKit.NewClock();

    public SeedReadmeExamplesTests() => _http = new HttpClient { BaseAddress = _api.BaseAddress };

    public void Dispose()
    {
        _http.Dispose();
        _api.Dispose();
    }

    [Fact]
    public void BasicExample_DecoratedPaymentCall_OpensAfterConnectionErrorsAndRejectsWithoutNetwork()
    {
        // ---- README: Basic Example ----
        var cb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "payment_api",
            Window = new CountWindow(size: 100),
            Tracker = Tracker.TypeOf<HttpRequestException>(),
            Tripper = Closed() & MinRequests(10) & FailureRate(0.5),
            Retry = Retry.Cooldown(TimeSpan.FromSeconds(60)),
            Permit = Permit.Random(ratio: 0.5),
            TimeProvider = _clock,
        });

        Func<decimal, HttpResponseMessage> callPaymentApi = cb.Decorate((decimal amount) =>
            _http.Send(new HttpRequestMessage(HttpMethod.Post, "pay") { Content = JsonContent.Create(new { amount }) }));
        // ---- end ----

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, (int)callPaymentApi(100m).StatusCode);
        }

        _api.Stop();                                          // the payment API goes down
        for (var i = 0; i < 5; i++)
        {
            Assert.Throws<HttpRequestException>(() => callPaymentApi(100m));
        }

        Assert.Equal(CircuitState.Open, cb.State);            // 10 calls, 50% failed
        var requests = _api.Requests;
        Assert.Throws<CallNotPermittedException>(() => callPaymentApi(100m));
        Assert.Equal(requests, _api.Requests);
        Assert.Equal("{\"amount\":100}", _api.Received.First().Body);
    }

    [Fact]
    public void HowItWorks_ClosedOpenHalfOpenAndBack_FollowsTheDiagram()
    {
        // CLOSED --[tripper]--> OPEN --[retry]--> HALF_OPEN --[!tripper]--> CLOSED, and HALF_OPEN --[tripper]--> OPEN
        var listener = new RecordingListener();
        var cb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Tracker = Tracker.TypeOf<HttpRequestException>(),
            Tripper = MinRequests(1) & FailureRate(0.5),
            Retry = Retry.Cooldown(TimeSpan.FromSeconds(60)),
            Permit = Permit.All(),
            TimeProvider = _clock,
            Listeners = { listener },
        });
        var fetch = cb.Decorate(() => _http.Send(new HttpRequestMessage(HttpMethod.Get, "status")));

        fetch();
        _api.Respond = _ => throw new InvalidOperationException("never reached");
        _api.Stop();
        Assert.Throws<HttpRequestException>(() => fetch());   // CLOSED → OPEN
        Assert.Throws<CallNotPermittedException>(() => fetch());
        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Throws<HttpRequestException>(() => fetch());   // OPEN → HALF_OPEN → OPEN (1 of 1 failed)

        using var recovered = new LoopbackServerAt(_api.Port);
        _clock.Advance(TimeSpan.FromSeconds(60));
        fetch();                                              // OPEN → HALF_OPEN → CLOSED

        Assert.Equal(
            [(CircuitState.Closed, CircuitState.Open), (CircuitState.Open, CircuitState.HalfOpen), (CircuitState.HalfOpen, CircuitState.Open), (CircuitState.Open, CircuitState.HalfOpen), (CircuitState.HalfOpen, CircuitState.Closed)],
            listener.Transitions);
    }

    [Fact]
    public void CoreComponents_EveryExampleOfTheTable_Builds()
    {
        Window[] windows = [new CountWindow(100), new TimeWindow(TimeSpan.FromSeconds(60))];
        Tracker[] trackers = [Tracker.TypeOf<HttpRequestException>(), Tracker.Custom(e => e is TimeoutException)];
        Tripper[] trippers = [FailureRate(0.5), AvgLatency(TimeSpan.FromSeconds(2.0))];
        Retry[] retries = [Retry.Cooldown(TimeSpan.FromSeconds(60.0)), Retry.Backoff(TimeSpan.FromSeconds(10.0))];
        Permit[] permits = [Permit.Random(0.5), Permit.RampUp(0.1, 0.8, TimeSpan.FromSeconds(60))];

        Assert.Equal(100, ((CountWindow)windows[0]).Size);
        Assert.Equal(TimeSpan.FromSeconds(60), ((TimeWindow)windows[1]).Size);
        Assert.True(trackers[0].IsFailure(new HttpRequestException()));
        Assert.True(trackers[1].IsFailure(new TimeoutException()));
        Assert.True(trippers[1].Evaluate(new CallContext(new Metric(1, 0, TimeSpan.FromSeconds(2)), CircuitState.Closed, 0)));
        Assert.Equal(TimeSpan.FromSeconds(20), retries[1].GetWaitDuration(1));
        Assert.Equal(0.8, Permit.RampUpProbability(0.1, 0.8, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)));
        Assert.NotNull(permits[0]);
        Assert.False(trippers[0].Evaluate(new CallContext(new Metric(0, 0, TimeSpan.Zero), CircuitState.Closed, 0)));
    }

    [Fact]
    public async Task AsyncSupport_DecoratedAsyncCall_RecordsWhenTheTaskCompletesAndLimitsProbes()
    {
        // ---- README: Async Support ----
        var cb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "async_api",
            Window = new CountWindow(size: 100),
            Tracker = Tracker.TypeOf<HttpRequestException>(),
            Tripper = Closed() & MinRequests(10) & FailureRate(0.5),
            Retry = Retry.Cooldown(TimeSpan.FromSeconds(60)),
            Permit = Permit.Random(ratio: 0.5),
            MaxHalfOpenCalls = 5,
            TimeProvider = _clock,
        });

        Func<Task<string>> callAsyncApi = cb.Decorate(() => _http.GetStringAsync("data"));
        // ---- end ----

        _api.Respond = _ => (200, "\"payload\"");
        Assert.Equal("\"payload\"", await callAsyncApi());
        _api.Respond = _ => (503, "{}");                      // GetStringAsync throws HttpRequestException on 503
        for (var i = 0; i < 9; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(callAsyncApi);
        }

        Assert.Equal(CircuitState.Open, cb.State);
        await Assert.ThrowsAsync<CallNotPermittedException>(callAsyncApi);
    }

    [Fact]
    public void ProductionExample_CustomTrackerAndTripperTree_BehaveAsTheOriginalDescribes()
    {
        // ---- README: Production Example (listeners are exercised in the integration tests) ----
        static bool IsRetriableError(Exception e) => e switch
        {
            HttpRequestException { StatusCode: { } status } => (int)status >= 500,
            HttpRequestException => true,                     // no status: the connection failed
            TimeoutException or TaskCanceledException => true,
            _ => false,
        };

        var paymentCb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "payment_api",
            Window = new CountWindow(size: 100),
            Tracker = Tracker.Custom(IsRetriableError),
            Tripper = MinRequests(20) & ((Closed() & FailureRate(0.6)) | (HalfOpened() & FailureRate(0.5))),
            Retry = Retry.Backoff(initial: TimeSpan.FromSeconds(10), multiplier: 2.0, maxDuration: TimeSpan.FromSeconds(300), jitterRatio: 0.1),
            Permit = Permit.RampUp(initial: 0.1, final: 0.5, duration: TimeSpan.FromSeconds(60)),
            TimeProvider = _clock,
        });

        var chargePayment = paymentCb.Decorate((decimal amount) =>
        {
            var response = _http.Send(new HttpRequestMessage(HttpMethod.Post, "charge") { Content = JsonContent.Create(new { amount }) });
            response.EnsureSuccessStatusCode();
            return response.Content.ReadFromJsonAsync<Dictionary<string, string>>().GetAwaiter().GetResult()!;
        });
        // ---- end ----

        _api.Respond = _ => (200, "{\"id\":\"ch_1\"}");
        Assert.Equal("ch_1", chargePayment(5m)["id"]);

        _api.Respond = _ => (400, "{}");                      // client errors are not retriable: never counted
        for (var i = 0; i < 30; i++)
        {
            Assert.Throws<HttpRequestException>(() => chargePayment(5m));
        }

        Assert.Equal(CircuitState.Closed, paymentCb.State);
        Assert.Equal(1, paymentCb.GetInfo().Metrics.TotalCount);

        _api.Respond = _ => (503, "{}");                      // 5xx: counted; 60% of ≥ 20 calls opens
        for (var i = 0; i < 19 && paymentCb.State == CircuitState.Closed; i++)
        {
            Assert.Throws<HttpRequestException>(() => chargePayment(5m));
        }

        Assert.Equal(CircuitState.Open, paymentCb.State);
        var wait = Assert.Throws<CallNotPermittedException>(() => chargePayment(5m)).RetryAfter!.Value;
        Assert.InRange(wait.TotalSeconds, 9, 11);             // Backoff(10 s) ± 10% jitter
    }

    /// <summary>A second server on the port the first one gave up: the dependency coming back.</summary>
    private sealed class LoopbackServerAt : IDisposable
    {
        private readonly System.Net.HttpListener _listener = new();

        public LoopbackServerAt(int port)
        {
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    try
                    {
                        var context = await _listener.GetContextAsync();
                        context.Response.StatusCode = 200;
                        context.Response.Close();
                    }
                    catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }
                }
            });
        }

        public void Dispose() => _listener.Close();
    }
}
