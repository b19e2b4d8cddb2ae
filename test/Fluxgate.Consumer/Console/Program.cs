// The consumer test's console application: what a team writes after `dotnet add package Fluxgate…`, run against the
// packages just packed (eng/consumer-test.sh), on net8.0 and net10.0. Every dependency is real and on loopback: an
// HttpListener standing in for a downstream service and for Slack, a port nobody listens on, a prometheus-net registry,
// an ILogger, a MeterListener, a Polly pipeline, and a redis-server the script started (FLUXGATE_CONSUMER_REDIS).
// Exits 0 when every check holds, 1 otherwise, naming each check.
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Fluxgate;
using Fluxgate.Logging;
using Fluxgate.Prometheus;
using Fluxgate.Redis;
using Fluxgate.Slack;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using static Fluxgate.Tripper;

var failures = 0;
void Check(bool condition, string what)
{
    Console.WriteLine($"  {(condition ? "ok  " : "FAIL")} {what}");
    failures += condition ? 0 : 1;
}

Console.WriteLine($"Fluxgate {typeof(CircuitBreaker).Assembly.GetName().Version} on .NET {Environment.Version}");

// 1. The README's basic example, against a loopback port nobody listens on: every call is an HttpRequestException.
Console.WriteLine("README basic example");
{
    var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Loopback.ClosedPort()}/") };
    var options = new CircuitBreakerOptions
    {
        Name = "payment_api",
        Window = new CountWindow(size: 100),
        Tracker = Tracker.TypeOf<HttpRequestException>(),
        Tripper = Closed() & MinRequests(10) & FailureRate(0.5),
        Retry = Retry.Cooldown(TimeSpan.FromSeconds(60)),
        Permit = Permit.Random(ratio: 0.5),
    };
    var cb = new CircuitBreaker(options);
    Func<decimal, HttpResponseMessage> callPaymentApi = cb.Decorate((decimal amount) =>
        http.Send(new HttpRequestMessage(HttpMethod.Post, "pay") { Content = new StringContent($"{{\"amount\":{amount}}}") }));

    var failed = 0;
    for (var i = 0; i < 10; i++)
    {
        try { callPaymentApi(100m); } catch (HttpRequestException) { failed++; }
    }

    Check(failed == 10 && cb.State == CircuitState.Open, $"ten refused connections open the breaker (failed {failed}, state {cb.State})");
    var rejected = Record(() => callPaymentApi(100m));
    Check(rejected is CallNotPermittedException { CircuitName: "payment_api" } r && r.RetryAfter > TimeSpan.Zero, $"the next call is rejected with a Retry-After ({rejected?.GetType().Name})");
    Check(cb.TryExecute(() => 1, out _) is false, "TryExecute reports the rejection without throwing");
    Check(options.Tripper.ToString() == "Closed() & MinRequests(10) & FailureRate(0.5)" && Tripper.Parse(options.Tripper.ToString()).ToString() == options.Tripper.ToString(), $"the tripper prints itself as configuration and parses back ({options.Tripper})");
}

// 2. DI + configuration + HttpClient: a breaker described in JSON configuration guards a named HttpClient.
Console.WriteLine("DI, configuration and HttpClient");
await using (var downstream = new Loopback(_ => (500, "boom")))
{
    var json = """
        { "Fluxgate": { "Breakers": { "downstream": {
            "Window": "Count(10)",
            "Tripper": "MinRequests(4) & FailureRate(0.5)",
            "Retry": "Cooldown(1m)"
        } } } }
        """;
    var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
    var logs = new CapturingLoggerProvider();
    var services = new ServiceCollection()
        .AddLogging(l => l.AddProvider(logs))
        .AddCircuitBreakers(configuration.GetSection("Fluxgate"));
    services.AddHttpClient("downstream", c => c.BaseAddress = downstream.BaseAddress).AddCircuitBreaker("downstream");
    await using var provider = services.BuildServiceProvider();
    var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");
    var breaker = provider.GetRequiredKeyedService<CircuitBreaker>("downstream");

    var statuses = new List<int>();
    for (var i = 0; i < 4; i++)
    {
        using var response = await client.GetAsync("orders");
        statuses.Add((int)response.StatusCode);
    }

    Check(statuses.All(s => s == 500) && breaker.State == CircuitState.Open, $"four 500s from the server open the configured breaker (state {breaker.State})");
    var rejected = await RecordAsync(() => client.GetAsync("orders"));
    Check(rejected is CallNotPermittedException && downstream.Requests == 4, $"the fifth request fails fast without reaching the server ({downstream.Requests} requests served)");
    var retryAfter = (rejected as CallNotPermittedException)?.RetryAfter;
    Check(retryAfter > TimeSpan.FromSeconds(50) && retryAfter <= TimeSpan.FromMinutes(1), $"the configured Cooldown(1m) is the wait (Retry-After {retryAfter})");
}

