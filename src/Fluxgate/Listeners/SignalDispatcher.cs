namespace Fluxgate;

/// <summary>
/// Delivers one breaker's signals to its listeners: in transition order, exactly once each, isolated
/// from the listeners' failures.
/// </summary>
/// <remarks>
/// Signals are queued under the breaker's lock, so queue order is transition order. Sync listeners are
/// then run by whichever thread wins the single "delivering" flag, outside the breaker's lock: the
/// thread that caused the transition, unless another thread is already delivering, in which case that
/// thread drains the queue. A listener that re-enters the breaker and causes a transition finds the flag
/// taken by its own thread, so its signal is queued and delivered after the current one instead of
/// recursing. Each async listener has its own queue, pumped on the thread pool.
/// </remarks>
internal sealed class SignalDispatcher
{
    private readonly string _circuitName;
    private readonly ICircuitBreakerListener[] _syncListeners;
    private readonly AsyncListenerQueue[] _asyncQueues;
    private readonly BreakerTelemetry _telemetry;
    private readonly Queue<Signal> _pending = new();
    private readonly Queue<CircuitBreakerFailure> _componentFailures = new();
    private volatile bool _hasComponentFailures;
    private int _delivering;

    public SignalDispatcher(string circuitName, CircuitBreakerOptions options, BreakerTelemetry telemetry)
    {
        _circuitName = circuitName;
        _telemetry = telemetry;
        _syncListeners = options.Listeners.SyncListeners();
        var asyncListeners = options.Listeners.AsyncListeners();
        _asyncQueues = asyncListeners.Length == 0 ? [] : [.. asyncListeners.Select(l => new AsyncListenerQueue(this, l, options.AsyncListenerTimeout, options.TimeProvider))];
        telemetry.Dispatcher = this;
    }

    /// <summary>Queues a signal for every listener. Must be called under the breaker's lock.</summary>
    public void Enqueue_NeedsLock(Signal signal)
    {
        if (_syncListeners.Length > 0)
        {
            lock (_pending)
            {
                _pending.Enqueue(signal);
            }
        }

        foreach (var queue in _asyncQueues)
        {
            queue.Enqueue(signal);
        }
    }

    /// <summary>Queues a component failure that happened under the breaker's lock; <see cref="DeliverPending"/> reports it.</summary>
    public void QueueComponentFailure_NeedsLock(CircuitBreakerFailure failure)
    {
        lock (_componentFailures)
        {
            _componentFailures.Enqueue(failure);
            _hasComponentFailures = true;
        }
    }

    /// <summary>Reports a failure of a part (or of the meter's listeners) to the meter and every sync listener. Must be called outside the breaker's lock.</summary>
    public void ReportComponentFailure(CircuitBreakerFailure failure)
    {
        _telemetry.ComponentFailed(failure.Operation);
        Tell(failure, failed: null);
    }

