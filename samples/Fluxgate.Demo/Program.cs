using Fluxgate;
using Fluxgate.Demo;
using static Fluxgate.Tripper;

// A breaker in front of a payment API that goes down for 90 s and comes back. Time is virtual:
// five minutes of traffic (20 calls per second) run in well under a second, deterministically.
var clock = new VirtualClock(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
var api = new PaymentApi(clock);
var report = new Report(clock);

var breaker = new CircuitBreaker(new CircuitBreakerOptions
{
    Name = "payment_api",
    Window = new CountWindow(size: 100),
    Tracker = Tracker.TypeOf<HttpRequestException>(),
    // Closed: open at 50% failures over at least 20 calls.
    // Half-open, gently: reopen only when 20% of at least 10 probes failed; after a success, keep probing
    // until 60 probes have run (the tripper stays true), then close if under 20% failed.
    Tripper = (Closed() & MinRequests(20) & FailureRate(0.5))
            | (HalfOpened() & ((MinRequests(10) & FailureRate(0.2)) | (~MinRequests(60) & ~FailureStreak(1)))),
    Retry = Retry.Backoff(initial: TimeSpan.FromSeconds(10), multiplier: 2.0, maxDuration: TimeSpan.FromSeconds(40)),
    Permit = Permit.RampUp(initial: 0.1, final: 1.0, duration: TimeSpan.FromSeconds(30), random: new Random(7)),
    TimeProvider = clock,
    Listeners = { report },
});
report.Attach(breaker);

Console.WriteLine("Fluxgate demo: a circuit breaker in front of a payment API");
Console.WriteLine($"  breaker:    {breaker.Name}, CountWindow(100)");
Console.WriteLine("              tripper (Closed() & MinRequests(20) & FailureRate(0.5))");
Console.WriteLine("                    | (HalfOpened() & ((MinRequests(10) & FailureRate(0.2)) | (~MinRequests(60) & ~FailureStreak(1))))");
Console.WriteLine("              Backoff(10 s, ×2, max 40 s), RampUp(10% → 100% over 30 s)");
Console.WriteLine($"  dependency: healthy until {PaymentApi.OutageStart.TotalSeconds:0} s, down until {PaymentApi.OutageEnd.TotalSeconds:0} s, then healthy;");
Console.WriteLine("              healthy, it answers in 20 ms and fails 2% of calls; down, every call fails after 200 ms");
Console.WriteLine("  traffic:    20 calls per second for 5 minutes of virtual time");

var tick = TimeSpan.FromMilliseconds(50);
var end = TimeSpan.FromMinutes(5);
while (clock.Elapsed < end)
{
    var started = clock.Elapsed;
    var phase = api.Phase(started);
    var periodsBefore = report.Periods;
    var outcome = CallOutcome.Succeeded;
    try
    {
        // The non-throwing form: a rejection costs no exception.
        if (!breaker.TryExecute(() => api.Charge(100m), out _))
        {
            outcome = CallOutcome.Rejected;
        }
    }
    catch (HttpRequestException)
    {
        outcome = CallOutcome.Failed;
    }

    report.Count(phase, outcome, periodsBefore);
    var spent = clock.Elapsed - started;
    if (spent < tick)
    {
        clock.Advance(tick - spent);
    }
}

report.Print();
return 0;
