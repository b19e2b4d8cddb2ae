namespace Fluxgate;

/// <summary>A breaker of a <see cref="CircuitBreakerRegistry"/> could not be reconfigured and keeps its settings; the inner exception says why.</summary>
public sealed class CircuitBreakerReconfigurationException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public CircuitBreakerReconfigurationException()
        : this("A circuit breaker could not be reconfigured and keeps its settings.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    public CircuitBreakerReconfigurationException(string message)
        : base(message)
    {
        CircuitName = string.Empty;
    }

    /// <summary>Creates an exception with <paramref name="message"/> and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public CircuitBreakerReconfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        CircuitName = string.Empty;
    }

    /// <summary>Creates an exception about the breaker <paramref name="circuitName"/>.</summary>
    /// <param name="circuitName">The breaker that keeps its settings.</param>
    /// <param name="message">The message.</param>
    /// <param name="innerException">Why its new options could not be made or used.</param>
    public CircuitBreakerReconfigurationException(string circuitName, string message, Exception? innerException)
        : base(message, innerException)
    {
        ArgumentNullException.ThrowIfNull(circuitName);
        CircuitName = circuitName;
    }

    /// <summary>Gets the name of the breaker that keeps its settings.</summary>
    public string CircuitName { get; }
}
