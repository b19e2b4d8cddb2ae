using Fluxgate.Redis.Coordination;
using Fluxgate.Redis.Internal;
using Fluxgate.Redis.Transport;

namespace Fluxgate.Redis;

public sealed partial class CircuitBreakerFleet
{
    /// <summary>How often the index of replicas is pruned of records Redis expired: every this many heartbeats.</summary>
    private const int PruneEvery = 60;

    private string? _lastConnectionProblem;

    /// <summary>Gets how many subscriptions the Redis transport dropped to subscribe again (for tests).</summary>
    internal int SubscriptionsDropped => (_transport as RedisFleetTransport)?.Dropped ?? 0;

    /// <summary>Gets how many messages read from Redis were refused (for tests).</summary>
    internal int RefusedMessages => Volatile.Read(ref _refused);

    /// <summary>Gets the other replicas this one has heard (for tests that wait until a heartbeat has arrived).</summary>
    internal IReadOnlyCollection<string> PeersHeard
    {
        get
        {
            lock (_gate)
            {
                return [.. _coordinator.Peers];
            }
        }
    }

    /// <summary>Gets how many other replicas last reported <paramref name="breakerName"/> open on their own evidence (for tests).</summary>
    internal int PeersOpenOnOwnEvidence(string breakerName)
    {
        lock (_gate)
        {
            return _coordinator.PeersOpenOnOwnEvidence(breakerName);
        }
    }

    /// <summary>Gets the time on the fleet's own timeline (for tests that move a fake clock).</summary>
    internal TimeSpan Elapsed => Now();

    /// <summary>Gets whether every other replica known here, but those in <paramref name="except"/>, was heard at or after <paramref name="since"/> on this fleet's timeline (for tests).</summary>
    internal bool AllPeersHeardSince(TimeSpan since, IReadOnlyCollection<string> except)
    {
        lock (_gate)
        {
            return _coordinator.AllPeersHeardSince(since, except);
        }
    }

    /// <summary>Completes when the first connection attempt has ended, connected or not (for tests).</summary>
    internal Task WhenConnectAttemptedAsync() => _transport.Connecting;

    /// <summary>Handles a message as if it came from the channel (for tests of validation).</summary>
    internal void Receive(ReadOnlyMemory<byte> payload) => OnMessage(payload);

