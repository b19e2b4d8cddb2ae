namespace Fluxgate;

/// <summary>A breaker that a <see cref="CircuitBreakerRegistry"/> added or removed.</summary>
/// <param name="breaker">The breaker.</param>
public sealed class CircuitBreakerEventArgs(CircuitBreaker breaker) : EventArgs
{
    /// <summary>Gets the breaker.</summary>
    public CircuitBreaker Breaker { get; } = breaker ?? throw new ArgumentNullException(nameof(breaker));
}
