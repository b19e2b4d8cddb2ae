namespace Fluxgate.Redis.Tests;

/// <summary>
/// Tests whose fleets run on the real clock through a Redis outage run alone in their process, after the others: their
/// 200 ms heartbeats and the echoes that prove the channel works must not wait behind the rest of the suite (dozens of
/// fleets, redis-servers starting and stopping, replica processes), which on a 2-core machine delayed echoes past the
/// replica timeout and kept replicas from coordinating again within the test's bound.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealClockSerial
{
    public const string Name = "Real-clock outages";
}
