using System.Net.Http.Json;
using Fluxgate.Tests.Support;
using static Fluxgate.Tripper;

namespace Fluxgate.Tests;

/// <summary>
/// The public contract: the names and shapes users write (the breaker, its options, the parts and their factories,
/// the listeners), used exactly as they are written; if this file compiles, the contract holds. The README's first
/// example runs against a real HTTP server on 127.0.0.1.
/// </summary>
public sealed class SpecContractTests : IDisposable
{
    private readonly LoopbackServer _server = new();
    private readonly HttpClient _client;

    public SpecContractTests()
    {
        _client = new HttpClient { BaseAddress = _server.BaseAddress };
        _server.Respond = _ => (200, "{\"value\":7}");
    }

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }

    private sealed record Receipt(decimal Amount);

    private sealed record Data(int Value);

    [Fact]
    public async Task Section1_WhatAUserGets_CompilesAndRuns()
    {
        var url = "data";
        static Receipt Charge(decimal amount) => new(amount);
        static string Fetch() => throw new HttpRequestException("down");
        static string Cache() => "cached";
        var client = _client;

        var cb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name    = "payment_api",
            Window  = new CountWindow(size: 100),
            Tracker = Tracker.TypeOf<HttpRequestException>(),
            Tripper = Closed() & MinRequests(10) & FailureRate(0.5),
            Retry   = Retry.Cooldown(TimeSpan.FromSeconds(60)),
            Permit  = Permit.Random(ratio: 0.5),
        });

        var receipt = cb.Execute(() => Charge(100m));                                   // sync
        var data    = await cb.ExecuteAsync(ct => client.GetFromJsonAsync<Data>(url, ct)); // async
        Func<decimal, Receipt> charge = cb.Decorate<decimal, Receipt>(Charge);            // "decorator"
        var cached  = cb.Execute(() => Fetch(), fallback: ex => Cache());               // fallback

        Assert.Equal(100m, receipt.Amount);
        Assert.Equal(7, data!.Value);
        Assert.Equal(5m, charge(5m).Amount);
        Assert.Equal("cached", cached);
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task Section2_EveryPublicName_HasTheSpecifiedShape()
    {
        CircuitState[] states = [CircuitState.Closed, CircuitState.Open, CircuitState.HalfOpen, CircuitState.MetricsOnly, CircuitState.Disabled, CircuitState.ForcedOpen];
        var clock = TestKit.NewClock();
        var listener = new SpecListener();
        var options = new CircuitBreakerOptions
        {
            Name = "contract",
            Window = new TimeWindow(TimeSpan.FromSeconds(60)),
            Tracker = (Tracker.All() & ~Tracker.TypeOf(typeof(ArgumentException))) | !Tracker.Custom(e => e is OperationCanceledException),
            Tripper = (MinRequests(1) & AvgLatency(TimeSpan.FromSeconds(1))) | SlowRate(0.5, TimeSpan.FromSeconds(1)) | FailureStreak(3) | HalfOpened(),
            Retry = Retry.Backoff(TimeSpan.FromSeconds(1), 2.0, null, 0, new Random(1)),
            Permit = Permit.RampUp(0.1, 1.0, TimeSpan.FromSeconds(60), new Random(2)),
            MaxHalfOpenCalls = 10,
            Listeners = { (ICircuitBreakerListener)listener, (IAsyncCircuitBreakerListener)listener },
            TimeProvider = clock,
        };
        _ = Retry.Always();
        _ = Retry.Never();
        _ = Retry.Cooldown(TimeSpan.FromSeconds(1), 0.1, Random.Shared);
        _ = Permit.All();
        _ = Permit.Random(0.5, new Random(3));
        _ = Closed();
        _ = FailureRate(0.5);

        var defaults = new CircuitBreaker();
        var cb = new CircuitBreaker(options);
        string name = cb.Name;
        CircuitState state = cb.State;
        CircuitBreakerInfo info = cb.GetInfo();
        int one = cb.Execute<int>(() => 1);
        cb.Execute(() => { });
        int two = cb.Execute<int>(() => throw new InvalidOperationException(), ex => 2);
        int three = await cb.ExecuteAsync<int>(ct => new ValueTask<int>(3), CancellationToken.None);
        await cb.ExecuteAsync(ct => ValueTask.CompletedTask, CancellationToken.None);
        int four = await cb.ExecuteAsync<int>(async ct => { await Task.Yield(); throw new InvalidOperationException(); }, ex => 4, CancellationToken.None);
        bool ran = cb.TryExecute<int>(() => 5, out int five);
        int six = cb.Execute<int, int>(static s => s, 6);
        int seven = await cb.ExecuteAsync<int, int>(static (s, ct) => new ValueTask<int>(s), 7);
        Func<int, int> decorated = cb.Decorate<int, int>(x => x);
        Action decoratedAction = cb.Decorate(() => { });
        Func<int, Task<int>> decoratedAsync = cb.Decorate<int, int>(x => Task.FromResult(x));
        Func<Task> decoratedAsyncAction = cb.Decorate(() => Task.CompletedTask);
        Func<int> withFallback = cb.Decorate<int>(() => int.Parse("x", System.Globalization.CultureInfo.InvariantCulture), ex => 8);
        cb.Reset();
        cb.Disable();
        cb.MetricsOnly();
        cb.ForceOpen();

        CircuitState infoState = info.State;
        DateTimeOffset changedAt = info.ChangedAt;
        int reopens = info.Reopens;
        int streak = info.ConsecutiveFailures;
        Metric metric = info.Metrics;
        int total = metric.TotalCount;
        int failures = metric.FailureCount;
        TimeSpan totalDuration = metric.TotalDuration;
        TimeSpan? avg = metric.AvgDuration;
        double? rate = metric.FailureRate;
        int slow = metric.SlowCount(TimeSpan.FromSeconds(1));
        double? slowRate = metric.SlowRate(TimeSpan.FromSeconds(1));

        var rejection = Assert.Throws<CallNotPermittedException>(() => cb.Execute(() => 0));
        string circuit = rejection.CircuitName;
        CircuitState rejectedIn = rejection.State;
        TimeSpan? retryAfter = rejection.RetryAfter;
        Exception asException = rejection;

        Window window = new CountWindow(10);
        Metric fromWindow = window.GetMetric();
        window.Reset();
        var context = new CallContext(fromWindow, CircuitState.Closed, 0);
        Metric contextMetric = context.Metric;
        CircuitState contextState = context.State;
        int contextStreak = context.ConsecutiveFailures;
        bool custom = new CustomTracker().IsFailure(new InvalidOperationException()) && new CustomTripper().Evaluate(context)
            && new CustomRetry().GetWaitDuration(0) == TimeSpan.Zero && new CustomPermit().Admit(TimeSpan.Zero);
        await cb.FlushListenersAsync();

        Signal signal = listener.Last;
        Assert.Equal("contract", signal.CircuitName);
        Assert.Equal(CircuitState.MetricsOnly, signal.OldState);
        Assert.Equal(CircuitState.ForcedOpen, signal.NewState);
        Assert.Equal(clock.GetUtcNow(), signal.Timestamp);
        Assert.Equal(4, listener.AsyncCount);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], [one, two, three, four, five, six, seven]);
        Assert.True(ran && custom);
        Assert.Equal("default", defaults.Name);
        Assert.Equal(6, states.Length);
        Assert.Equal(("contract", CircuitState.Closed, CircuitState.ForcedOpen), (name, state, rejectedIn));
        Assert.Equal(circuit, name);
        Assert.Null(retryAfter);
        Assert.NotNull(asException);
        cb.Reset();
        Assert.Equal(9, decorated(9) + (await decoratedAsync(0)));
        decoratedAction.Invoke();
        Assert.Equal(8, withFallback());
        _ = (infoState, changedAt, reopens, streak, metric, total, failures, totalDuration, avg, rate, slow, slowRate, contextMetric, contextState, contextStreak, decoratedAsyncAction);
    }

    private sealed class SpecListener : ICircuitBreakerListener, IAsyncCircuitBreakerListener
    {
        public Signal Last { get; private set; }

        public int AsyncCount { get; private set; }

        public void OnStateChanged(Signal signal) => Last = signal;

        public ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken)
        {
            AsyncCount++;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class CustomTracker : Tracker
    {
        public override bool IsFailure(Exception exception) => true;
    }

    private sealed class CustomTripper : Tripper
    {
        public override bool Evaluate(CallContext context) => context.Metric.TotalCount == 0;
    }

    private sealed class CustomRetry : Retry
    {
        public override TimeSpan GetWaitDuration(int reopens) => TimeSpan.Zero;
    }

    private sealed class CustomPermit : Permit
    {
        public override bool Admit(TimeSpan elapsedSinceHalfOpen) => true;
    }

    private sealed class CustomWindow : Window
    {
        private int _count;

        public override Metric GetMetric() => new(_count, 0, TimeSpan.Zero);

        public override void Reset() => _count = 0;

        protected override void Record(bool isFailure, TimeSpan duration, long timestamp) => _count++;
    }

    [Fact]
    public void CustomWindow_FedByTheBreaker_DrivesTheTripper()
    {
        var clock = TestKit.NewClock();
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { Window = new CustomWindow(), Tripper = MinRequests(3), TimeProvider = clock });

        breaker.Execute(() => 1);
        breaker.Execute(() => 1);
        Assert.Equal(2, breaker.GetInfo().Metrics.TotalCount);
        breaker.Execute(() => 1);

        Assert.Equal(CircuitState.Open, breaker.State);
    }
}
