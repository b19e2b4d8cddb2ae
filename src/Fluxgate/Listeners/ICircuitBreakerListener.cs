namespace Fluxgate;

/// <summary>Receives a breaker's state transitions synchronously.</summary>
/// <remarks>
/// Each listener sees every transition of a breaker exactly once, in the order they happened. It runs on
/// the thread of the call that caused the transition, before that call returns, unless another thread is
/// already delivering earlier transitions; that thread then delivers this one too, in order. It must not
/// block for long: use <see cref="IAsyncCircuitBreakerListener"/> for I/O. An exception it throws is
/// reported (see <see cref="CircuitBreakerOptions.OnListenerFailure"/>) and never reaches the caller.
/// Calling back into the breaker is allowed: a transition it causes is delivered after the current one.
/// </remarks>
public interface ICircuitBreakerListener
{
    /// <summary>Called once per transition.</summary>
    /// <param name="signal">The transition.</param>
    void OnStateChanged(Signal signal);
}

/// <summary>Receives a breaker's state transitions asynchronously, for listeners that do I/O.</summary>
/// <remarks>
/// Each listener has its own delivery queue: it sees every transition exactly once, in order, one at a time,
/// on the thread pool, without delaying the calls that caused them or the other listeners. A call that
/// runs longer than <see cref="CircuitBreakerOptions.AsyncListenerTimeout"/> has its token cancelled and is
/// reported as failed, and delivery moves on. Exceptions are reported, never thrown to a caller.
/// </remarks>
public interface IAsyncCircuitBreakerListener
{
    /// <summary>Called once per transition.</summary>
    /// <param name="signal">The transition.</param>
    /// <param name="cancellationToken">Cancelled when the delivery times out.</param>
    /// <returns>A task that completes when the listener is done with the signal.</returns>
    ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken);
}

/// <summary>Implemented by a listener that also wants to hear about the failures of the breaker's other listeners (the logging listener logs them).</summary>
public interface IListenerFailureObserver
{
    /// <summary>Called when a listener of the breaker threw, or timed out, while handling a signal.</summary>
    /// <param name="failure">What failed.</param>
    void OnListenerFailure(ListenerFailure failure);
}

/// <summary>A listener's failure to handle a signal.</summary>
/// <param name="CircuitName">The breaker's name.</param>
/// <param name="Listener">The listener that failed.</param>
/// <param name="Signal">The signal it was handling.</param>
/// <param name="Exception">What it threw; a <see cref="TimeoutException"/> when an async listener exceeded <see cref="CircuitBreakerOptions.AsyncListenerTimeout"/>.</param>
public readonly record struct ListenerFailure(string CircuitName, object Listener, Signal Signal, Exception Exception);
