using Fluxgate.Redis.Coordination;
using Fluxgate.Redis.Internal;

namespace Fluxgate.Redis;

public sealed partial class CircuitBreakerFleet
{
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>Commands given here and not stored yet, oldest first; guarded by <c>_gate</c>.</summary>
    private readonly LinkedList<PendingCommand> _outbox = new();
    private Task _sending = Task.CompletedTask;

    /// <summary>
    /// Whether <see cref="SendAsync"/> runs; guarded by <c>_gate</c>, and cleared under it in the same step that finds the
    /// outbox empty. The sender's task is no substitute: it completes only after the lock is released, and a command given
    /// in between would find it running, start no sender, and wait for the next heartbeat.
    /// </summary>
    private bool _senderRuns;

    /// <summary>
    /// Makes noting a command (the coordinator's verdict on one heard, or <c>Given</c> for one given here) and applying it
    /// to the breaker one step: without it, a delivery thread that noted a command and was preempted before applying it
    /// could land after a command noted later here, leaving the older one in force while the coordinator counts the newer.
    /// Taken before <c>_gate</c>, never while holding it. Held while the breaker delivers the transition to its sync
    /// listeners (unless another thread is delivering that breaker's signals already, which then does it): a listener
    /// that blocks on a command given on another thread waits forever, which docs/fleet.md says.
    /// </summary>
#if NET9_0_OR_GREATER
    private readonly Lock _commandOrder = new();
#else
    private readonly object _commandOrder = new();
#endif

    /// <summary>Called when a thread finds <c>_commandOrder</c> held by another and is about to wait for it (a seam for the test that forces that interleaving).</summary>
    internal Action? CommandOrderContended { get; set; }

    /// <summary>Forces the breaker open on every replica, now and on replicas that join or reconnect later, until another command.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis to store the command (the command itself stays given).</param>
    /// <returns>A task that completes when the command is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="FleetUnavailableException">The fleet was stopped before Redis stored the command.</exception>
    public Task ForceOpenAsync(string breakerName, CancellationToken cancellationToken = default) => CommandAsync(breakerName, FleetCommand.ForceOpen, cancellationToken);

    /// <summary>Disables the breaker on every replica, now and later, until another command.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis to store the command (the command itself stays given).</param>
    /// <returns>A task that completes when the command is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="FleetUnavailableException">The fleet was stopped before Redis stored the command.</exception>
    public Task DisableAsync(string breakerName, CancellationToken cancellationToken = default) => CommandAsync(breakerName, FleetCommand.Disable, cancellationToken);

    /// <summary>Switches the breaker to metrics-only on every replica, now and later, until another command.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis to store the command (the command itself stays given).</param>
    /// <returns>A task that completes when the command is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="FleetUnavailableException">The fleet was stopped before Redis stored the command.</exception>
    public Task MetricsOnlyAsync(string breakerName, CancellationToken cancellationToken = default) => CommandAsync(breakerName, FleetCommand.MetricsOnly, cancellationToken);

    /// <summary>Resets the breaker on every replica (closed, counters cleared) and ends the command in force: replicas that reconnect later reset too.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis to store the command (the command itself stays given).</param>
    /// <returns>A task that completes when the command is stored and published.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="FleetUnavailableException">The fleet was stopped before Redis stored the command.</exception>
    public Task ResetAsync(string breakerName, CancellationToken cancellationToken = default) => CommandAsync(breakerName, FleetCommand.Reset, cancellationToken);

    /// <summary>
    /// Gives <paramref name="command"/> to the breaker on every replica: applied here at once (if this replica joined it),
    /// then stored (the last command of each breaker is kept) and published, in the order commands are given. While Redis
    /// does not answer, the command waits here and is stored when it does; a later command for the same breaker replaces
    /// one still waiting.
    /// </summary>
    /// <param name="breakerName">The breaker's name; it need not have joined here (an admin tool may command any breaker).</param>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Stops waiting for Redis to store the command; the command itself stays given, and is stored when Redis answers.</param>
    /// <returns>A task that completes when the command is stored and published, or replaced by a later one before it was.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="command"/> is not a defined command.</exception>
    /// <exception cref="ObjectDisposedException">The fleet was disposed.</exception>
    /// <exception cref="FleetUnavailableException">The fleet was stopped (or disposed) before Redis stored the command (if it was on its way when Redis froze, it may still be stored when Redis thaws), or was stopped already.</exception>
    public async Task CommandAsync(string breakerName, FleetCommand command, CancellationToken cancellationToken = default)
    {
        CheckBreakerName(breakerName);
        if (!Enum.IsDefined(command))
        {
            throw new ArgumentOutOfRangeException(nameof(command), command, "Must be ForceOpen, Disable, MetricsOnly or Reset.");
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _lifecycle) == 3, this);
        if (Volatile.Read(ref _lifecycle) == 2)
        {
            throw new FleetUnavailableException($"The fleet of replica '{ReplicaId}' was stopped: it gives no more commands.");
        }

