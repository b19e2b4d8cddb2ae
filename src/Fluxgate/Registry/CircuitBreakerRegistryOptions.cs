namespace Fluxgate;

/// <summary>The settings of a <see cref="CircuitBreakerRegistry"/>: where breakers' options come from, and when idle on-demand breakers go.</summary>
public sealed class CircuitBreakerRegistryOptions
{
    private Func<string, CircuitBreakerOptions> _optionsFactory = static _ => new CircuitBreakerOptions();
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(10);
    private TimeProvider _timeProvider = TimeProvider.System;

    /// <summary>Gets or sets how options are made for a name: the breaker's own, or the template it names.</summary>
    /// <value>
    /// The default value makes <c>new CircuitBreakerOptions()</c> for every name. The function must return a new instance
    /// on every call (a window serves one breaker); the registry then sets <see cref="CircuitBreakerOptions.Name"/> to the
    /// breaker's name.
    /// </value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public Func<string, CircuitBreakerOptions> OptionsFactory
    {
        get => _optionsFactory;
        set => _optionsFactory = value ?? throw new ArgumentNullException(nameof(OptionsFactory));
    }

    /// <summary>Gets or sets how long a breaker created on demand (<see cref="CircuitBreakerRegistry.GetOrAdd"/>) may go unrequested before it is evicted, only while closed.</summary>
    /// <value>The default value is 10 minutes. Must be positive, or <see cref="Timeout.InfiniteTimeSpan"/> to never evict.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, or negative other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set
        {
            if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(IdleTimeout), value, "Must be greater than zero, or Timeout.InfiniteTimeSpan to never evict.");
            }

            _idleTimeout = value;
        }
    }

    /// <summary>Gets or sets the clock that measures idleness and runs the eviction timer.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>. The breakers' own clocks come from their options.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set => _timeProvider = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    }

    /// <summary>Gets or sets a callback that hears of exceptions thrown by the handlers of <see cref="CircuitBreakerRegistry.BreakerAdded"/> and <see cref="CircuitBreakerRegistry.BreakerRemoved"/>, which the registry contains.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<CircuitBreaker, Exception>? OnCallbackFailure { get; set; }
}