// 3. Listeners: a real ILogger, a prometheus-net registry scraped as text, Slack on a loopback stand-in, the meter.
Console.WriteLine("Listeners");
await using (var slackApi = new Loopback(_ => (200, """{"ok":true,"channel":"C1","ts":"1700000000.000100"}""")))
{
    var logs = new CapturingLoggerProvider();
    using var loggerFactory = LoggerFactory.Create(l => l.AddProvider(logs));
    var registry = Prometheus.Metrics.NewCustomRegistry();
    var prometheus = new PrometheusListener(registry);
    using var slack = new SlackListener(channel: "C1", token: "xoxb-consumer-test", new HttpClient { BaseAddress = slackApi.BaseAddress });
    var calls = 0L;
    using var meter = new MeterListener();
    meter.InstrumentPublished = (instrument, listener) =>
    {
        if (instrument.Meter.Name == "Fluxgate" && instrument.Name == "fluxgate.circuit_breaker.calls")
        {
            listener.EnableMeasurementEvents(instrument);
        }
    };
    meter.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref calls, value));
    meter.Start();

    var cb = new CircuitBreaker(new CircuitBreakerOptions
    {
        Name = "listened",
        Tripper = MinRequests(2) & FailureRate(0.5),
        Listeners = { new LogListener(loggerFactory.CreateLogger("Fluxgate.CircuitBreaker")), prometheus, slack },
    });
    for (var i = 0; i < 2; i++)
    {
        try { cb.Execute(() => throw new InvalidOperationException("down")); } catch (InvalidOperationException) { }
    }

    await cb.FlushListenersAsync();
    Check(cb.State == CircuitState.Open, $"two failures open the breaker (state {cb.State})");
    Check(logs.Messages.Any(m => m.Contains("listened", StringComparison.Ordinal) && m.Contains("open", StringComparison.OrdinalIgnoreCase)), $"the ILogger heard the transition ({logs.Messages.Count} messages)");
    using var scrape = new MemoryStream();
    await registry.CollectAndExportAsTextAsync(scrape);
    var text = Encoding.UTF8.GetString(scrape.ToArray());
    Check(text.Contains("circuit_breaker_state{circuit_name=\"listened\",state=\"open\"} 1", StringComparison.Ordinal), "the Prometheus scrape shows the breaker open");
    Check(slackApi.Bodies.Any(b => b.Contains("listened", StringComparison.Ordinal)), $"Slack's chat.postMessage was called for the transition ({slackApi.Requests} posts)");
    meter.RecordObservableInstruments();
    Check(Interlocked.Read(ref calls) == 2, $"the meter counted both calls ({calls})");
}

// 4. Polly: the breaker as a strategy of a resilience pipeline.
Console.WriteLine("Polly pipeline");
{
    var breaker = new CircuitBreaker(new CircuitBreakerOptions { Name = "polly", Tripper = MinRequests(2) & FailureRate(0.5) });
    var pipeline = new ResiliencePipelineBuilder().AddFluxgate(breaker).Build();
    for (var i = 0; i < 2; i++)
    {
        await pipeline.ExecuteOutcomeAsync<int, object?>((_, _) => ValueTask.FromResult(Outcome.FromException<int>(new InvalidOperationException())), ResilienceContextPool.Shared.Get(), null);
    }

    var ran = false;
    var context = ResilienceContextPool.Shared.Get();
    var outcome = await pipeline.ExecuteOutcomeAsync<int, object?>((_, _) => { ran = true; return ValueTask.FromResult(Outcome.FromResult(1)); }, context, null);
    ResilienceContextPool.Shared.Return(context);
    Check(breaker.State == CircuitState.Open && outcome.Exception is CallNotPermittedException && !ran, "two failed executions open the breaker; the next is rejected as an outcome without running");
}

