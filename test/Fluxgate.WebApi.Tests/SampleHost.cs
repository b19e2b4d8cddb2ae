using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.WebApi.Tests;

/// <summary>
/// The web sample started for real: Kestrel on two free loopback ports (the API and the inventory service), in the
/// environment given, on a fake clock, with deterministic probes.
/// </summary>
internal sealed class SampleHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SampleHost(WebApplication app, Uri api, Uri downstream)
    {
        _app = app;
        Api = api;
        Downstream = downstream;
    }

    /// <summary>Gets the address of the product API (and of the dashboard, under <c>fluxgate/</c>).</summary>
    public Uri Api { get; }

    /// <summary>Gets the address of the inventory service.</summary>
    public Uri Downstream { get; }

    public static async Task<SampleHost> StartAsync(FakeTimeProvider clock, string environment)
    {
        // The sample listens on two ports it is given. A port found free may be taken by another process before the
        // sample binds it (the suites run in parallel): then start again on two others.
        for (var attempt = 1; ; attempt++)
        {
            var apiUrl = $"http://127.0.0.1:{LoopbackServer.FreePort()}";
            var downstreamUrl = $"http://127.0.0.1:{LoopbackServer.FreePort()}";
            var app = WebApiApp.Build(["--environment", environment], builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Sample:ApiUrl"] = apiUrl,
                    ["Sample:DownstreamUrl"] = downstreamUrl,
                    ["Fluxgate:Breakers:inventory:Permit"] = "All()",          // deterministic probes
                    ["Fluxgate:Breakers:inventory:Retry"] = "Cooldown(10s)",
                });
                builder.Services.AddSingleton<TimeProvider>(clock);
            });
            try
            {
                await app.StartAsync();
                return new SampleHost(app, new Uri(apiUrl + "/"), new Uri(downstreamUrl + "/"));
            }
            catch (IOException exception) when (attempt < 5 && exception.Message.Contains("address already in use", StringComparison.Ordinal))
            {
                await app.DisposeAsync();
            }
        }
    }

    public T Service<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// The test classes that start the sample, run one after another: the sample exports to prometheus-net's process-wide
/// default registry from the process-wide <c>Fluxgate</c> meter, so two samples at once would see each other's series.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SampleSerial
{
    public const string Name = "web sample";
}
