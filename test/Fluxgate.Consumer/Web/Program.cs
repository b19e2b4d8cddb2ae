// The consumer test's web application: `dotnet new web` plus Fluxgate from packages by version (eng/consumer-test.sh).
// Breakers come from appsettings.json, guard a named HttpClient, show in health checks, in a Prometheus scrape and on the
// operator dashboard (its page and script embedded in the package, its JSON). The
// program serves itself on a free loopback port, calls its own endpoints as a client would, and exits 0 when what it
// saw is right, 1 otherwise. The downstream service is an HttpListener on loopback that answers 503.
using System.Net;
using System.Net.Sockets;
using Fluxgate;
using Fluxgate.Prometheus;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

using var downstream = new HttpListener();
var downstreamAddress = $"http://127.0.0.1:{FreePort()}/";
downstream.Prefixes.Add(downstreamAddress);
downstream.Start();
var served = 0;
_ = Task.Run(async () =>
{
    while (downstream.IsListening)
    {
        HttpListenerContext context;
        try { context = await downstream.GetContextAsync(); } catch (Exception) { return; }
        Interlocked.Increment(ref served);
        context.Response.StatusCode = 503;
        context.Response.Close();
    }
});

var registry = Prometheus.Metrics.NewCustomRegistry();
var prometheus = new PrometheusListener(registry);

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort()}");
builder.Services.AddCircuitBreakers(builder.Configuration.GetSection("Fluxgate"));
builder.Services.ConfigureAll<CircuitBreakerOptions>(o => o.Listeners.Add(prometheus));
builder.Services.AddHttpClient("inventory", c => c.BaseAddress = new Uri(downstreamAddress)).AddCircuitBreaker("inventory");
builder.Services.AddHealthChecks().AddCircuitBreakers();

await using var app = builder.Build();
app.MapGet("/stock", async (IHttpClientFactory clients) =>
{
    try
    {
        using var response = await clients.CreateClient("inventory").GetAsync("stock");
        return Results.StatusCode((int)response.StatusCode);
    }
    catch (CallNotPermittedException e)
    {
        return Results.Problem(e.Message, statusCode: 503, extensions: new Dictionary<string, object?> { ["retryAfter"] = e.RetryAfter?.TotalSeconds });
    }
});
app.MapFluxgate();
app.MapHealthChecks("/health", new HealthCheckOptions { ResultStatusCodes = { [HealthStatus.Degraded] = 200, [HealthStatus.Unhealthy] = 503 } });
app.MapGet("/metrics", async (HttpContext context) =>
{
    context.Response.ContentType = "text/plain; version=0.0.4";
    await registry.CollectAndExportAsTextAsync(context.Response.Body);
});
await app.StartAsync();

var failures = 0;
void Check(bool condition, string what)
{
    Console.WriteLine($"  {(condition ? "ok  " : "FAIL")} {what}");
    failures += condition ? 0 : 1;
}

Console.WriteLine("Web application");
using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
var healthBefore = await client.GetAsync("/health");
Check(healthBefore.StatusCode == HttpStatusCode.OK, $"healthy while the breaker is closed ({(int)healthBefore.StatusCode})");

var statuses = new List<int>();
for (var i = 0; i < 4; i++)
{
    statuses.Add((int)(await client.GetAsync("/stock")).StatusCode);
}

Check(statuses.All(s => s == 503) && Volatile.Read(ref served) == 3, $"three 503s from downstream open the configured breaker; the fourth request is rejected without reaching it ({Volatile.Read(ref served)} served)");
var breaker = app.Services.GetRequiredKeyedService<CircuitBreaker>("inventory");
Check(breaker.State == CircuitState.Open, $"the keyed breaker is the one the HttpClient uses ({breaker.State})");
var healthAfter = await client.GetAsync("/health");
var healthText = await healthAfter.Content.ReadAsStringAsync();
Check(healthAfter.StatusCode == HttpStatusCode.ServiceUnavailable && healthText == "Unhealthy", $"health checks report the open breaker as unhealthy ({(int)healthAfter.StatusCode} {healthText})");
var metrics = await client.GetStringAsync("/metrics");
Check(metrics.Contains("circuit_breaker_state{circuit_name=\"inventory\",state=\"open\"} 1", StringComparison.Ordinal), "the Prometheus scrape shows the breaker open");
using (var page = await client.GetAsync("/fluxgate/"))
using (var script = await client.GetAsync("/fluxgate/app.js"))
{
    var html = await page.Content.ReadAsStringAsync();
    Check(page.StatusCode == HttpStatusCode.OK && html.Contains("app.js", StringComparison.Ordinal) && page.Headers.Contains("Content-Security-Policy"), $"the dashboard's page is served from the package, under its Content-Security-Policy ({(int)page.StatusCode})");
    Check(script.StatusCode == HttpStatusCode.OK && (await script.Content.ReadAsStringAsync()).Length > 1000, $"the page's script is embedded in the package ({(int)script.StatusCode})");
}

var breakers = await client.GetStringAsync("/fluxgate/api/breakers");
Check(breakers.Contains("\"name\":\"inventory\"", StringComparison.Ordinal) && breakers.Contains("\"state\":\"open\"", StringComparison.Ordinal), $"the dashboard's JSON lists the configured breaker, open ({breakers.Length} bytes)");

await app.StopAsync();
downstream.Stop();
Console.WriteLine(failures == 0 ? "web consumer: every check passed" : $"web consumer: {failures} check(s) failed");
return failures == 0 ? 0 : 1;

static int FreePort()
{
    using var socket = new TcpListener(IPAddress.Loopback, 0);
    socket.Start();
    return ((IPEndPoint)socket.LocalEndpoint).Port;
}