        var message = new CommandMessage(breakerName, command, Guid.NewGuid().ToString("N"), _clock.GetUtcNow().ToUnixTimeMilliseconds(), ReplicaId, _coordinator.Incarnation);
        var pending = new PendingCommand(message, FleetMessages.WriteCommand(message));
        EnterCommandOrder();
        try
        {
            lock (_gate)
            {
                // Noted as applied before it is published: its own echo then finds it applied, so this call returns after the
                // breaker here changed, never before.
                _coordinator.Given(message);
                for (var node = _outbox.First; node is not null; node = node.Next)
                {
                    if (!node.Value.Sending && string.Equals(node.Value.Message.Breaker, breakerName, StringComparison.OrdinalIgnoreCase))
                    {
                        _outbox.Remove(node);
                        node.Value.Stored.TrySetResult(); // replaced before it was stored: the later command is what the fleet gets
                        break;
                    }
                }

                _outbox.AddLast(pending);
                if (!_senderRuns)
                {
                    _senderRuns = true;
                    _sending = SendAsync(_stopping.Token);
                }
            }

            ApplyHere(message);
        }
        finally
        {
            ExitCommandOrder();
        }

        await pending.Stored.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the fleet's view of one breaker from Redis: every replica that reports it, its state and why, its figures and policy, when it was last heard, and the command in force.</summary>
    /// <param name="breakerName">The breaker's name.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>The view; records Redis holds that fail validation are left out.</returns>
    /// <exception cref="ArgumentException"><paramref name="breakerName"/> is empty or longer than 400 characters.</exception>
    /// <exception cref="FleetUnavailableException">Redis is not connected, or did not answer within the client's timeout (its <c>asyncTimeout</c>, 5 seconds unless configured).</exception>
    public async Task<FleetView> GetViewAsync(string breakerName, CancellationToken cancellationToken = default)
    {
        CheckBreakerName(breakerName);
        if (!_transport.IsConnected)
        {
            throw new FleetUnavailableException($"The fleet's view of '{breakerName}' cannot be read: Redis at {_transport.Endpoint} is not connected{(Volatile.Read(ref _lastConnectionProblem) is { } problem ? $" (last failure {problem})" : "")}.");
        }

        Transport.FleetRecords records;
        try
        {
            records = await _transport.ReadRecordsAsync(Normalize(breakerName), cancellationToken).ConfigureAwait(false); // each read bounded by the client's timeout
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new FleetUnavailableException($"The fleet's view of '{breakerName}' cannot be read: {Transport.RedisFleetTransport.Describe(exception, _transport.Endpoint)}.", exception);
        }

        var nowMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var timeoutMs = (long)_options.ReplicaTimeout.TotalMilliseconds;
        var replicas = new List<ReplicaView>();
        foreach (var record in records.Replicas)
        {
            if (FleetMessages.Read(record) is not { State: { } report })
            {
                continue;
            }

            foreach (var breaker in report.Breakers)
            {
                if (string.Equals(breaker.Name, breakerName, StringComparison.OrdinalIgnoreCase))
                {
                    replicas.Add(new ReplicaView(
                        report.ReplicaId,
                        Math.Abs(nowMs - report.AtMs) <= timeoutMs,
                        FromUnixMs(report.AtMs),
                        breaker.State,
                        FromUnixMs(breaker.SinceMs),
                        breaker.Total,
                        breaker.Failures,
                        breaker.Own)
                    {
                        Cause = breaker.Cause,
                        Policy = breaker.Policy,
                    });
                }
            }
        }

        replicas.Sort(static (a, b) => string.CompareOrdinal(a.ReplicaId, b.ReplicaId));
        var last = records.Command is null || FleetMessages.Read(records.Command) is not { Command: { } stored }
            ? null
            : new FleetCommandRecord(stored.Command, FromUnixMs(stored.AtMs), stored.By, stored.Id);
        return new FleetView(breakerName, replicas, last, _options.QuorumOf(replicas.Count(r => r.IsLive)));
    }

    /// <summary>Applies a command heard on the channel, or read from storage, once (by its id) to the breaker it names, if joined here.</summary>
    private void Apply(CommandMessage command, bool fromStorage = false, int? readAtVersion = null)
    {
        EnterCommandOrder();
        try
        {
            CommandVerdict verdict;
            lock (_gate)
            {
                if (_breakers.TryGetValue(command.Breaker, out var breaker))
                {
                    _coordinator.Observe(breaker.Name, breaker.GetInfo());
                }

                verdict = _coordinator.Command(command, fromStorage, readAtVersion);
            }

            if (verdict == CommandVerdict.Apply)
            {
                ApplyHere(command);
            }
        }
        finally
        {
            ExitCommandOrder();
        }
    }

