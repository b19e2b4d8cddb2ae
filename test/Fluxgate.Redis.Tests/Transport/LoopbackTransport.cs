using Fluxgate.Redis.Internal;
using Fluxgate.Redis.Transport;

namespace Fluxgate.Redis.Tests.Transport;

/// <summary>A channel in memory: what is published comes back at once, unless the test makes it deaf or failing.</summary>
internal sealed class LoopbackTransport : IFleetTransport
{
    private IFleetTransportSink? _sink;
    private int _stored;

    public bool Deaf { get; set; }

    public bool RenewalHelps { get; set; } = true;

    public bool PublishFails { get; set; }

    public bool SubscribeFails { get; set; }

    public int Published { get; private set; }

    /// <summary>Runs on the publishing thread as a heartbeat is published, before it is taken: a test may hold that thread there.</summary>
    public Action? OnPublish { get; set; }

    /// <summary>Every heartbeat taken, in the order the channel took them.</summary>
    public List<byte[]> Payloads { get; } = [];

    public int Renewals { get; private set; }

    public string Endpoint => "loopback";

    public bool IsConnected => true;

    public Task Connecting => Task.CompletedTask;

    public void Start(IFleetTransportSink sink) => _sink = sink;

    public Task EnsureSubscribedAsync(bool renew, CancellationToken cancellationToken)
    {
        if (SubscribeFails)
        {
            throw new TimeoutException("no answer");
        }

        if (renew)
        {
            Renewals++;
            Deaf = Deaf && !RenewalHelps;
        }

        return Task.CompletedTask;
    }

    public Task PublishStateAsync(string replicaId, byte[] payload, TimeSpan keep, CancellationToken cancellationToken)
    {
        OnPublish?.Invoke();
        if (PublishFails)
        {
            throw new TimeoutException("no answer");
        }

        lock (Payloads)
        {
            Payloads.Add(payload);
        }

        Published++;
        if (!Deaf)
        {
            _sink!.OnMessage(payload); // before the publish returns, as the echo may
        }

        return Task.CompletedTask;
    }

    public Task<byte[]?[]> ReadCommandsAsync(IReadOnlyList<string> breakers, CancellationToken cancellationToken) =>
        Task.FromResult(new byte[]?[breakers.Count]);

    /// <summary>Whether a stored command completes on a thread-pool thread, as the client's replies do, rather than at once.</summary>
    public bool StoresOnThePool { get; set; }

    /// <summary>How many stores were made; with <see cref="StoresOnThePool"/>, counted on the pool just before the store completes.</summary>
    public int Stored => Volatile.Read(ref _stored);

    /// <summary>Every command stored, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<byte[]> StoredPayloads { get; } = new();

    public Task StoreCommandAsync(string breaker, byte[] payload, CancellationToken cancellationToken)
    {
        StoredPayloads.Enqueue(payload);
        return StoresOnThePool
            ? Task.Run(() => { Interlocked.Increment(ref _stored); }, CancellationToken.None)
            : Task.FromResult(Interlocked.Increment(ref _stored));
    }

    public Task<FleetRecords> ReadRecordsAsync(string breaker, CancellationToken cancellationToken) =>
        Task.FromResult(new FleetRecords([], null));

    public Task PruneAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task LeaveAsync(string replicaId, byte[] payload, TimeSpan bound, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
