using Fluxgate.Redis.Transport;
using StackExchange.Redis;

namespace Fluxgate.Redis.Tests.Transport;

/// <summary>What a warning says of a failure: the endpoint and the cause, on one short line, never the client's state dump.</summary>
public sealed class WarningTextTests
{
    [Fact]
    public void Describe_ConnectionFailureWithTheClientsStateDump_KeepsTheCauseAndDropsTheDump()
    {
        // The message StackExchange.Redis gave when Redis died during a SUBSCRIBE (seen in a CI run of the warning test).
        // The constructors without CommandFlags are the ones both client versions (2.x on net8.0, 3.x on net10.0) have.
#pragma warning disable CS0618
        var inner = new RedisConnectionException(
            ConnectionFailureType.SocketClosed,
            "SocketClosed (ReadEndOfStream, last-recv: 0) on 127.0.0.1:42923/Subscription, Idle/MarkProcessed, last: SUBSCRIBE, origin: ReadFromPipe, outstanding: 0, last-read: 0s ago, last-write: 0s ago, keep-alive: 60s, state: ConnectedEstablished, mgr: 9 of 10 available, in: 0, in-pipe: 0, out-pipe: 0, last-heartbeat: 0s ago, last-mbeat: 0s ago, global: 0s ago, v: 2.8.0.27420");
        var failure = new RedisConnectionException(ConnectionFailureType.UnableToResolvePhysicalConnection, "No connection is active/available to service this operation", inner);
#pragma warning restore CS0618

        var text = RedisFleetTransport.Describe(failure, "127.0.0.1:42923");

        Assert.Equal("127.0.0.1:42923: UnableToResolvePhysicalConnection (SocketClosed (ReadEndOfStream, last-recv: 0) on 127.0.0.1:42923/Subscription, Idle/MarkProcessed)", text);
    }
}
