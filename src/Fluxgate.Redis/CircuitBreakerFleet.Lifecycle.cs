using Fluxgate.Redis.Coordination;
using Fluxgate.Redis.Internal;

namespace Fluxgate.Redis;

public sealed partial class CircuitBreakerFleet
{
    /// <summary>Starts the heartbeat and the connection in the background and returns at once: the breakers work on their own until Redis answers.</summary>
    /// <param name="cancellationToken">Not used: starting does not wait.</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="ObjectDisposedException">The fleet was disposed.</exception>
    /// <exception cref="InvalidOperationException">The fleet was started already.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        switch (Interlocked.CompareExchange(ref _lifecycle, 1, 0))
        {
            case 0:
                break;
            case 3:
                throw new ObjectDisposedException(GetType().FullName);
            default:
                throw new InvalidOperationException("The fleet was started already; a fleet starts once.");
        }

        _transport.Start(_sink);
        _loop = RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops the heartbeat and tells the other replicas this one left, so they drop it at once rather than after the replica
    /// timeout; waits for Redis at most half a second for that. The breakers keep working on their own.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the heartbeat has stopped and the departure was sent.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _lifecycle, 2, 1) != 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loop, LastRound(), _sending).WaitAsync(cancellationToken).ConfigureAwait(false); // cancelled, they end at once
        FailPendingCommands(); // nothing sends them any more: their callers are told
        await _transport.LeaveAsync(ReplicaId, FleetMessages.WriteLeave(ReplicaId), LeaveBound, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops (as <see cref="StopAsync"/>, if it was not), forgets the joined breakers, and closes the connection if the fleet
    /// opened it without waiting for commands in flight: a frozen Redis costs at most the half second of the departure.
    /// </summary>
    /// <returns>A task that completes when everything the fleet started has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        var running = Volatile.Read(ref _lifecycle) == 1;
        if (!BeginDispose())
        {
            return;
        }

        await Task.WhenAll(_loop, LastRound(), _sending).ConfigureAwait(false); // each observes its own faults; cancelled, they end at once
        if (running)
        {
            await _transport.LeaveAsync(ReplicaId, FleetMessages.WriteLeave(ReplicaId), LeaveBound, CancellationToken.None).ConfigureAwait(false);
        }

        await _transport.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>As <see cref="DisposeAsync"/>, without waiting at all: the departure is sent but may be cut short, and the background work ends by itself.</summary>
    public void Dispose()
    {
        var running = Volatile.Read(ref _lifecycle) == 1;
        if (BeginDispose())
        {
            if (running)
            {
                _ = _transport.LeaveAsync(ReplicaId, FleetMessages.WriteLeave(ReplicaId), TimeSpan.Zero, CancellationToken.None);
            }

            _transport.Dispose();
        }
    }

    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref _lifecycle, 3) == 3)
        {
            return false;
        }

        _stopping.Cancel();

        lock (s_joined)
        {
            lock (_gate)
            {
                foreach (var breaker in _breakers.Values)
                {
                    if (s_joined.TryGetValue(breaker, out var owner) && ReferenceEquals(owner, this))
                    {
                        s_joined.Remove(breaker);
                    }
                }

                // Messages still buffered by the client must not reach the breakers any more.
                _breakers.Clear();
            }
        }

        FailPendingCommands();
        SignalChanged();
        return true;
    }

    /// <summary>Gets whether the fleet was disposed.</summary>
    internal bool IsDisposed => Volatile.Read(ref _lifecycle) == 3;

    private TimeSpan Now() => _clock.GetElapsedTime(_origin);

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var nudge = Volatile.Read(ref _nudge);
            _ = Heartbeat(stopping); // its round runs on; the next heartbeat does not start another while it does

            // The next heartbeat comes after the interval, or sooner when a breaker joins.
            await Task.WhenAny(Task.Delay(_options.HeartbeatInterval, _clock, stopping), nudge.Task).ConfigureAwait(false);
            if (nudge.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _nudge, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), nudge);
            }
        }
    }

    /// <summary>One heartbeat: sample the breakers, decide, carry out; then publish and read commands in the background, one round at a time.</summary>
    /// <returns>The round this heartbeat started, or <see langword="null"/> when one was still on its way (or the fleet stops).</returns>
    private Task<bool>? Heartbeat(CancellationToken stopping)
    {
        List<FleetDecision> decisions;
        lock (_gate)
        {
            Observe_NeedsLock();
            decisions = _coordinator.Decide(Now());
        }

        Carry(decisions);
        var round = StartRound(stopping);
        SignalChanged();
        return round;
    }

    /// <summary>Starts a publishing round unless one is on its way (Redis slow or frozen: a round is not doubled; the heartbeat's decisions are made regardless).</summary>
    /// <returns>The round started, or <see langword="null"/> when one was on its way or the fleet stops.</returns>
    private Task<bool>? StartRound(CancellationToken stopping)
    {
        // The check and the start are one step, and the field names the round before it observes anything: the loop (nudged
        // by Join) and a tick on another thread once both found no round in flight, and the older observation was published
        // last. The round runs on the pool, so none of its work (the breakers' lock, the client's synchronous part) runs
        // under this lock, which is taken nowhere else with another held.
        lock (_rounds)
        {
            if (!_publishing.IsCompleted || stopping.IsCancellationRequested)
            {
                return null;
            }

            var round = Task.Run(() => PublishRoundAsync(stopping), CancellationToken.None);
            _publishing = round;
            return round;
        }
    }

    /// <summary>Gets the publishing round started last (for waiting on it).</summary>
    /// <returns>The round; it never faults.</returns>
    private Task<bool> LastRound()
    {
        lock (_rounds)
        {
            return _publishing;
        }
    }

    /// <summary>
    /// A heartbeat done now and awaited with a publishing round of its own, which observes the breakers after this was
    /// called (for tests that drive a fake clock). A round the loop has on its way is awaited first; the heartbeat is
    /// repeated only if the loop starts another in between.
    /// </summary>
    /// <returns>Whether the round reached Redis in full: published, commands read, subscribed; <see langword="false"/> once the fleet stops.</returns>
    internal async Task<bool> TickAsync()
    {
        while (true)
        {
            await LastRound().ConfigureAwait(false);
            if (Heartbeat(_stopping.Token) is { } round)
            {
                return await round.ConfigureAwait(false);
            }

            if (_stopping.IsCancellationRequested)
            {
                await LastRound().ConfigureAwait(false); // a round started as the fleet stopped ends before this says so
                return false;
            }

            // The loop started a round in between: it may have observed the breakers before this tick was asked for, so
            // this tick waits for it and publishes a round of its own.
        }
    }

    private void Observe_NeedsLock()
    {
        foreach (var (name, breaker) in _breakers)
        {
            _coordinator.Observe(name, breaker.GetInfo());
        }
    }

    private void Nudge() => Volatile.Read(ref _nudge).TrySetResult();
}
