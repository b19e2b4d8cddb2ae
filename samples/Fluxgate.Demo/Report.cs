using System.Globalization;

namespace Fluxgate.Demo;

internal enum CallOutcome
{
    Succeeded,
    Failed,
    Rejected,
}

/// <summary>Collects what happened: a sync listener for the transitions, counters for the calls; prints it all at the end, when each period's figures are known.</summary>
internal sealed class Report(VirtualClock clock) : ICircuitBreakerListener
{
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(2);

    private readonly List<Period> _periods = [new(CircuitState.Closed, TimeSpan.Zero)];
    private readonly Dictionary<string, Counts> _phases = new() { ["healthy"] = new(), ["outage"] = new(), ["recovered"] = new() };
    private readonly SortedDictionary<TimeSpan, Counts> _ramp = [];
    private CircuitBreaker? _breaker;
    private TimeSpan? _lastHalfOpen;

    public void Attach(CircuitBreaker breaker) => _breaker = breaker;

    public void OnStateChanged(Signal signal)
    {
        var at = clock.Elapsed;
        _periods.Add(new Period(signal.NewState, at));
        if (signal.NewState == CircuitState.HalfOpen)
        {
            _lastHalfOpen = at;
            _ramp.Clear();
        }
    }

    public int Periods => _periods.Count;

    /// <summary>Counts a call in the period that admitted it: the one current when it started, or the half-open period its own admission opened.</summary>
    public void Count(string phase, CallOutcome outcome, int periodsBefore)
    {
        var admittedIn = _periods.Count > periodsBefore && _periods[periodsBefore].State == CircuitState.HalfOpen && _periods[periodsBefore - 1].State == CircuitState.Open
            ? periodsBefore
            : periodsBefore - 1;
        var period = _periods[admittedIn];
        _phases[phase].Add(outcome);
        period.Counts.Add(outcome);
        if (period.State == CircuitState.HalfOpen && _lastHalfOpen is { } since)
        {
            var slice = TimeSpan.FromTicks((clock.Elapsed - since).Ticks / Slice.Ticks * Slice.Ticks);
            if (!_ramp.TryGetValue(slice, out var counts))
            {
                _ramp[slice] = counts = new Counts();
            }

            counts.Add(outcome);
        }
    }

    public void Print()
    {
        // Each transition is explained with the figures of the period it ended, counted call by call.
        Console.WriteLine();
        Console.WriteLine("Transitions, as the listener saw them, with the figures of the period each one ended:");
        for (var i = 1; i < _periods.Count; i++)
        {
            var (ended, started) = (_periods[i - 1], _periods[i]);
            var c = ended.Counts;
            var why = (ended.State, started.State) switch
            {
                (CircuitState.Closed, CircuitState.Open) => "the window's failure rate reached 50% (of at least 20 calls): calls are rejected at once",
                (CircuitState.Open, CircuitState.HalfOpen) => "the wait is over: probes go through, ramping up",
                (CircuitState.HalfOpen, CircuitState.Open) => Invariant($"{c.Failed} of {c.Admitted} probes failed ({Percent(c.Failed, c.Admitted)}, at least 20% of at least 10): wait longer (backoff)"),
                (CircuitState.HalfOpen, CircuitState.Closed) => Invariant($"{c.Admitted} probes ran and {c.Failed} failed ({Percent(c.Failed, c.Admitted)}, under 20%): closed"),
                _ => string.Empty,
            };
            Console.WriteLine(Invariant($"  {Clock(started.Since)}  {ended.State.ToWireName(),-9} → {started.State.ToWireName(),-9}  {why}"));
        }

        Console.WriteLine();
        Console.WriteLine("Calls per state period:");
        Console.WriteLine("  from      to        state       admitted  rejected  failed");
        for (var i = 0; i < _periods.Count; i++)
        {
            var period = _periods[i];
            var until = i + 1 < _periods.Count ? _periods[i + 1].Since : clock.Elapsed;
            var c = period.Counts;
            Console.WriteLine(Invariant($"  {Clock(period.Since)}  {Clock(until)}  {period.State.ToWireName(),-10}  {c.Admitted,8}  {c.Rejected,8}  {c.Failed,6}"));
        }

        Console.WriteLine();
        Console.WriteLine("Calls per phase of the dependency (healthy phases fail 2% of calls on their own):");
        Console.WriteLine("  phase       attempted  admitted  rejected  failed  of admitted");
        foreach (var (phase, c) in _phases)
        {
            Console.WriteLine(Invariant($"  {phase,-10}  {c.Attempted,9}  {c.Admitted,8}  {c.Rejected,8}  {c.Failed,6}  {Percent(c.Failed, c.Admitted),11}"));
        }

        Console.WriteLine();
        Console.WriteLine("How the last half-open ramp let traffic back in (RampUp 10% → 100% over 30 s):");
        foreach (var (slice, c) in _ramp)
        {
            var share = c.Attempted == 0 ? 0 : (double)c.Admitted / c.Attempted;
            Console.WriteLine(Invariant($"  +{slice.TotalSeconds,3:0}–{(slice + Slice).TotalSeconds,3:0} s  {c.Admitted,3} of {c.Attempted,3} admitted ({share,4:P0})  {new string('#', (int)Math.Round(share * 40))}"));
        }

        var info = _breaker!.GetInfo();
        Console.WriteLine();
        Console.WriteLine(Invariant($"Final state: {info.State.ToWireName()}; window: {info.Metrics}"));
        var outage = _phases["outage"];
        Console.WriteLine(Invariant($"During the outage the breaker rejected {outage.Rejected} of {outage.Attempted} calls ({(double)outage.Rejected / outage.Attempted:P0}) without touching the dependency."));
    }

    private static string Percent(int part, int whole) => whole == 0 ? "-" : Invariant($"{(double)part / whole:P0}").Replace(" ", string.Empty, StringComparison.Ordinal);

    private static string Clock(TimeSpan at) => at.ToString(@"mm\:ss\.f", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed class Counts
    {
        public int Attempted { get; private set; }

        public int Admitted => Attempted - Rejected;

        public int Rejected { get; private set; }

        public int Failed { get; private set; }

        public void Add(CallOutcome outcome)
        {
            Attempted++;
            Rejected += outcome == CallOutcome.Rejected ? 1 : 0;
            Failed += outcome == CallOutcome.Failed ? 1 : 0;
        }
    }

    private sealed record Period(CircuitState State, TimeSpan Since)
    {
        public Counts Counts { get; } = new();
    }
}
