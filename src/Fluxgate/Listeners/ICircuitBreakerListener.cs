namespace Fluxgate;

/// <summary>Receives a breaker's state transitions, and the failures it contained, synchronously.</summary>
/// <remarks>
/// Each listener sees every transition of a breaker exactly once, in the order they happened. It runs on
/// the thread of the call that caused the transition, before that call returns, unless another thread is
/// already delivering earlier transitions; that thread then delivers this one too, in order. It must not
/// block for long: use <see cref="IAsyncCircuitBreakerListener"/> for I/O. An exception it throws is
/// reported to the other listeners (<see cref="OnFailure"/>) and never reaches the caller.
/// Calling back into the breaker is allowed: a transition it causes is delivered after the current one.
/// </remarks>
public interface ICircuitBreakerListener
{
    /// <summary>Called once per transition.</summary>
    /// <param name="signal">The transition.</param>
    void OnStateChanged(Signal signal);

    /// <summary>
    /// Called when the breaker contained a failure: one of its parts or another listener threw or timed out, the meter's
    /// listeners threw, or probes begun with <see cref="CircuitBreaker.BeginCall"/> were never reported. The one channel
    /// for failures: the logging listener logs them, the meter counts them. Does nothing unless implemented.
    /// </summary>
    /// <param name="failure">What failed, and what the breaker did instead.</param>
    /// <remarks>Called on the thread that met the failure, outside the breaker's lock; a listener is never told of its own failure. An exception thrown here is swallowed: nothing is left to report it to.</remarks>
    void OnFailure(CircuitBreakerFailure failure)
    {
    }
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
