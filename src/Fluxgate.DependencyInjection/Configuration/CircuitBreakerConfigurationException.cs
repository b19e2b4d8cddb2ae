namespace Fluxgate.DependencyInjection;

/// <summary>A circuit breaker's configuration section holds a value that cannot be used; the message names the breaker, the key, the position and what was expected.</summary>
public sealed class CircuitBreakerConfigurationException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public CircuitBreakerConfigurationException()
        : this("A circuit breaker's configuration is invalid.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    public CircuitBreakerConfigurationException(string message)
        : base(message)
    {
        BreakerName = string.Empty;
        Key = string.Empty;
        Path = string.Empty;
    }

    /// <summary>Creates an exception with <paramref name="message"/> and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public CircuitBreakerConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        BreakerName = string.Empty;
        Key = string.Empty;
        Path = string.Empty;
    }

    /// <summary>Creates an exception about one key of one breaker.</summary>
    /// <param name="breakerName">The breaker's name (its configuration key).</param>
    /// <param name="key">The offending key, e.g. <c>Tripper</c>.</param>
    /// <param name="path">The configuration path, e.g. <c>Fluxgate:Breakers:payment_api:Tripper</c>.</param>
    /// <param name="problem">What is wrong, ending with a full stop.</param>
    /// <param name="value">The offending value, when there is one.</param>
    /// <param name="innerException">The cause, such as an <see cref="ExpressionException"/>.</param>
    public CircuitBreakerConfigurationException(string breakerName, string key, string path, string problem, string? value, Exception? innerException = null)
        : base($"Circuit breaker '{breakerName}', key '{key}' ({path}): {problem}{(value is null ? string.Empty : $" The value is \"{value}\".")}", innerException)
    {
        BreakerName = breakerName;
        Key = key;
        Path = path;
        Position = (innerException as ExpressionException)?.Position;
    }

    /// <summary>Gets the breaker's name.</summary>
    public string BreakerName { get; }

    /// <summary>Gets the offending key.</summary>
    public string Key { get; }

    /// <summary>Gets the configuration path of the offending key.</summary>
    public string Path { get; }

    /// <summary>Gets the 1-based position of the problem in an expression, when the value is one.</summary>
    public int? Position { get; }
}
