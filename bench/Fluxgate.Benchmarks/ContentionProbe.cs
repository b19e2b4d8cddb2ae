using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Fluxgate.Benchmarks;

/// <summary>
/// A quick interleaved A/B check of contention, for development: Fluxgate and Polly alternate round by round in one
/// process, so drifting machine noise hits both alike; prints the median time per call per thread.
/// Run: dotnet run -c Release --project bench/Fluxgate.Benchmarks -- --contention-probe
/// </summary>
internal static class ContentionProbe
{
    public static void Run()
    {
        var fluxgate = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5));
        var polly = Setups.Polly(minimumThroughput: int.MaxValue);
        foreach (var threads in new[] { 1, 2, 4, 8 })
        {
            var f = new List<double>();
            var p = new List<double>();
            var ratios = new List<double>();
            for (var round = 0; round < 21; round++)
            {
                // Paired rounds: each ratio compares two runs made back to back, under the same machine noise.
                var fluxgateNs = Measure(threads, () => fluxgate.Execute(static () => Work()));
                var pollyNs = Measure(threads, () => polly.Execute(static () => Work()));
                f.Add(fluxgateNs);
                p.Add(pollyNs);
                ratios.Add(fluxgateNs / pollyNs);
            }

            f.Sort();
            p.Sort();
            ratios.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threads={threads}  fluxgate={f[f.Count / 2],7:0.0} ns  polly={p[p.Count / 2],7:0.0} ns  paired ratio: median {ratios[ratios.Count / 2]:0.00} (quartiles {ratios[ratios.Count / 4]:0.00}–{ratios[3 * ratios.Count / 4]:0.00})"));
        }
    }

    private static double Measure(int threads, Action call)
    {
        const int Calls = 50_000;
        using var start = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < Calls; i++)
            {
                call();
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        start.SignalAndWait();
        var watch = Stopwatch.StartNew();
        workers.ForEach(w => w.Join());
        return watch.Elapsed.TotalNanoseconds / Calls;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Work() => 42;
}