    /// <summary>Publishes this replica's heartbeat and reads the commands in force. Never throws: failures are warnings.</summary>
    /// <returns>Whether the round reached Redis in full: published, commands read, subscribed.</returns>
    private async Task<bool> PublishRoundAsync(CancellationToken stopping)
    {
        var operation = "connect";
        var sent = false;
        try
        {
            if (!_transport.Connecting.IsCompleted)
            {
                return false; // the first attempt is still on its way: nothing to report yet
            }

            // A subscription that cannot be made now does not hold the rest of the round: heartbeats, stored commands and
            // commands waiting to be sent need only Redis itself (after a restart the client's subscription connection may
            // come back seconds after its other one). Its failure is reported at the end of the round.
            operation = "subscribe";
            Exception? notSubscribed = null;
            try
            {
                await _transport.EnsureSubscribedAsync(renew: false, stopping).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                notSubscribed = exception;
            }

            operation = "publish";
            ReplicaReport report;
            lock (_gate)
            {
                Observe_NeedsLock();
                report = _coordinator.Report(_clock.GetUtcNow().ToUnixTimeMilliseconds());
            }

            // The record outlives the replica timeout by far: it serves views and tools; liveness is decided by the echo and by
            // when heartbeats arrive.
            var keep = TimeSpan.FromTicks(Math.Max(10 * _options.ReplicaTimeout.Ticks, TimeSpan.FromMinutes(1).Ticks));
            await _transport.PublishStateAsync(ReplicaId, FleetMessages.WriteState(report), keep, stopping).ConfigureAwait(false);
            sent = true;

            // Decided only after a heartbeat went out: Redis takes what is published now, so silence is the subscription's.
            TimeSpan? silentFor = null;
            lock (_gate)
            {
                var now = Now();
                _coordinator.Sent(report.Round, now);
                if (_coordinator.SubscriptionSilent(now))
                {
                    silentFor = now - _coordinator.UnansweredSince;
                    _coordinator.Resubscribed();
                }
            }

            if (silentFor is { } silence)
            {
                operation = "subscribe";
                if (_renewalWarnings.TryEnter(out var suppressed))
                {
                    Log.SubscriptionRenewed(_logger, ReplicaId, _transport.Endpoint, silence.TotalSeconds, Log.Suppressed(suppressed));
                }

                await _transport.EnsureSubscribedAsync(renew: true, stopping).ConfigureAwait(false);
            }

            operation = "read commands";
            await ReadCommandsAsync(stopping).ConfigureAwait(false);
            ResumeSending();

            if (++_heartbeats % PruneEvery == 0)
            {
                operation = "prune";
                await _transport.PruneAsync(stopping).ConfigureAwait(false);
            }

            if (notSubscribed is not null)
            {
                operation = "subscribe";
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(notSubscribed);
            }

            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The fleet stops: this round is abandoned, and nothing about it is worth a warning.
            return false;
        }
#pragma warning disable CA1031 // Whatever Redis does, the heartbeat carries on; the breakers never see it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            lock (_gate)
            {
                _coordinator.Failed(heartbeatSent: sent);
            }

            // Tried even while the client says it is disconnected: its exception says why (a refused port, a wrong password).
            var reason = exception is InvalidOperationException ? exception.Message : RedisFleetTransport.Describe(exception, _transport.Endpoint);
            Volatile.Write(ref _lastConnectionProblem, reason);
            Warn(operation, reason);
            return false;
        }
        finally
        {
            SignalChanged();
        }
    }

    private async Task ReadCommandsAsync(CancellationToken stopping)
    {
        string[] names;
        int[] versions;
        lock (_gate)
        {
            names = [.. _breakers.Keys];
            versions = [.. names.Select(_coordinator.CommandVersion)];
        }

        var values = await _transport.ReadCommandsAsync([.. names.Select(Normalize)], stopping).ConfigureAwait(false);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is not { } value)
            {
                continue;
            }

            var parsed = FleetMessages.Read(value);
            if (parsed.Command is { } command && string.Equals(command.Breaker, names[i], StringComparison.OrdinalIgnoreCase))
            {
                // A command heard while this read was on its way may be newer than what was read: then the read is stale, and
                // the next heartbeat reads again.
                Apply(command, fromStorage: true, versions[i]);
            }
            else
            {
                Refused($"the stored command of '{FleetMessages.Truncate(names[i])}' ({FleetMessages.Truncate(parsed.Error ?? "names another breaker")})");
            }
        }
    }

    private void OnMessage(ReadOnlyMemory<byte> payload)
    {
        if (Volatile.Read(ref _lifecycle) == 3)
        {
            return;
        }

        try
        {
            Handle(payload);
        }
        finally
        {
            SignalChanged();
        }
    }

    private void Handle(ReadOnlyMemory<byte> payload)
    {
        var parsed = FleetMessages.Read(payload);
        if (parsed.Error is { } error)
        {
            Refused(error);
            return;
        }

        if (parsed.Command is { } command)
        {
            Apply(command);
            return;
        }

        List<FleetDecision> decisions;
        var connectedNow = false;
        lock (_gate)
        {
            var now = Now();
            if (parsed.State is { } report)
            {
                var wasConnected = _coordinator.IsConnected;
                switch (_coordinator.Heard(report, now))
                {
                    case PeerVerdict.TooManyPeers:
                        Refused($"more than {FleetCoordinator.MaxPeers} replicas; heartbeat of '{report.ReplicaId}' ignored");
                        return;
                    case PeerVerdict.Stale:
                        return; // a later heartbeat of that replica is held already
                    case PeerVerdict.Echo:
                        connectedNow = !wasConnected && _coordinator.IsConnected;
                        break;
                }
            }
            else if (parsed.Leaving is { } leaving && !_coordinator.Left(leaving))
            {
                return;
            }

            // Decided as the message arrives (a loopback round trip after the open that made the quorum), not at the next heartbeat.
            Observe_NeedsLock();
            decisions = _coordinator.Decide(now);
        }

        if (connectedNow)
        {
            // A new outage after this one is reported at once, not a minute after the last warning.
            _redisWarnings.Reset();
            if (_everConnected)
            {
                Log.RedisRestored(_logger, _transport.Endpoint);
            }
            else
            {
                Log.Connected(_logger, ReplicaId, Application, _transport.Endpoint);
            }

            _everConnected = true;
        }

        Carry(decisions);
    }

    private void Warn(string operation, string reason)
    {
        if (_redisWarnings.TryEnter(out var suppressed))
        {
            Log.RedisUnavailable(_logger, operation, reason, Log.Suppressed(suppressed));
        }
    }

    private void Refused(string reason)
    {
        Interlocked.Increment(ref _refused);
        if (_messageWarnings.TryEnter(out var suppressed))
        {
            Log.MessageRefused(_logger, reason, Log.Suppressed(suppressed));
        }
    }

    private static string Normalize(string breakerName) => breakerName.ToLowerInvariant();

    /// <summary>What the transport reports, routed to the fleet.</summary>
    private sealed class TransportSink(CircuitBreakerFleet fleet) : IFleetTransportSink
    {
        public void OnMessage(ReadOnlyMemory<byte> payload) => fleet.OnMessage(payload);

        public void OnProblem(string operation, string reason)
        {
            if (operation == "repair")
            {
                Log.Repaired(fleet._logger, reason);
                return;
            }

            if (operation == "connection")
            {
                Volatile.Write(ref fleet._lastConnectionProblem, reason);
            }

            fleet.Warn(operation, reason);
        }
    }
}
