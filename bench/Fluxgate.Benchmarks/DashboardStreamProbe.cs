using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fluxgate.Benchmarks;

/// <summary>
/// The stream's server cost: <c>breakers</c> breakers (a tenth of them changing state every second, all of them taking
/// calls), the dashboard sampling every second, and <c>clients</c> streams reading; prints the server process's CPU and
/// memory over a minute, against the same process with no client (the sampler stops when nobody watches).
/// Run: dotnet run -c Release --project bench/Fluxgate.Benchmarks -- --dashboard-stream 1000 50
/// </summary>
internal static class DashboardStreamProbe
{
    public static async Task RunAsync(int breakers, int clients)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);   // a line per request would be most of the work
        var all = Enumerable.Range(0, breakers).Select(i => new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = string.Create(CultureInfo.InvariantCulture, $"service-{i:D4}"),
            Tripper = Tripper.FailureStreak(1),
            Retry = Retry.Cooldown(TimeSpan.FromSeconds(1)),
        })).ToList();
        builder.Services.AddFluxgateDashboard(o =>
        {
            o.MaxStreams = Math.Max(clients, 1);
            foreach (var breaker in all)
            {
                o.Breakers.Add(breaker);
            }
        });
        await using var app = builder.Build();
        app.MapFluxgate();
        await app.StartAsync();

        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            // Calls on every breaker, and a tenth of them failing (opening) each second: transitions and metrics to stream.
            var round = 0;
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < all.Count; i++)
                {
                    var fail = i % 10 == round % 10;
                    all[i].TryExecute(() => fail ? throw new InvalidOperationException() : 1, out _);
                }

                round++;
                await Task.Delay(100);
            }
        });

        var idle = await MeasureAsync("no client", TimeSpan.FromSeconds(20), () => 0);

        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = Timeout.InfiniteTimeSpan };
        long received = 0;
        var readers = new List<Task>();
        for (var c = 0; c < clients; c++)
        {
            var stream = await http.GetStreamAsync(new Uri("/fluxgate/api/events", UriKind.Relative), stop.Token);
            readers.Add(Task.Run(async () =>
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await stream.ReadAsync(buffer, stop.Token)) > 0)
                {
                    Interlocked.Add(ref received, read);
                }
            }));
        }

        var watching = await MeasureAsync($"{clients} clients", TimeSpan.FromSeconds(60), () => Interlocked.Read(ref received));
        await stop.CancelAsync();
        await Task.WhenAll(readers.Append(traffic).Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default)));
        await app.StopAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dashboard stream, {breakers} breakers: {clients} clients cost {watching.Cpu - idle.Cpu:0.0}% of one core over the traffic alone ({idle.Cpu:0.0}% → {watching.Cpu:0.0}%), working set {idle.WorkingSetMb:0} → {watching.WorkingSetMb:0} MB, managed heap {idle.HeapMb:0} → {watching.HeapMb:0} MB, {watching.BytesPerSecond / 1024:0} KB/s streamed in all"));
    }

    private static async Task<(double Cpu, double WorkingSetMb, double HeapMb, double BytesPerSecond)> MeasureAsync(string what, TimeSpan span, Func<long> bytes)
    {
        await Task.Delay(TimeSpan.FromSeconds(5));                  // settle: JIT, first snapshots
        using var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var bytes0 = bytes();
        var watch = Stopwatch.StartNew();
        await Task.Delay(span);
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds / watch.Elapsed.TotalMilliseconds * 100;
        var rate = (bytes() - bytes0) / watch.Elapsed.TotalSeconds;
        var result = (cpu, process.WorkingSet64 / 1048576.0, GC.GetTotalMemory(forceFullCollection: false) / 1048576.0, rate);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what}: {cpu:0.0}% of one core, working set {result.Item2:0} MB, heap {result.Item3:0} MB, {rate / 1024:0} KB/s"));
        return result;
    }
}
