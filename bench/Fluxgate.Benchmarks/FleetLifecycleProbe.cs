using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fluxgate.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fluxgate.Benchmarks;

/// <summary>
/// Times what a service meets at start, stop and through an outage (the client's default timeouts, a redis-server of the
/// probe's own): the host's start with Redis hung (accepting, never answering) or refusing, disposing and stopping with
/// Redis frozen (SIGSTOP), and how long after a 12-second outage three replicas coordinate again.
/// <c>dotnet run -c Release --project bench/Fluxgate.Benchmarks -- --fleet-lifecycle</c>
/// </summary>
internal static class FleetLifecycleProbe
{
    public static async Task RunAsync()
    {
        using (var hung = new TcpListener(IPAddress.Loopback, 0))
        {
            hung.Start();
            var port = ((IPEndPoint)hung.LocalEndpoint).Port;
            Report("host start, Redis hung", await HostStartAsync($"127.0.0.1:{port}"));
        }

        Report("host start, port refused", await HostStartAsync($"127.0.0.1:{FreePort()}"));

        using var redis = new BenchRedis();
        foreach (var (name, stop) in new (string, Func<CircuitBreakerFleet, Task>)[] { ("dispose, Redis frozen", f => f.DisposeAsync().AsTask()), ("stop, Redis frozen", f => f.StopAsync()) })
        {
            var fleet = await StartedAsync(redis.ConnectionString, "frozen");
            Signal(redis, "STOP");
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300), TimeProvider.System); // heartbeats on their way
                var started = Stopwatch.GetTimestamp();
                await stop(fleet);
                Report(name, Stopwatch.GetElapsedTime(started));
            }
            finally
            {
                Signal(redis, "CONT");
                await fleet.DisposeAsync();
            }
        }

        var fleets = new List<CircuitBreakerFleet>();
        for (var i = 0; i < 3; i++)
        {
            fleets.Add(await StartedAsync(redis.ConnectionString, "outage"));
        }

        redis.Kill();
        await Task.Delay(TimeSpan.FromSeconds(12), TimeProvider.System);
        redis.Restart();
        var back = Stopwatch.GetTimestamp();
        while (!fleets.All(f => f.IsCoordinating))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System);
        }

        Report("coordinating again after a 12 s outage (from the restart)", Stopwatch.GetElapsedTime(back));
        foreach (var fleet in fleets)
        {
            await fleet.DisposeAsync();
        }
    }

    private static async Task<TimeSpan> HostStartAsync(string connection)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddCircuitBreaker("payments", _ => { });
        builder.Services.AddCircuitBreakerFleet(connection, o => o.Application = "probe");
        using var host = builder.Build();
        var started = Stopwatch.GetTimestamp();
        await host.StartAsync();
        var took = Stopwatch.GetElapsedTime(started);
        await host.StopAsync();
        return took;
    }

    private static async Task<CircuitBreakerFleet> StartedAsync(string connection, string application)
    {
        var fleet = new CircuitBreakerFleet(connection, new CircuitBreakerFleetOptions { Application = application, HeartbeatInterval = TimeSpan.FromMilliseconds(200) });
        fleet.Join(new CircuitBreaker(new CircuitBreakerOptions { Name = "payments" }));
        await fleet.StartAsync();
        while (!fleet.IsCoordinating)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System);
        }

        return fleet;
    }

    private static void Signal(BenchRedis redis, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, redis.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static void Report(string what, TimeSpan took) => Console.WriteLine($"{what,-60} {took.TotalMilliseconds,8:0} ms");
}
