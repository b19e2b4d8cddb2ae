namespace Fluxgate.Redis.Tests;

/// <summary>One redis-server for a test class; each test uses an application (key prefix) of its own.</summary>
public sealed class RedisFixture : IDisposable
{
    public RedisServer Server { get; } = RedisServer.Start();

    public void Dispose() => Server.Dispose();
}
