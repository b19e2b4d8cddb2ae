using System.Globalization;
using CsCheck;

namespace Fluxgate.Tests.Support;

/// <summary>
/// Runs a property over a fixed, seeded sequence of generated cases, so every CI run checks the same cases and any
/// failure is reproducible. On a failure, CsCheck replays the failing case from its seed, shrinks it to a minimal one
/// and reports it with a <c>CsCheck_Seed</c> to rerun.
/// </summary>
/// <remarks>
/// <c>FLUXGATE_SEED=&lt;number&gt;</c> checks another fixed sequence. Setting <c>CsCheck_Seed</c>, <c>CsCheck_Iter</c> or
/// <c>CsCheck_Time</c> hands the run to CsCheck's own search instead: replaying a reported seed, or a longer random run.
/// </remarks>
public static class PropertyRun
{
    /// <summary>The sequence checked when FLUXGATE_SEED is not set.</summary>
    public const ulong DefaultSeed = 20261127;

    private static readonly bool CsCheckDriven = new[] { "CsCheck_Seed", "CsCheck_Iter", "CsCheck_Time" }.Any(name => Environment.GetEnvironmentVariable(name) is not null);

    /// <summary>Checks <paramref name="assert"/> on <paramref name="cases"/> cases and returns how many passed.</summary>
    public static long Check<T>(Gen<T> gen, Action<T> assert, long cases, Func<T, string> print, Action<string> log)
    {
        if (CsCheckDriven)
        {
            var checkedCases = 0L;
            gen.Sample(value => { assert(value); Interlocked.Increment(ref checkedCases); }, log, iter: cases, print: print);
            log($"CsCheck checked {checkedCases} cases (CsCheck_* environment variables set).");
            return checkedCases;
        }

        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("FLUXGATE_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var chosen) ? chosen : DefaultSeed;
        log($"Checking {cases} cases from FLUXGATE_SEED={seed}.");
        string? failingSeed = null;
        var passed = 0L;
        // As many threads as there are cores, no more: unbounded, Parallel.For keeps asking the pool for threads while its
        // CPU-bound cases run, and every other test's continuations and socket completions wait behind them (the Redis
        // suite's pool watchdog caught 20 pool threads running the fleet model while a fleet's replies waited 2–10 s).
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0L, cases, options, (i, loop) =>
        {
            var pcg = new PCG((uint)(i & 0x7FFF_FFFF), seed + (ulong)i);
            var caseSeed = pcg.ToString();
            var value = gen.Generate(pcg, null!, out _);
            try
            {
                assert(value);
                Interlocked.Increment(ref passed);
            }
#pragma warning disable CA1031 // Any failure is reported below, shrunk, with its seed.
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref failingSeed, caseSeed, null);
                loop.Stop();
            }
        });

        if (failingSeed is not null)
        {
            log($"A case failed; replaying CsCheck_Seed={failingSeed} and shrinking it.");
            gen.Sample(assert, log, seed: failingSeed, iter: 2_000, threads: 1, print: print);
            throw new InvalidOperationException($"Case CsCheck_Seed={failingSeed} (FLUXGATE_SEED={seed}) failed, but passed when replayed: the property is not deterministic.");
        }

        log($"All {passed} cases passed (FLUXGATE_SEED={seed}).");
        return passed;
    }
}
