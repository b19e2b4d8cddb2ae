using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Fluxgate.Benchmarks;

/// <summary>
/// An interleaved A/B check of contention: Fluxgate and Polly alternate round by round in one process, so drifting
/// machine noise hits both alike. Per thread count: 5 warm-up rounds (not counted, so that both run optimized code),
/// then 31 paired rounds of 50,000 calls per thread; prints the median time per call per thread and the median and
/// quartiles of the paired ratios.
/// Run: dotnet run -c Release --project bench/Fluxgate.Benchmarks -- --contention-probe
/// </summary>
internal static class ContentionProbe
{
    private const int WarmupRounds = 5;
    private const int Rounds = 31;

    public static void Run()
    {
        var fluxgate = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5));
        var polly = Setups.Polly(minimumThroughput: int.MaxValue);
        Action fluxgateCall = () => fluxgate.Execute(static () => Work());
        Action pollyCall = () => polly.Execute(static () => Work());
        foreach (var threads in new[] { 1, 2, 4, 8 })
        {
            var f = new List<double>();
            var p = new List<double>();
            var ratios = new List<double>();
            for (var round = -WarmupRounds; round < Rounds; round++)
            {
                // Paired rounds: each ratio compares two runs made back to back, under the same machine noise.
                var fluxgateNs = Measure(threads, fluxgateCall);
                var pollyNs = Measure(threads, pollyCall);
                if (round < 0)
                {
                    continue;
                }

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
