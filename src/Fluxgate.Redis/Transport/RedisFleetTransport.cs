using System.Globalization;
using Fluxgate.Redis.Internal;
using StackExchange.Redis;

namespace Fluxgate.Redis.Transport;

/// <summary>
/// The fleet's transport on Redis: a string per replica record and per command, a sorted set indexing the replicas, one
/// pub/sub channel. The connection is made in the background (a service starts at once and coordinates when Redis
/// arrives); a connection given by the caller is used as it is and left to the caller.
/// </summary>
internal sealed partial class RedisFleetTransport : IFleetTransport
{
    private readonly FleetKeys _keys;
    private readonly ConfigurationOptions? _configuration;
    private readonly RedisChannel _channel;
    private readonly CancellationTokenSource _disposing = new();
    private IConnectionMultiplexer? _connection;
    private Task _connecting = Task.CompletedTask;
    private IFleetTransportSink? _sink;
    private readonly SemaphoreSlim _subscribing = new(1, 1);
    private readonly TimeSpan _bound;
    private ChannelMessageQueue? _subscription;
    private int _dropped;
    private int _disposed;

    /// <summary>A transport that connects with <paramref name="configuration"/> when started, and owns the connection.</summary>
    public RedisFleetTransport(ConfigurationOptions configuration, FleetKeys keys)
    {
        _configuration = configuration.Clone();
        _configuration.AbortOnConnectFail = false;

        // Fail at once while disconnected: a command must not sit in a backlog and take effect minutes after its caller was
        // told it failed. One-line errors: the endpoint and the reason, without the client's counters.
        _configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _configuration.IncludeDetailInExceptions = false;
        _configuration.IncludePerformanceCountersInExceptions = false;
        _keys = keys;
        _channel = RedisChannel.Literal(keys.Channel);
        Endpoint = string.Join(",", _configuration.EndPoints.Select(FormatEndPoint));
        _bound = Bound(Math.Max(_configuration.AsyncTimeout, _configuration.SyncTimeout));
    }

    /// <summary>A transport over the caller's connection, which the caller keeps and disposes.</summary>
    public RedisFleetTransport(IConnectionMultiplexer connection, FleetKeys keys)
    {
        _connection = connection;
        _keys = keys;
        _channel = RedisChannel.Literal(keys.Channel);
        Endpoint = string.Join(",", connection.GetEndPoints().Select(FormatEndPoint));
        _bound = Bound(connection.TimeoutMilliseconds);
    }

    public string Endpoint { get; }

    /// <summary>Gets how many subscriptions the transport dropped to subscribe again (for tests).</summary>
    internal int Dropped => Volatile.Read(ref _dropped);

    public Task Connecting => _connecting;

    public bool IsConnected => Volatile.Read(ref _connection) is { IsConnected: true };

    public void Start(IFleetTransportSink sink)
    {
        _sink = sink;
        if (_connection is { } given)
        {
            Watch(given);
            return;
        }

        _connecting = ConnectAsync(sink);
    }

