using Fluxgate;
using Fluxgate.Configuration;
using Fluxgate.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Fluxgate circuit breakers with the container.</summary>
public static class FluxgateServiceCollectionExtensions
{
    /// <summary>
    /// Registers a breaker named <paramref name="name"/>, resolvable as
    /// <c>GetRequiredKeyedService&lt;CircuitBreaker&gt;(name)</c> and through <see cref="CircuitBreakerRegistry"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The breaker's name and key.</param>
    /// <param name="configure">Configures its options (named options <paramref name="name"/>; reloaded options reconfigure the breaker).</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or blank.</exception>
    /// <remarks>The container's <see cref="TimeProvider"/> and <c>ILoggerFactory</c> are used when registered (see <see cref="CircuitBreakerRegistryOptions"/>).</remarks>
    public static IServiceCollection AddCircuitBreaker(this IServiceCollection services, string name, Action<CircuitBreakerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CircuitBreakerOptions>(name).Configure(options =>
        {
            options.Name = name;
            configure(options);
        });
        return services.AddNamedCircuitBreaker(name);
    }

    /// <summary>
    /// Registers a breaker for each child of <paramref name="section"/>'s <c>Breakers</c> section, keyed by its name, with
    /// components written like the C# factories (<c>"Tripper": "MinRequests(20) &amp; FailureRate(0.5)"</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The <c>Fluxgate</c> section: <c>{ "Breakers": { "payment_api": { "Window": "Count(100)", … } } }</c>.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is <see langword="null"/>.</exception>
    /// <exception cref="CircuitBreakerConfigurationException">A key is unknown or a value is invalid; the message names the breaker, the key, the position and what was expected.</exception>
    /// <remarks>
    /// Keys: <c>Window</c>, <c>Tracker</c>, <c>Tripper</c>, <c>Retry</c>, <c>Permit</c> (expressions, see <see cref="ComponentExpression"/>) and
    /// <c>MaxHalfOpenCalls</c>. Every value is checked now, at start-up. On reload, each breaker is reconfigured with its new
    /// values, keeping its state; an invalid reload is logged and ignored. Breakers added to the configuration later need a restart.
    /// </remarks>
    public static IServiceCollection AddCircuitBreakers(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        foreach (var breaker in section.GetSection("Breakers").GetChildren())
        {
            // Fail at start-up, not at first use.
            CircuitBreakerConfiguration.Apply(breaker, new CircuitBreakerOptions());

            services.AddOptions<CircuitBreakerOptions>(breaker.Key).Configure(options => CircuitBreakerConfiguration.ApplyOrRecord(breaker, options));
            services.AddSingleton<IOptionsChangeTokenSource<CircuitBreakerOptions>>(new ConfigurationChangeTokenSource<CircuitBreakerOptions>(breaker.Key, breaker));
            services.AddNamedCircuitBreaker(breaker.Key);
        }

        return services;
    }

    /// <summary>Registers the <see cref="CircuitBreakerRegistry"/> (done by the other methods too) and configures it.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the registry: idle eviction, log listener, eviction callback.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddCircuitBreakerRegistry(this IServiceCollection services, Action<CircuitBreakerRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.TryAddSingleton(static sp => new CircuitBreakerRegistry(sp));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }

    private static IServiceCollection AddNamedCircuitBreaker(this IServiceCollection services, string name)
    {
        services.AddCircuitBreakerRegistry();
        services.AddSingleton(new CircuitBreakerRegistration(name));
        services.AddKeyedSingleton(name, static (sp, key) => sp.GetRequiredService<CircuitBreakerRegistry>().Get((string)key!));
        return services;
    }
}
