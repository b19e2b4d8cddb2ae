using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Fluxgate.Benchmarks;

/// <summary>
/// An interleaved A/B check of contention: Fluxgate and Polly alternate round by round in one process, so drifting
/// machine noise hits both alike. Per thread count: 5 warm-up rounds (not counted, so that both run optimized code),
/// then 31 paired rounds of 50,000 calls per thread; prints the median time per call per thread and the median and
/// quartiles of the paired ratios.
/// Two floors run in the same rounds, so the figures say how far Fluxgate is from what exact evaluation can cost at all:
/// <see cref="OneLineFloor"/> records under a lock whose word shares one cache line with the counters it guards (the
/// least any exact breaker can move per outcome), <see cref="TwoLineFloor"/> with the lock and the counters in objects of
/// their own (what Fluxgate's layout is, without the window's slot and the tripper's work). Fluxgate also runs with
/// <see cref="CircuitBreakerOptions.MeasureDurations"/> off ("untimed"), which shows the share of its two clock reads per call.
/// Run: dotnet run -c Release --project bench/Fluxgate.Benchmarks -- --contention-probe
/// </summary>
internal static class ContentionProbe
{
    private const int WarmupRounds = 5;
    private const int Rounds = 31;

    public static void Run()
    {
        var fluxgate = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5));
        var untimed = Setups.Fluxgate(tripper: Tripper.MinRequests(int.MaxValue) & Tripper.FailureRate(0.5), measureDurations: false);
        var polly = Setups.Polly(minimumThroughput: int.MaxValue);
        var oneLine = new OneLineFloor();
        var twoLines = new TwoLineFloor();
        (string Name, Action Call)[] contenders =
        [
            ("fluxgate", () => fluxgate.Execute(static () => Work())),
            ("untimed", () => untimed.Execute(static () => Work())),
            ("1-line floor", () => oneLine.Execute(static () => Work())),
            ("2-line floor", () => twoLines.Execute(static () => Work())),
        ];
        Action pollyCall = () => polly.Execute(static () => Work());
        foreach (var threads in new[] { 1, 2, 4, 8 })
        {
            var p = new List<double>();
            var times = contenders.Select(_ => new List<double>()).ToArray();
            var ratios = contenders.Select(_ => new List<double>()).ToArray();
            for (var round = -WarmupRounds; round < Rounds; round++)
            {
                // Paired rounds: each ratio compares runs made back to back, under the same machine noise.
                var pollyNs = Measure(threads, pollyCall);
                var ns = contenders.Select(c => Measure(threads, c.Call)).ToArray();
                if (round < 0)
                {
                    continue;
                }

                p.Add(pollyNs);
                for (var c = 0; c < contenders.Length; c++)
                {
                    times[c].Add(ns[c]);
                    ratios[c].Add(ns[c] / pollyNs);
                }
            }

            p.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threads={threads}  polly={p[p.Count / 2],7:0.0} ns"));
            for (var c = 0; c < contenders.Length; c++)
            {
                times[c].Sort();
                ratios[c].Sort();
                var r = ratios[c];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {contenders[c].Name,-13}{times[c][times[c].Count / 2],7:0.0} ns  paired ratio: median {r[r.Count / 2]:0.00} (quartiles {r[r.Count / 4]:0.00}–{r[3 * r.Count / 4]:0.00})"));
            }
        }
    }

    /// <summary>
    /// The least an exact breaker can do: admission reads the state and takes no lock; every outcome is counted and the
    /// trip rule evaluated under a lock. Here the lock is the counters' object's own header word (<see cref="Monitor"/>), on
    /// the same line as the counters, so a contended record moves one cache line. No clock, no window slot, no tripper tree.
    /// </summary>
    private sealed class OneLineFloor
    {
        private readonly Guarded _guarded = new();

        // Read by every admission, so not on the line the records write.
        private volatile int _open;

        public int Execute(Func<int> action)
        {
            if (_open != 0)
            {
                throw new InvalidOperationException("open");
            }

            int result;
            try
            {
                result = action();
            }
            catch
            {
                Record(failure: true);
                throw;
            }

            Record(failure: false);
            return result;
        }

        private void Record(bool failure)
        {
            lock (_guarded)
            {
                _guarded.Calls++;
                _guarded.Failures += failure ? 1 : 0;
                if (_guarded.Calls == int.MaxValue && 2L * _guarded.Failures >= _guarded.Calls)
                {
                    _open = 1;
                }
            }
        }

        private sealed class Guarded
        {
            public int Calls;
            public int Failures;
        }
    }

    /// <summary>As <see cref="OneLineFloor"/>, with the lock and the counters in objects of their own: two lines per record.</summary>
    /// <remarks>Its call path repeats <see cref="OneLineFloor"/>'s on purpose: a shared base would put a virtual call in a floor.</remarks>
    private sealed class TwoLineFloor
    {
#if NET9_0_OR_GREATER
        private readonly Lock _lock = new();
#else
        private readonly object _lock = new();
#endif
        private readonly Counters _counters = new();

        // Read by every admission, so not on the line the records write.
        private volatile int _open;

        public int Execute(Func<int> action)
        {
            if (_open != 0)
            {
                throw new InvalidOperationException("open");
            }

            int result;
            try
            {
                result = action();
            }
            catch
            {
                Record(failure: true);
                throw;
            }

            Record(failure: false);
            return result;
        }

        private void Record(bool failure)
        {
            lock (_lock)
            {
                _counters.Calls++;
                _counters.Failures += failure ? 1 : 0;
                if (_counters.Calls == int.MaxValue && 2L * _counters.Failures >= _counters.Calls)
                {
                    _open = 1;
                }
            }
        }

        // Allocated right after the lock: 64 bytes of padding before the counters keep them off the lock's line.
        private sealed class Counters
        {
#pragma warning disable CS0169, IDE0051 // padding, never read
            private readonly long _p0, _p1, _p2, _p3, _p4, _p5, _p6, _p7;
#pragma warning restore CS0169, IDE0051
            public int Calls;
            public int Failures;
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
