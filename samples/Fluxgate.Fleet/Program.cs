using Fluxgate;
using Fluxgate.Fleet;
using Fluxgate.Redis;

// Three replicas of a checkout service call a payment service through one breaker each, joined to a fleet on a
// redis-server this sample starts for itself. Two incidents and an operator's intervention, in about 25 seconds.
// With --dashboard, web-1's operator dashboard is served on a loopback port, and the story waits for the page.
using var redis = await LocalRedis.StartAsync();
if (redis is null)
{
    Console.Error.WriteLine("This sample needs redis-server, which is not installed.");
    Console.Error.WriteLine("  Debian/Ubuntu: sudo apt-get install -y redis-server     macOS: brew install redis");
    Console.Error.WriteLine("It starts its own server on a free loopback port; nothing else is needed.");
    return 2;
}

var clock = TimeProvider.System;
var origin = clock.GetTimestamp();
var service = new PaymentService();
Console.WriteLine($"Fluxgate fleet sample: redis-server on 127.0.0.1:{redis.Port} (data in {redis.Directory}, removed at exit), application 'checkout'");
Console.WriteLine("  breaker 'payments' on every replica: opens at 50% failures over at least 20 calls, probes after 2 s");
Console.WriteLine("  fleet: heartbeat 100 ms, quorum = at least 2 replicas and half of the live ones");

Replica[] replicas =
[
    await Replica.StartAsync("web-1", 100, redis.ConnectionString, service, clock, origin),
    await Replica.StartAsync("web-2", 50, redis.ConnectionString, service, clock, origin),
    await Replica.StartAsync("web-3", 10, redis.ConnectionString, service, clock, origin),
];
await using var ops = new CircuitBreakerFleet(redis.ConnectionString, new CircuitBreakerFleetOptions { Application = "checkout", ReplicaId = "ops-console" });
await ops.StartAsync();
Console.WriteLine($"  replicas: {string.Join(", ", replicas.Select(r => $"{r.Name} ({r.CallsPerSecond} calls/s)"))}");

// --dashboard: the page of web-1, whose breaker's card shows every replica as a mark. Enter (or the end of the input)
// also starts the story, and at its end stops the sample.
await using var dashboard = args.Contains("--dashboard") ? await FleetDashboard.StartAsync(replicas[0]) : null;
var enter = Task.CompletedTask;
if (dashboard is not null)
{
    Console.WriteLine($"  dashboard of web-1: {dashboard.Url}");
    Console.WriteLine("  open it: the story starts when the page connects (or press Enter)");
    enter = Task.Run(Console.ReadLine);
    await Task.WhenAny(dashboard.PageConnected, enter);
}

await Pause(2);

// Incident 1: the payment service is down for everyone.
Console.WriteLine();
Console.WriteLine($"{replicas[0].Now()}  Incident 1: the payment service goes down for every replica");
foreach (var replica in replicas)
{
    replica.ResetCounts();
}

service.Down = "*";
await Pause(6);
service.Down = "";
var (fleet, alone) = (replicas.Sum(r => r.Failures.Fleet), replicas.Sum(r => r.Failures.Alone));
Console.WriteLine($"{replicas[0].Now()}  ... and comes back. Failed calls that reached it during the outage:");
foreach (var replica in replicas)
{
    Console.WriteLine($"           {replica.Name}: {replica.Failures.Fleet,3} with the fleet, {replica.Failures.Alone,3} with an independent breaker");
}

Console.WriteLine($"           the fleet saved {alone - fleet} failed calls of {alone}: web-3, the quietest replica, opened on the others' quorum instead of waiting for 20 failures of its own");
await Pause(4);
Print("after incident 1", replicas);

// Incident 2: only web-3 cannot reach the payment service (its own network path).
Console.WriteLine();
Console.WriteLine($"{replicas[0].Now()}  Incident 2: web-3 alone cannot reach the payment service");
service.Down = "web-3";
await Pause(2);
await Until(() => replicas[2].Breaker.State == CircuitState.Open && replicas[..2].All(r => r.Breaker.State == CircuitState.Closed));
Console.WriteLine($"{replicas[0].Now()}  states: {States(replicas)} (one replica of three is no quorum: the others keep calling)");
service.Down = "";
await Pause(3);

// An operator steers the fleet as one: force open everywhere, then reset everywhere.
Console.WriteLine();
Console.WriteLine($"{replicas[0].Now()}  An operator forces 'payments' open on the whole fleet");
await ops.ForceOpenAsync("payments");
await Pause(1);
await Until(() => replicas.All(r => r.Breaker.State == CircuitState.ForcedOpen));
Console.WriteLine($"{replicas[0].Now()}  states: {States(replicas)}");
var view = await ops.GetViewAsync("payments");
Console.WriteLine($"           fleet view: {string.Join(", ", view.Replicas.Select(r => $"{r.ReplicaId} {r.State.ToWireName()} ({r.Cause.ToWireName()}){(r.IsLive ? "" : ", not live")}"))}; last command {view.LastCommand?.Command.ToWireName()} by {view.LastCommand?.IssuedBy}");
Console.WriteLine($"{replicas[0].Now()}  The operator resets it");
await ops.ResetAsync("payments");
await Pause(1);
await Until(() => replicas.All(r => r.Breaker.State == CircuitState.Closed));
Console.WriteLine($"{replicas[0].Now()}  states: {States(replicas)}");

Console.WriteLine();
Console.WriteLine("Timeline of each replica's breaker:");
foreach (var replica in replicas)
{
    Console.WriteLine($"  {replica.Name}");
    foreach (var line in replica.Timeline)
    {
        Console.WriteLine($"    {line}");
    }
}

if (dashboard is not null)
{
    Console.WriteLine();
    Console.WriteLine($"The replicas keep running, and the dashboard at {dashboard.Url}: press Enter to stop.");
    await (enter.IsCompleted ? Task.Run(Console.ReadLine) : enter);
    await dashboard.DisposeAsync();
}

foreach (var replica in replicas)
{
    await replica.DisposeAsync();
}

var ok = fleet < alone && replicas.All(r => r.Breaker.State == CircuitState.Closed);
Console.WriteLine();
Console.WriteLine(ok ? "Done." : "Unexpected: see the timeline above.");
return ok ? 0 : 1;

Task Pause(double seconds) => Task.Delay(TimeSpan.FromSeconds(seconds), clock);

// What the story narrates next is waited for after the pause, at most 5 s more: on a busy machine a command or a heartbeat may take longer
// than a fixed pause, and the story would tell what has not happened yet (the timeline shows when it did).
async Task Until(Func<bool> condition)
{
    var since = clock.GetTimestamp();
    while (!condition() && clock.GetElapsedTime(since) < TimeSpan.FromSeconds(5))
    {
        await Task.Delay(TimeSpan.FromMilliseconds(20), clock);
    }
}

static string States(Replica[] replicas) => string.Join(", ", replicas.Select(r => $"{r.Name} {r.Breaker.State.ToWireName()}"));

static void Print(string when, Replica[] replicas) => Console.WriteLine($"{replicas[0].Now()}  states {when}: {States(replicas)}");
