using System.Diagnostics.Metrics;
using System.Reflection;

namespace Fluxgate;

/// <summary>The core's <see cref="Meter"/> and the registry of live breakers its state gauge observes.</summary>
/// <remarks>
/// <para>
/// Why the meter is in the core, where Polly puts its own in an extensions package behind an abstract listener:
/// <c>System.Diagnostics.Metrics</c> is part of the runtime, so the core keeps zero package dependencies; per-call
/// counts and durations need the hot path, where an abstraction would cost a virtual call per call; and while nobody
/// listens a call pays a read of <see cref="Instrument.Enabled"/> for each of the two per-call instruments
/// (docs/benchmarks.md has the figures: the closed-state call with and without a listener).
/// </para>
/// <para>
/// The state gauge reports every live breaker, so each breaker registers here when it is created. Registration is
/// striped by thread (one lock and one list per stripe) and each stripe purges dead entries when it has doubled since
/// its last purge: creating many breakers from many threads neither serializes on one lock nor rescans every live
/// breaker again and again (<c>CreationBenchmarks</c>).
/// </para>
/// <para>
/// Both are static on purpose, as the runtime's own meters are: breakers made with <c>new</c> have no owner to register
/// with, an <c>IMeterFactory</c> comes from a container the core cannot require, and the registry holds weak
/// references, so it keeps no breaker alive. The costs: the gauge reports a dropped breaker until the GC collects it
/// (tests assert bounds, never counts of dead breakers), and every listener in the process sees every breaker.
/// docs/architecture.md ("Process-wide state") has the reasons in full and the other static state.
/// </para>
/// </remarks>
internal static class FluxgateMeter
{
    internal static readonly Meter Meter = new(FluxgateMetrics.MeterName, typeof(FluxgateMeter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    internal static readonly Counter<long> Calls = Meter.CreateCounter<long>(FluxgateMetrics.CallsInstrument, "{call}", "Calls through circuit breakers, by outcome.");

    internal static readonly Histogram<double> CallDuration = CreateDurationHistogram();

    internal static readonly Counter<long> Transitions = Meter.CreateCounter<long>(FluxgateMetrics.TransitionsInstrument, "{transition}", "State transitions of circuit breakers.");

    internal static readonly Counter<long> ListenerFailures = Meter.CreateCounter<long>(FluxgateMetrics.ListenerFailuresInstrument, "{failure}", "Listener exceptions and timeouts.");

    internal static readonly Counter<long> ComponentFailures = Meter.CreateCounter<long>(FluxgateMetrics.ComponentFailuresInstrument, "{failure}", "Failures circuit breakers contained other than their listeners': parts that threw, meter listeners that threw, calls reported twice or never.");

    private static readonly Stripe[] s_stripes = CreateStripes();

#pragma warning disable CA1823 // Kept alive by the meter; observed through its callback.
    private static readonly ObservableGauge<int> s_state = Meter.CreateObservableGauge(FluxgateMetrics.StateInstrument, ObserveStates, "{state}", "1 for each breaker's current state, 0 for its other states.");
#pragma warning restore CA1823

    /// <summary>Gets how many breakers the state gauge holds weak references to, dead ones not yet purged included.</summary>
    internal static int RegisteredBreakers => s_stripes.Sum(static stripe => stripe.Count);

    internal static void Register(CircuitBreaker breaker) =>
        s_stripes[Environment.CurrentManagedThreadId & (s_stripes.Length - 1)].Add(breaker);

    private static Stripe[] CreateStripes()
    {
        // A power of two, about twice the processors: threads creating breakers at once rarely share a stripe.
        var count = (int)Math.Min(64, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, Environment.ProcessorCount * 2)));
        var stripes = new Stripe[count];
        for (var i = 0; i < count; i++)
        {
            stripes[i] = new Stripe();
        }

        return stripes;
    }

    private static Histogram<double> CreateDurationHistogram()
    {
#if NET9_0_OR_GREATER
        return Meter.CreateHistogram<double>(
            FluxgateMetrics.CallDurationInstrument,
            "s",
            "Duration of calls through circuit breakers.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
#else
        return Meter.CreateHistogram<double>(FluxgateMetrics.CallDurationInstrument, "s", "Duration of calls through circuit breakers.");
#endif
    }

    private static IEnumerable<Measurement<int>> ObserveStates()
    {
        List<CircuitBreaker> live = [];
        foreach (var stripe in s_stripes)
        {
            stripe.CollectLive(live);
        }

        foreach (var breaker in live)
        {
            var current = breaker.State;
            foreach (var state in CircuitStateExtensions.All)
            {
                yield return new Measurement<int>(
                    state == current ? 1 : 0,
                    new KeyValuePair<string, object?>(FluxgateMetrics.CircuitNameTag, breaker.Name),
                    new KeyValuePair<string, object?>(FluxgateMetrics.StateTag, state.ToWireName()));
            }
        }
    }

    /// <summary>One stripe of the registry: weak references to breakers, purged of dead ones when it has doubled.</summary>
    private sealed class Stripe
    {
        private const int MinimumPurgeSize = 64;

        private readonly List<WeakReference<CircuitBreaker>> _breakers = [];
        private int _purgeAt = MinimumPurgeSize;

        public int Count
        {
            get
            {
                lock (_breakers)
                {
                    return _breakers.Count;
                }
            }
        }

        public void Add(CircuitBreaker breaker)
        {
            var reference = new WeakReference<CircuitBreaker>(breaker);
            lock (_breakers)
            {
                // Short-lived breakers (per tenant, per test) must not pile up; purging at doubling sizes keeps the work
                // per registration constant however many breakers live.
                if (_breakers.Count >= _purgeAt)
                {
                    _breakers.RemoveAll(static r => !r.TryGetTarget(out _));
                    _purgeAt = Math.Max(MinimumPurgeSize, _breakers.Count * 2);
                }

                _breakers.Add(reference);
            }
        }

        public void CollectLive(List<CircuitBreaker> live)
        {
            lock (_breakers)
            {
                _breakers.RemoveAll(r =>
                {
                    if (!r.TryGetTarget(out var breaker))
                    {
                        return true;
                    }

                    live.Add(breaker);
                    return false;
                });
                _purgeAt = Math.Max(MinimumPurgeSize, _breakers.Count * 2);
            }
        }
    }
}