    private void EnterCommandOrder()
    {
#if NET9_0_OR_GREATER
        if (!_commandOrder.TryEnter())
        {
            CommandOrderContended?.Invoke();
            _commandOrder.Enter();
        }
#else
        if (!Monitor.TryEnter(_commandOrder))
        {
            CommandOrderContended?.Invoke();
            Monitor.Enter(_commandOrder);
        }
#endif
    }

    private void ExitCommandOrder()
    {
#if NET9_0_OR_GREATER
        _commandOrder.Exit();
#else
        Monitor.Exit(_commandOrder);
#endif
    }

    private void ApplyHere(CommandMessage command)
    {
        CircuitBreaker? breaker;
        lock (_gate)
        {
            _breakers.TryGetValue(command.Breaker, out breaker);
        }

        if (breaker is null)
        {
            return;
        }

        try
        {
            switch (command.Command)
            {
                case FleetCommand.ForceOpen:
                    breaker.ForceOpen();
                    break;
                case FleetCommand.Disable:
                    breaker.Disable();
                    break;
                case FleetCommand.MetricsOnly:
                    breaker.MetricsOnly();
                    break;
                default:
                    breaker.Reset();
                    break;
            }
        }
#pragma warning disable CA1031 // A manual transition delivers to listeners, which report their own failures; nothing may stop the fleet.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.BreakerFailed(_logger, exception, breaker.Name);
        }

        Log.CommandApplied(_logger, FleetMessages.CommandName(command.Command), breaker.Name, command.By);
    }

    /// <summary>Stores and publishes the commands given here, one at a time, in order; after a failure, the next heartbeat that reaches Redis sends again.</summary>
    private async Task SendAsync(CancellationToken stopping)
    {
        while (true)
        {
            PendingCommand next;
            lock (_gate)
            {
                if (stopping.IsCancellationRequested || _outbox.First is not { } first)
                {
                    _senderRuns = false;
                    return;
                }

                next = first.Value;
                next.Sending = true;
            }

            try
            {
                await _transport.StoreCommandAsync(Normalize(next.Message.Breaker), next.Payload, stopping).ConfigureAwait(false);
                lock (_gate)
                {
                    _outbox.Remove(next);
                }

                next.Stored.TrySetResult();
                continue;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                lock (_gate)
                {
                    _senderRuns = false;
                }

                return;
            }
#pragma warning disable CA1031 // Reported as Redis being unavailable; the command is sent again after the next heartbeat that reaches Redis.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Warn("store command", exception is InvalidOperationException ? exception.Message : RedisFleetTransportDescribe(exception));
            }

            lock (_gate)
            {
                next.Sending = false;
                _senderRuns = false;
            }

            return;
        }
    }

    /// <summary>Sends the commands waiting here, unless they are being sent (after a heartbeat reached Redis).</summary>
    private void ResumeSending()
    {
        lock (_gate)
        {
            if (_outbox.Count > 0 && !_senderRuns && Volatile.Read(ref _lifecycle) == 1)
            {
                _senderRuns = true;
                _sending = SendAsync(_stopping.Token);
            }
        }
    }

    private string RedisFleetTransportDescribe(Exception exception) => Transport.RedisFleetTransport.Describe(exception, _transport.Endpoint);

    /// <summary>The fleet stops: commands not stored yet never will be by this replica; their callers are told.</summary>
    private void FailPendingCommands()
    {
        List<PendingCommand> pending;
        lock (_gate)
        {
            pending = [.. _outbox];
            _outbox.Clear();
        }

        foreach (var command in pending)
        {
            command.Stored.TrySetException(new FleetUnavailableException(command.Sending
                ? $"The fleet stopped while Redis had not confirmed the {FleetMessages.CommandName(command.Message.Command)} command of '{command.Message.Breaker}': it was sent, and may still be stored if Redis answers."
                : $"The fleet stopped before Redis stored the {FleetMessages.CommandName(command.Message.Command)} command of '{command.Message.Breaker}': it was applied on this replica only."));
        }
    }

    private static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, MaxUnixMs));

    private static void CheckBreakerName(string breakerName)
    {
        ArgumentNullException.ThrowIfNull(breakerName);
        if (breakerName.Length is 0 or > FleetMessages.MaxBreakerName)
        {
            throw new ArgumentException($"A breaker's name has 1 to {FleetMessages.MaxBreakerName} characters.", nameof(breakerName));
        }
    }

    /// <summary>A command given here, waiting to be stored.</summary>
    private sealed class PendingCommand(CommandMessage message, byte[] payload)
    {
        public CommandMessage Message { get; } = message;

        public byte[] Payload { get; } = payload;

        public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>On its way to Redis: it can no longer be replaced.</summary>
        public bool Sending { get; set; }
    }
}
