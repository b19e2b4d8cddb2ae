using System.Diagnostics;
using System.Globalization;
using Fluxgate.Redis;

namespace Fluxgate.Benchmarks;

/// <summary>
/// How long a fleet takes to open everywhere: five replicas (connections of their own) on a loopback redis-server with a
/// 100 ms heartbeat (quorum: 3 of 5); in each round three replicas open on their own evidence, at random moments of the
/// heartbeat, and the time is measured from the third one's open (the one that makes the quorum) to the last of the
/// other two opening. Then an operator's reset closes
/// them all, and the next round waits for the episode to end. Prints the percentiles.
/// Run: dotnet run -c Release --project bench/Fluxgate.Benchmarks -- --fleet-propagation [rounds]
/// </summary>
internal static class FleetPropagationProbe
{
    public static async Task RunAsync(int rounds)
    {
        using var redis = new BenchRedis();
        var heartbeat = TimeSpan.FromMilliseconds(100);
        var opened = new long[5];
        var fleets = new List<CircuitBreakerFleet>();
        var breakers = new List<CircuitBreaker>();
        for (var i = 0; i < 5; i++)
        {
            var index = i;
            var breaker = new CircuitBreaker(new CircuitBreakerOptions
            {
                Name = "payments",
                Tripper = Tripper.FailureStreak(1),
                Retry = Retry.Cooldown(TimeSpan.FromMinutes(10)),
                Listeners = { new OpenedAt(t => Volatile.Write(ref opened[index], t)) },
            });
            var fleet = new CircuitBreakerFleet(redis.ConnectionString, new CircuitBreakerFleetOptions
            {
                Application = "propagation",
                ReplicaId = $"r{i}",
                HeartbeatInterval = heartbeat,
            });
            fleet.Join(breaker);
            await fleet.StartAsync();
            fleets.Add(fleet);
            breakers.Add(breaker);
        }

        while (!fleets.All(f => f.IsCoordinating))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System); // connected in the background
        }

        await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System); // every replica has heard the others
        var samples = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            Array.Clear(opened);
            for (var i = 0; i < 3; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100)), TimeProvider.System); // any phase of the heartbeat
                breakers[i].Execute(() => throw new InvalidOperationException(), _ => { });
            }

            var quorumMade = Volatile.Read(ref opened[2]);
            var waited = Stopwatch.StartNew();
            while (breakers.Skip(3).Any(b => b.State != CircuitState.Open) && waited.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System);
            }

            var last = opened.Skip(3).Max();
            samples.Add(Stopwatch.GetElapsedTime(quorumMade, last).TotalMilliseconds);

            await fleets[0].ResetAsync("payments");
            await Task.Delay(heartbeat * 5, TimeProvider.System); // the episode ends everywhere before the next round
        }

        foreach (var fleet in fleets)
        {
            await fleet.DisposeAsync();
        }

        samples.Sort();
        double Percentile(double p) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(p * samples.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fleet propagation over {rounds} rounds (5 replicas, quorum 3, heartbeat {heartbeat.TotalMilliseconds} ms): p50 {Percentile(0.5):0.0} ms, p90 {Percentile(0.9):0.0} ms, p99 {Percentile(0.99):0.0} ms, max {samples[^1]:0.0} ms"));
    }

    private sealed class OpenedAt(Action<long> record) : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal)
        {
            if (signal.NewState == CircuitState.Open)
            {
                record(Stopwatch.GetTimestamp());
            }
        }
    }
}
