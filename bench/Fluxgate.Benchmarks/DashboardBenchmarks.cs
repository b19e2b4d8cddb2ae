using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fluxgate.Benchmarks;

/// <summary>
/// A closed-state call of a breaker the dashboard shows, with the dashboard mapped on a loopback Kestrel and 10 streams
/// connected (sampling every 100 ms, the fastest it allows), against the same call with no dashboard. The dashboard adds
/// no work to calls: its sampler reads each breaker's info off the call path. Goal: ≤ 1.05×, 0 B.
/// </summary>
[Config(typeof(BenchConfig))]
public class DashboardBenchmarks
{
    private const int Streams = 10;

    private CircuitBreaker _breaker = null!;
    private WebApplication? _app;
    private HttpClient? _client;
    private readonly List<Task> _readers = [];
    private readonly CancellationTokenSource _stop = new();

    [Params(false, true)]
    public bool Dashboard { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _breaker = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5));
        if (!Dashboard)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);   // a line per request would be most of the work
        builder.Services.AddFluxgateDashboard(o =>
        {
            o.Breakers.Add(_breaker);
            o.SampleInterval = TimeSpan.FromMilliseconds(100);
        });
        _app = builder.Build();
        _app.MapFluxgate();
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
        for (var i = 0; i < Streams; i++)
        {
            var stream = await _client.GetStreamAsync(new Uri("/fluxgate/api/events", UriKind.Relative), _stop.Token);
            _readers.Add(Task.Run(async () =>
            {
                var buffer = new byte[4096];
                while (await stream.ReadAsync(buffer, _stop.Token) > 0)
                {
                }
            }));
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_readers.Select(r => r.ContinueWith(static _ => { }, TaskScheduler.Default)));
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Benchmark]
    public int ClosedCall() => _breaker.Execute(static () => 42);
}
