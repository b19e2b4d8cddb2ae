using Fluxgate;
using Fluxgate.Redis;

// A replica with one breaker, "payments" (opens on one failure, waits 10 minutes), joined to the fleet given on the
// command line. It prints "ready", then "state <wire name>" on every transition of its breaker, and obeys stdin:
// "fail" runs a failing call, "state" prints the state, "exit" leaves.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Fluxgate.Redis.Replica <connection string> <application> <replica id>");
    return 2;
}

var breaker = new CircuitBreaker(new CircuitBreakerOptions
{
    Name = "payments",
    Tripper = Tripper.FailureStreak(1),
    Retry = Retry.Cooldown(TimeSpan.FromMinutes(10)),
    Listeners = { new Printer() },
});

await using var fleet = new CircuitBreakerFleet(args[0], new CircuitBreakerFleetOptions
{
    Application = args[1],
    ReplicaId = args[2],
    HeartbeatInterval = TimeSpan.FromMilliseconds(100),
    ReplicaTimeout = TimeSpan.FromSeconds(2),
});
fleet.Join(breaker);
await fleet.StartAsync();
Console.WriteLine("ready");

while (Console.ReadLine() is { } line)
{
    switch (line.Trim())
    {
        case "fail":
            breaker.Execute(() => throw new InvalidOperationException("down"), _ => { });
            Console.WriteLine("failed");
            break;
        case "state":
            Console.WriteLine($"is {breaker.State.ToWireName()}");
            break;
        case "exit":
            return 0;
    }
}

return 0;

internal sealed class Printer : ICircuitBreakerListener
{
    public void OnStateChanged(Signal signal) => Console.WriteLine($"state {signal.NewState.ToWireName()}");
}
