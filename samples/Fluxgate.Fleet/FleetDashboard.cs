using Fluxgate.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fluxgate.Fleet;

/// <summary>
/// <c>--dashboard</c>: the operator dashboard (Fluxgate.AspNetCore) of one replica, read-only, on a free loopback port.
/// Its breaker's card carries the fleet's view: one mark per replica, the quorum, the fleet command in force.
/// </summary>
internal sealed class FleetDashboard : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _pageConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private FleetDashboard(Replica replica)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);                     // the story stays readable
        builder.Services.AddSingleton<IHostLifetime, NoSignalHandling>();      // Ctrl+C and SIGTERM stay the sample's (LocalRedis)
        builder.Services.AddSingleton(replica.Fleet);                          // the fleet's view; the replica owns and disposes it
        builder.Services.AddFluxgateDashboard(o => o.Breakers.Add(replica.Breaker));   // a breaker made with new
        _app = builder.Build();
        _app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/fluxgate/api/events", StringComparison.Ordinal))
            {
                _pageConnected.TrySetResult();
            }

            return next(context);
        });
        _app.MapFluxgate();
    }

    /// <summary>Gets the page's address.</summary>
    public string Url => _app.Urls.Single() + "/fluxgate/";

    /// <summary>Gets a task that completes when a page opens the live stream.</summary>
    public Task PageConnected => _pageConnected.Task;

    public static async Task<FleetDashboard> StartAsync(Replica replica)
    {
        var dashboard = new FleetDashboard(replica);
        await dashboard._app.StartAsync();
        return dashboard;
    }

    /// <summary>Stops the page; once, whoever asks first (the end of the story, or the end of the program).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A host lifetime that leaves the process's signals alone (the default one would swallow Ctrl+C).</summary>
    private sealed class NoSignalHandling : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
