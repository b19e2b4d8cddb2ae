namespace Fluxgate.DependencyInjection;

/// <summary>Settings of the <see cref="CircuitBreakerRegistry"/>.</summary>
public sealed class CircuitBreakerRegistryOptions
{
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how long a breaker created by <see cref="CircuitBreakerRegistry.GetOrAdd"/> may go unrequested before it is evicted (only while closed).</summary>
    /// <value>The default value is 10 minutes. Must be positive, or <see cref="Timeout.InfiniteTimeSpan"/> to never evict.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, or negative other than infinite.</exception>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set
        {
            if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(IdleTimeout), value, "Must be greater than zero, or Timeout.InfiniteTimeSpan.");
            }

            _idleTimeout = value;
        }
    }

    /// <summary>Gets or sets whether every breaker the registry creates gets a <see cref="Logging.LogListener"/> on the container's <c>ILoggerFactory</c> (category <c>Fluxgate.CircuitBreaker</c>), which also logs listener failures.</summary>
    /// <value>The default value is <see langword="true"/>; nothing is added when no <c>ILoggerFactory</c> is registered.</value>
    public bool AddLogListener { get; set; } = true;

    /// <summary>Gets or sets a callback told of each evicted breaker, e.g. to drop its Prometheus series.</summary>
    /// <value>The default value is <see langword="null"/>. Exceptions it throws are logged and swallowed.</value>
    public Action<CircuitBreaker>? OnEvicted { get; set; }
}
