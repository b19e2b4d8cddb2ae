// The consumer test's Native AOT application (eng/consumer-test.sh): breakers and the fleet described in JSON
// configuration, a named HttpClient through its breaker, a Polly pipeline, logs through ILogger, and a fleet on the
// redis-server the script started (FLUXGATE_CONSUMER_REDIS). Published with PublishAot and run; the same source also runs
// on the JIT. Exits 0 when every check holds, 1 otherwise, naming each check; prints the figures the script compares.
using System.Diagnostics;
using System.Net.Sockets;
using Fluxgate;
using Fluxgate.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;

// The script says how it ran the app (a PublishAot project reports no dynamic code even under `dotnet run`).
var mode = args.FirstOrDefault(a => a is "aot" or "jit") ?? "unknown";
var failures = 0;
void Check(bool condition, string what)
{
    Console.WriteLine($"  {(condition ? "ok  " : "FAIL")} {what}");
    failures += condition ? 0 : 1;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
var redis = Environment.GetEnvironmentVariable("FLUXGATE_CONSUMER_REDIS") ?? "127.0.0.1:6379";
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Fluxgate:Fleet:ConnectionString"] = redis });
var logs = new ListLoggerProvider();
builder.Logging.ClearProviders().AddProvider(logs);
builder.Services
    .AddCircuitBreakerExceptionType<HttpRequestException>()      // found without reflection: this app is trimmed
    .AddCircuitBreakerExceptionType<TimeoutException>()
    .AddCircuitBreakers(builder.Configuration.GetSection("Fluxgate"))
    .AddCircuitBreakerFleet(builder.Configuration.GetSection("Fluxgate:Fleet"));
builder.Services.AddHttpClient("inventory", c => c.BaseAddress = new Uri($"http://127.0.0.1:{ClosedPort()}/")).AddCircuitBreaker("inventory");

using var host = builder.Build();
await host.StartAsync();
var inventory = host.Services.GetRequiredKeyedService<CircuitBreaker>("inventory");
var payments = host.Services.GetRequiredKeyedService<CircuitBreaker>("payments");

// The first protected call: how long after the process started (start-up, container, configuration, first call).
payments.Execute(static () => 1);
var startup = DateTime.Now - Process.GetCurrentProcess().StartTime;
Console.WriteLine($"Fluxgate {typeof(CircuitBreaker).Assembly.GetName().Version} on .NET {Environment.Version} ({mode})");

Console.WriteLine("configuration");
Check(payments.GetInfo().Policy.Contains("Tripper=MinRequests(10) & FailureRate(0.5)", StringComparison.Ordinal), $"the breakers are read from appsettings.json ({payments.GetInfo().Policy})");
try
{
    Tracker.Parse("TypeOf(System.InvalidTimeZoneException)");
    Console.WriteLine("  info a type named only in text is found by reflection here");
}
catch (ExpressionException error)
{
    Console.WriteLine($"  info a type named only in text is not found by reflection here: {error.Message}");
}

Console.WriteLine("HttpClient through its breaker");
var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("inventory");
for (var i = 0; i < 2; i++)
{
    try { await client.GetAsync("stock"); } catch (HttpRequestException) { /* expected: nobody listens on the port; the breaker counts it */ }
}

Check(inventory.State == CircuitState.Open, $"two refused connections open the breaker ({inventory.GetInfo().State}, cause {inventory.GetInfo().Cause.ToWireName()})");
Check(await Record(() => client.GetAsync("stock")) is CallNotPermittedException, "the next request is rejected without touching the network");
Check(logs.Messages.Any(m => m.Contains("'inventory'", StringComparison.Ordinal) && m.Contains("open", StringComparison.OrdinalIgnoreCase)), "the transition is logged through ILogger");

Console.WriteLine("Polly pipeline");
var pipeline = new ResiliencePipelineBuilder().AddFluxgate(inventory).Build();
Check(await Record(async () => await pipeline.ExecuteAsync(static _ => ValueTask.FromResult(1))) is CallNotPermittedException, "the pipeline rejects while the breaker is open");

Console.WriteLine("fleet");
var fleet = host.Services.GetRequiredService<CircuitBreakerFleet>();
var waited = Stopwatch.StartNew();
while (!fleet.IsCoordinating && waited.Elapsed < TimeSpan.FromSeconds(15))
{
    await Task.Delay(50);
}

Check(fleet.IsCoordinating, $"the fleet coordinates through {redis}");
Check(fleet.Breakers.Select(b => b.Name).Order().SequenceEqual(["inventory", "payments"]), $"both configured breakers joined ({string.Join(", ", fleet.Breakers.Select(b => b.Name))})");
// The breaker opened before the fleet reached Redis: its state is published at the next heartbeat.
var view = await fleet.GetViewAsync("inventory");
while (view.Replicas.SingleOrDefault(r => r.ReplicaId == fleet.ReplicaId)?.State != CircuitState.Open && waited.Elapsed < TimeSpan.FromSeconds(15))
{
    await Task.Delay(50);
    view = await fleet.GetViewAsync("inventory");
}

Check(view.Replicas.SingleOrDefault(r => r.ReplicaId == fleet.ReplicaId)?.State == CircuitState.Open, $"the fleet's view shows this replica open ({view.Replicas.Count} replica(s))");

// The closed-state call, as the benchmarks measure it: the best of five rounds of 2,000,000 calls.
var best = double.MaxValue;
for (var round = 0; round < 5; round++)
{
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < 2_000_000; i++)
    {
        payments.Execute(static () => 1);
    }

    best = Math.Min(best, watch.Elapsed.TotalNanoseconds / 2_000_000);
}

await host.StopAsync();
Console.WriteLine($"figures {mode}: startup-to-first-call-ms={startup.TotalMilliseconds:F0} closed-call-ns={best:F1}");
Console.WriteLine(failures == 0 ? "all checks passed" : $"{failures} check(s) failed");
return failures == 0 ? 0 : 1;

static async Task<Exception?> Record(Func<Task> action)
{
    try { await action(); return null; } catch (Exception e) { return e; }
}

static int ClosedPort()
{
    using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

/// <summary>Keeps every log message, to check the transitions reach ILogger.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly List<string> _messages = [];

    /// <summary>A copy of the messages so far (the host and the fleet log from their own threads).</summary>
    public string[] Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Add(string message)
    {
        lock (_messages)
        {
            _messages.Add(message);
        }
    }

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            provider.Add(formatter(state, exception));
        }
    }
}