    public async Task EnsureSubscribedAsync(bool renew, CancellationToken cancellationToken)
    {
        var connection = Connection();
        var subscriber = connection.GetSubscriber();

        // One at a time: two rounds subscribing at once would register two queues, and every message would be handled twice.
        await _subscribing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _subscription) is { } current)
            {
                // Renewed when the fleet hears nothing back, or at once when the client knows this channel is not subscribed
                // while its subscription connection is up. (While that connection is down the client resubscribes by itself
                // when it is back; but it does so without waiting for the answer, and when that is refused or lost it does not
                // try again until the next reconnection.) Dropping this queue, the channel's last handler, makes the client
                // forget the channel (and send UNSUBSCRIBE), so the SUBSCRIBE below is a real one. (On a connection the caller
                // shares with other handlers of this channel, the client sends nothing more if it believes itself subscribed;
                // there the fleet only keeps trying.)
                if (!renew && !(subscriber.IsConnected(_channel) && subscriber.SubscribedEndpoint(_channel) is null))
                {
                    return;
                }

                Volatile.Write(ref _subscription, null);
                Interlocked.Increment(ref _dropped);
                Drop(current);
            }

            var subscription = await Bounded(subscriber.SubscribeAsync(_channel), cancellationToken).ConfigureAwait(false);
            subscription.OnMessage(message => _sink?.OnMessage(message.Message.IsNull ? ReadOnlyMemory<byte>.Empty : (byte[])message.Message!));
            Volatile.Write(ref _subscription, subscription);
        }
        catch
        {
            // The client registers a queue before the server confirms it: drop it, or each failed attempt would leave one
            // that buffers every message of the channel once the connection comes back.
            _ = subscriber.UnsubscribeAsync(_channel, null, CommandFlags.FireAndForget).ContinueWith(
                static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
        finally
        {
            _subscribing.Release();
        }
    }

    public async Task PublishStateAsync(string replicaId, byte[] payload, TimeSpan keep, CancellationToken cancellationToken)
    {
        var database = Connection().GetDatabase();

        // Each operation on its own: one key holding garbage must not stop the others (the record and the message are what
        // the other replicas read).
        var record = database.StringSetAsync(_keys.Replica(replicaId), payload, keep);
        var listed = ListAsync(database, replicaId);
        var published = Connection().GetSubscriber().PublishAsync(_channel, payload);
        await Bounded(Task.WhenAll(record, listed, published), cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]?[]> ReadCommandsAsync(IReadOnlyList<string> breakers, CancellationToken cancellationToken)
    {
        if (breakers.Count == 0)
        {
            return [];
        }

        // MGET answers nil for a key of another type: garbage there reads as "no command", never as an error.
        var values = await Bounded(Connection().GetDatabase().StringGetAsync([.. breakers.Select(b => (RedisKey)_keys.Command(b))]), cancellationToken).ConfigureAwait(false);
        return [.. values.Select(v => v.IsNullOrEmpty ? null : (byte[]?)v)];
    }

    public async Task StoreCommandAsync(string breaker, byte[] payload, CancellationToken cancellationToken)
    {
        // SET replaces whatever the key held, garbage of another type included.
        var connection = Connection();
        await Bounded(connection.GetDatabase().StringSetAsync(_keys.Command(breaker), payload), cancellationToken).ConfigureAwait(false);
        await Bounded(connection.GetSubscriber().PublishAsync(_channel, payload), cancellationToken).ConfigureAwait(false);
    }

    public async Task<FleetRecords> ReadRecordsAsync(string breaker, CancellationToken cancellationToken)
    {
        var database = Connection().GetDatabase();
        var records = await ReadReplicaRecordsAsync(database, cancellationToken).ConfigureAwait(false);
        var command = await Bounded(database.StringGetAsync([(RedisKey)_keys.Command(breaker)]), cancellationToken).ConfigureAwait(false);
        return new FleetRecords(records, command[0].IsNullOrEmpty ? null : (byte[]?)command[0]);
    }

    public Task PruneAsync(CancellationToken cancellationToken) => ReadReplicaRecordsAsync(Connection().GetDatabase(), cancellationToken);

    public async Task LeaveAsync(string replicaId, byte[] payload, TimeSpan bound, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is not { IsConnected: true } connection)
        {
            return; // nobody to tell: the others drop this replica after the replica timeout
        }

        var database = connection.GetDatabase();
        var sent = Task.WhenAll(
            connection.GetSubscriber().PublishAsync(_channel, payload),
            database.KeyDeleteAsync(_keys.Replica(replicaId)),
            database.SortedSetRemoveAsync(_keys.Replicas, replicaId));
        try
        {
            // Bounded: a frozen Redis costs the bound, not the client's timeouts.
            await sent.WaitAsync(bound, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Leaving is a courtesy: the others drop this replica after the replica timeout anyway, and the fleet is going away, so nobody is left to tell.
        catch (Exception)
#pragma warning restore CA1031
        {
            _ = sent.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposing.Cancel();
        if (_connection is { } connection)
        {
            Unwatch(connection);
            if (_configuration is not null)
            {
                // Commands still in flight are abandoned, not waited for: a frozen Redis must not hold a shutdown.
                CloseWithoutWaiting(connection);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _connecting.ConfigureAwait(false); // never faults: ConnectAsync observes its own failures
    }

    private async Task ConnectAsync(IFleetTransportSink sink)
    {
        // A first attempt that fails says why (a wrong password, a refused port): a connection that is to keep retrying in
        // the background never does, and its later failures come without a reason. Then the connection that keeps trying.
        var first = _configuration!.Clone();
        first.AbortOnConnectFail = true;
        try
        {
            await AdoptAsync(ConnectionMultiplexer.ConnectAsync(first)).ConfigureAwait(false);
            return; // connected, or disposed meanwhile
        }
#pragma warning disable CA1031 // Reported; the connection that keeps trying comes next.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            sink.OnProblem("connection", Describe(exception, Endpoint));
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            await AdoptAsync(ConnectionMultiplexer.ConnectAsync(_configuration!)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Reported; the fleet works alone and the next start would try again.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            sink.OnProblem("connect", Describe(exception, Endpoint));
        }
    }

    /// <summary>Takes the connection <paramref name="connecting"/> brings, unless the transport is disposed first: then it is closed when it comes.</summary>
    /// <returns><see langword="false"/> when disposed meanwhile.</returns>
    private async Task<bool> AdoptAsync(Task<ConnectionMultiplexer> connecting)
    {
        ConnectionMultiplexer connection;
        try
        {
            connection = await connecting.WaitAsync(_disposing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
            _ = connecting.ContinueWith(
                static t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        CloseWithoutWaiting(t.Result);
                    }
                    else
                    {
                        _ = t.Exception; // a connection nobody wants any more: its failure is of no interest
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return false;
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            CloseWithoutWaiting(connection);
            return false;
        }

        Watch(connection);
        Volatile.Write(ref _connection, connection);
        return true;
    }

    private void Watch(IConnectionMultiplexer connection)
    {
        connection.ConnectionFailed += OnConnectionFailed;
        connection.ConnectionRestored += OnConnectionRestored;
    }

    private void Unwatch(IConnectionMultiplexer connection)
    {
        connection.ConnectionFailed -= OnConnectionFailed;
        connection.ConnectionRestored -= OnConnectionRestored;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _sink?.OnProblem("connection", string.Create(CultureInfo.InvariantCulture, $"{FormatEndPoint(e.EndPoint)}: {e.FailureType}{Cause(e.Exception?.InnerException)}"));
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        // Nothing to do: the client resubscribes by itself, and the fleet believes only its echo.
    }

    private IConnectionMultiplexer Connection() =>
        Volatile.Read(ref _connection) ?? throw new InvalidOperationException($"{Endpoint}: not connected yet");

    /// <summary>Lists the replica in the index; a key of another type there is garbage the fleet owns: it is replaced, and reported.</summary>
    private async Task ListAsync(IDatabase database, string replicaId)
    {
        var score = 0d; // the index only lists ids: records expire by Redis's own clock, and pruning reads them
        try
        {
            await database.SortedSetAddAsync(_keys.Replicas, replicaId, score).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            await RepairIndexAsync(database).ConfigureAwait(false);
            await database.SortedSetAddAsync(_keys.Replicas, replicaId, score).ConfigureAwait(false);
        }
    }

    private async Task RepairIndexAsync(IDatabase database)
    {
        _sink?.OnProblem("repair", $"key '{_keys.Replicas}' held another type than the fleet's sorted set of replicas: deleted, the replicas list themselves again");
        await database.KeyDeleteAsync(_keys.Replicas).ConfigureAwait(false);
    }

    /// <summary>Reads the index and every listed record; ids whose record expired (or is garbage of another type) leave the index.</summary>
    private async Task<IReadOnlyList<byte[]>> ReadReplicaRecordsAsync(IDatabase database, CancellationToken cancellationToken)
    {
        RedisValue[] ids;
        try
        {
            ids = await Bounded(database.SortedSetRangeByRankAsync(_keys.Replicas), cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            await Bounded(RepairIndexAsync(database), cancellationToken).ConfigureAwait(false);
            return [];
        }

        ids = [.. ids.Where(id => !id.IsNullOrEmpty)];
        if (ids.Length == 0)
        {
            return [];
        }

        var values = await Bounded(database.StringGetAsync([.. ids.Select(id => (RedisKey)_keys.Replica(id.ToString()))]), cancellationToken).ConfigureAwait(false);
        var records = new List<byte[]>(values.Length);
        var gone = new List<RedisValue>();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].IsNullOrEmpty)
            {
                gone.Add(ids[i]);
            }
            else
            {
                records.Add((byte[])values[i]!);
            }
        }

        if (gone.Count > 0)
        {
            await Bounded(database.SortedSetRemoveAsync(_keys.Replicas, [.. gone]), cancellationToken).ConfigureAwait(false);
        }

        return records;
    }
}