// 5. Redis: two replicas of one application on a real redis-server see each other and obey a fleet-wide command.
Console.WriteLine("Redis fleet");
{
    var connection = Environment.GetEnvironmentVariable("FLUXGATE_CONSUMER_REDIS");
    if (string.IsNullOrEmpty(connection))
    {
        Check(false, "FLUXGATE_CONSUMER_REDIS names the redis-server eng/consumer-test.sh started");
    }
    else
    {
        await using var first = new CircuitBreakerFleet(connection, new CircuitBreakerFleetOptions { Application = "consumer", HeartbeatInterval = TimeSpan.FromMilliseconds(100) });
        await using var second = new CircuitBreakerFleet(connection, new CircuitBreakerFleetOptions { Application = "consumer", HeartbeatInterval = TimeSpan.FromMilliseconds(100) });
        var a = new CircuitBreaker(new CircuitBreakerOptions { Name = "payments" });
        var b = new CircuitBreaker(new CircuitBreakerOptions { Name = "payments" });
        first.Join(a);
        second.Join(b);
        await first.StartAsync();
        await second.StartAsync();
        for (var i = 0; i < 100 && !(first.IsCoordinating && second.IsCoordinating); i++)
        {
            await Task.Delay(50);
        }

        await first.ForceOpenAsync("payments");
        var view = await first.GetViewAsync("payments");
        for (var i = 0; i < 100 && (b.State != CircuitState.ForcedOpen || view.LiveReplicas < 2); i++)
        {
            await Task.Delay(50);
            view = await first.GetViewAsync("payments");
        }

        Check(a.State == CircuitState.ForcedOpen && b.State == CircuitState.ForcedOpen, $"a fleet-wide force-open reaches both replicas ({a.State}, {b.State})");
        Check(view.LiveReplicas == 2, $"the fleet view lists both replicas ({view.LiveReplicas})");
        await first.ResetAsync("payments");
    }
}

// 6. BeginCall behaves in the Release package as in the repository's Debug tests: a second report through one value is
// ignored and told to the listeners; nothing of a Debug-only guard is left.
Console.WriteLine("BeginCall");
{
    var told = new List<CircuitBreakerFailure>();
    var options = new CircuitBreakerOptions { Name = "calls" };
    options.Listeners.Add(new FailureCollector(told));
    var breaker = new CircuitBreaker(options);
    var call = breaker.BeginCall();
    call.Complete(1);
    call.Complete(2);
    Check(breaker.GetInfo().Metrics.TotalCount == 1 && told is [{ Operation: "CircuitBreakerCall.Complete" }], $"a second report is ignored and told to the listeners ({breaker.GetInfo().Metrics.TotalCount} recorded, {told.Count} told)");
}

// 7. Bad input gets a clear error naming the parameter.
Console.WriteLine("Validation");
{
    var error = Record(() => new CountWindow(0));
    Check(error is ArgumentOutOfRangeException { ParamName: "size" }, $"CountWindow(0) names its parameter ({error?.GetType().Name}: {error?.Message})");
}

Console.WriteLine(failures == 0 ? "consumer: every check passed" : $"consumer: {failures} check(s) failed");
return failures == 0 ? 0 : 1;

static Exception? Record(Action action)
{
    try { action(); return null; } catch (Exception e) { return e; }
}

static async Task<Exception?> RecordAsync(Func<Task> action)
{
    try { await action(); return null; } catch (Exception e) { return e; }
}

/// <summary>An HttpListener on 127.0.0.1 and a free port, answering every request the same way and keeping the bodies.</summary>
internal sealed class Loopback : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerRequest, (int Status, string Body)> _respond;
    private readonly Task _loop;
    private int _requests;

    public Loopback(Func<HttpListenerRequest, (int Status, string Body)> respond)
    {
        _respond = respond;
        BaseAddress = new Uri($"http://127.0.0.1:{ClosedPort()}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseAddress { get; }

    public int Requests => Volatile.Read(ref _requests);

    public System.Collections.Concurrent.ConcurrentQueue<string> Bodies { get; } = new();

    /// <summary>A loopback port free at this moment (the listener bound to it is closed again).</summary>
    public static int ClosedPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); } catch (Exception) { return; }
            using (var reader = new StreamReader(context.Request.InputStream))
            {
                Bodies.Enqueue(await reader.ReadToEndAsync());
            }

            Interlocked.Increment(ref _requests);
            var (status, body) = _respond(context.Request);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}

/// <summary>A real ILoggerProvider that keeps every formatted message.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Messages.Enqueue(formatter(state, exception));
    }
}

internal sealed class FailureCollector(List<CircuitBreakerFailure> failures) : ICircuitBreakerListener
{
    public void OnStateChanged(Signal signal)
    {
    }

    public void OnFailure(CircuitBreakerFailure failure) => failures.Add(failure);
}