    /// <summary>
    /// Reports queued component failures, then runs the sync listeners on queued signals unless another thread is
    /// already doing so. Must be called outside the breaker's lock.
    /// </summary>
    public void DeliverPending()
    {
        if (_hasComponentFailures)
        {
            ReportQueuedComponentFailures();
        }

        if (_syncListeners.Length == 0)
        {
            return;
        }

        while (Interlocked.CompareExchange(ref _delivering, 1, 0) == 0)
        {
            while (TryDequeue(out var signal))
            {
                foreach (var listener in _syncListeners)
                {
                    try
                    {
                        listener.OnStateChanged(signal);
                    }
#pragma warning disable CA1031 // A listener's failure must never reach the caller; it is reported instead.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        Report(listener, signal, exception);
                    }
                }
            }

            Volatile.Write(ref _delivering, 0);

            // A signal queued after our last dequeue but before the flag was released found the flag taken
            // and left it to us: look once more, and take the flag again if there is work.
            lock (_pending)
            {
                if (_pending.Count == 0)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Completes when every async listener has handled every signal queued so far.</summary>
    public Task WhenAsyncListenersIdle(CancellationToken cancellationToken)
    {
        if (_asyncQueues.Length == 0)
        {
            return Task.CompletedTask;
        }

        var idle = Task.WhenAll(_asyncQueues.Select(q => q.WhenIdle()));
        return cancellationToken.CanBeCanceled ? idle.WaitAsync(cancellationToken) : idle;
    }

    /// <summary>Reports a listener's failure (an exception, or an async listener's timeout) to the meter and the other sync listeners.</summary>
    internal void Report(object listener, Signal signal, Exception exception)
    {
        _telemetry.ListenerFailed();
        var operation = listener is IAsyncCircuitBreakerListener ? ComponentOperations.ListenerOnStateChangedAsync : ComponentOperations.ListenerOnStateChanged;
        Tell(new CircuitBreakerFailure(_circuitName, listener, operation, exception, signal), failed: listener);
    }

    /// <summary>Tells every sync listener but <paramref name="failed"/> (a listener is not told of its own failure).</summary>
    private void Tell(CircuitBreakerFailure failure, object? failed)
    {
        foreach (var listener in _syncListeners)
        {
            if (ReferenceEquals(listener, failed))
            {
                continue;
            }

            try
            {
                listener.OnFailure(failure);
            }
#pragma warning disable CA1031 // A listener's own failure while hearing of a failure: reporting it would loop, and a caller must never see it.
            catch (Exception)
#pragma warning restore CA1031
            {
                // Nothing left to report it to: this is the channel failures are reported through.
            }
        }
    }

    private void ReportQueuedComponentFailures()
    {
        while (true)
        {
            CircuitBreakerFailure? failure;
            lock (_componentFailures)
            {
                if (!_componentFailures.TryDequeue(out failure))
                {
                    _hasComponentFailures = false;
                    return;
                }
            }

            ReportComponentFailure(failure);
        }
    }

    private bool TryDequeue(out Signal signal)
    {
        lock (_pending)
        {
            return _pending.TryDequeue(out signal);
        }
    }

    /// <summary>One async listener's queue: signals are handled one at a time, in order, on the thread pool.</summary>
    private sealed class AsyncListenerQueue(SignalDispatcher owner, IAsyncCircuitBreakerListener listener, TimeSpan timeout, TimeProvider timeProvider)
    {
        private readonly Queue<Signal> _queue = new();
        private bool _running;
        private TaskCompletionSource? _idle;

        public void Enqueue(Signal signal)
        {
            lock (_queue)
            {
                _queue.Enqueue(signal);
                if (_running)
                {
                    return;
                }

                _running = true;
            }

            // Never on the caller's thread: the call that caused the transition does not wait for I/O.
            ThreadPool.UnsafeQueueUserWorkItem(static queue => _ = queue.PumpAsync(), this, preferLocal: false);
        }

        public Task WhenIdle()
        {
            lock (_queue)
            {
                if (!_running)
                {
                    return Task.CompletedTask;
                }

                _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _idle.Task;
            }
        }

        private async Task PumpAsync()
        {
            while (true)
            {
                Signal signal;
                lock (_queue)
                {
                    if (!_queue.TryDequeue(out signal))
                    {
                        _running = false;
                        _idle?.TrySetResult();
                        _idle = null;
                        return;
                    }
                }

                try
                {
                    await DeliverAsync(signal).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // DeliverAsync reports the listener's failures; anything else must not stop the queue either.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    owner.Report(listener, signal, exception);
                }
            }
        }

        private async Task DeliverAsync(Signal signal)
        {
            // The timeout's timer is armed before the listener is called, so it is measured from the call.
            using var cancellation = timeout == Timeout.InfiniteTimeSpan
                ? new CancellationTokenSource()
                : new CancellationTokenSource(timeout, timeProvider);
            Task delivery;
            try
            {
                delivery = listener.OnStateChangedAsync(signal, cancellation.Token).AsTask();
            }
#pragma warning disable CA1031 // Reported, never thrown.
            catch (Exception exception)
            {
                owner.Report(listener, signal, exception);
                return;
            }

            try
            {
                await delivery.WaitAsync(cancellation.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                if (!delivery.IsCompleted)
                {
                    // Abandoned: observe a late fault so it does not surface as an unobserved task exception.
                    _ = delivery.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }

                owner.Report(listener, signal, new TimeoutException($"Listener {listener.GetType().Name} did not handle {signal} within {timeout}."));
            }
            catch (Exception exception)
            {
                owner.Report(listener, signal, exception);
            }
#pragma warning restore CA1031
        }
    }
}
