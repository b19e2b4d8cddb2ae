using Fluxgate;
using Fluxgate.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Fluxgate circuit breakers with the container.</summary>
public static class FluxgateServiceCollectionExtensions
{
    /// <summary>
    /// Registers a breaker named <paramref name="name"/>, resolvable as <c>GetRequiredKeyedService&lt;CircuitBreaker&gt;(name)</c>
    /// and through the container's <see cref="CircuitBreakerRegistry"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The breaker's name and key. Names are matched ignoring case, as configuration keys are.</param>
    /// <param name="configure">Configures its options, after any configuration section of the same name (<see cref="AddCircuitBreakers"/>); run again when the options reload.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or blank.</exception>
    /// <remarks>The container's <see cref="TimeProvider"/> replaces the system clock, and the breaker logs through the container's <c>ILoggerFactory</c> (category <c>Fluxgate.CircuitBreaker</c>) when one is registered.</remarks>
    public static IServiceCollection AddCircuitBreaker(this IServiceCollection services, string name, Action<CircuitBreakerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSingleton<IConfigureOptions<CircuitBreakerOptions>>(new ConfigureBreakerOptions(name, configure));
        return services.AddCircuitBreaker(new CircuitBreakerRegistration(name, "registered with AddCircuitBreaker"));
    }

    /// <summary>
    /// Names an exception type that configuration's trackers may name (<c>"Tracker": "TypeOf(MyApp.PaymentDeclinedException)"</c>):
    /// it is then found without reflection, as a trimmed or Native AOT application needs (where reflection may not find a
    /// type by name). An application that is not trimmed needs no registration.
    /// </summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddCircuitBreakerExceptionType<TException>(this IServiceCollection services)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(new ExceptionTypeRegistration(typeof(TException)));
        return services;
    }

    /// <summary>
    /// Registers a breaker as an integration describes it (an HTTP client's breaker): resolvable as
    /// <c>GetRequiredKeyedService&lt;CircuitBreaker&gt;(name)</c> and through the container's <see cref="CircuitBreakerRegistry"/>,
    /// its options starting from <see cref="CircuitBreakerRegistration.StartingValues"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="registration">The breaker's registration.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="registration"/> is <see langword="null"/>.</exception>
    /// <remarks>Configure its options with <see cref="AddCircuitBreaker(IServiceCollection, string, Action{CircuitBreakerOptions})"/> or a configuration section of the same name.</remarks>
    public static IServiceCollection AddCircuitBreaker(this IServiceCollection services, CircuitBreakerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(registration);
        services.AddCircuitBreakerRegistry();
        services.AddSingleton(registration);
        if (!services.Any(d => d.IsKeyedService && d.ServiceType == typeof(CircuitBreaker) && Equals(d.ServiceKey, registration.Name)))
        {
            services.AddKeyedSingleton(registration.Name, static (sp, key) => sp.GetRequiredService<CircuitBreakerRegistry>().Get((string)key!));
        }

        return services;
    }

    /// <summary>
    /// Registers a breaker for each child of <paramref name="section"/>'s <c>Breakers</c> section, keyed by its name, with
    /// components written like the C# factories (<c>"Tripper": "MinRequests(20) &amp; FailureRate(0.5)"</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The <c>Fluxgate</c> section: <c>{ "Breakers": { "payment_api": { "Window": "Count(100)", … } } }</c>.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// <para>
    /// Keys of a breaker: <c>Window</c>, <c>Tracker</c>, <c>Tripper</c>, <c>Retry</c>, <c>Permit</c> (expressions, see
    /// <see cref="Tripper.Parse"/>), <c>MaxHalfOpenCalls</c> and <c>MeasureDurations</c> (<c>true</c> or <c>false</c>, see
    /// <see cref="CircuitBreakerOptions.MeasureDurations"/>). Keys and breaker names are matched ignoring case, as
    /// everywhere in .NET configuration: <c>FLUXGATE__BREAKERS__PAYMENTS__WINDOW</c> configures the breaker <c>payments</c>.
    /// Every value is validated when the host starts (<c>ValidateOnStart</c>), and whenever a breaker's options are made: an
    /// unknown key or an invalid value is an <see cref="OptionsValidationException"/> whose failures each name the key's path,
    /// its value and the rule (<c>Fluxgate configuration, 'Fluxgate:Breakers:payments:Tripper' = '…': …</c>).
    /// </para>
    /// <para>
    /// At start-up (or when the registry is first built) warnings are logged for a section that is missing or empty, a key
    /// of the section other than <c>Breakers</c> (and <c>Fleet</c>), and a breaker registered in code or by an HTTP client
    /// that no section describes. On reload, each breaker is reconfigured with its new values, keeping its state; an invalid
    /// reload is logged and ignored. Breakers added to the configuration later need a restart.
    /// </para>
    /// </remarks>
    public static IServiceCollection AddCircuitBreakers(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var breakers = section.GetSection("Breakers").GetChildren().ToList();
        services.AddSingleton(Facts(section, breakers));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CircuitBreakerOptions>, BreakerSectionValidator>());
        foreach (var breaker in breakers)
        {
            // Read on every creation (and reload); checked by the validator, at start-up rather than at first use.
            services.AddSingleton(new BreakerSection(breaker));
            services.AddOptions<CircuitBreakerOptions>(breaker.Key).ValidateOnStart();
            services.AddSingleton<IConfigureOptions<CircuitBreakerOptions>>(sp =>
            {
                var exceptionTypes = sp.GetServices<ExceptionTypeRegistration>().Select(r => r.Type).ToArray();
                return new ConfigureBreakerOptions(breaker.Key, options => CircuitBreakerConfiguration.Apply(breaker, options, exceptionTypes));
            });
            services.AddCircuitBreaker(new CircuitBreakerRegistration(breaker.Key, "configured") { FromConfiguration = true });
        }

        return services.AddCircuitBreakerRegistry();
    }

    /// <summary>Registers the container's <see cref="CircuitBreakerRegistry"/> (the other methods do too) and configures it.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures idle eviction and the eviction callback. <see cref="CircuitBreakerRegistryOptions.OptionsFactory"/> is the container's: breakers' options come from the options system.</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddCircuitBreakerRegistry(this IServiceCollection services, Action<CircuitBreakerRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CircuitBreakerRegistryOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CircuitBreakerRegistryOptions>, ConfigurationCheck>());
        services.TryAddTransient<IOptionsFactory<CircuitBreakerOptions>, CircuitBreakerOptionsFactory>();
        services.TryAddSingleton(static sp => new RegistryHost(sp));
        services.TryAddSingleton(static sp => sp.GetRequiredService<RegistryHost>().Registry);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }

    private static ConfigurationSourceFacts Facts(IConfiguration section, List<IConfigurationSection> breakers)
    {
        var children = section.GetChildren().ToList();
        var path = section is IConfigurationSection named ? named.Path : "(configuration root)";
        var exists = section is IConfigurationSection withValue ? withValue.Exists() : children.Count > 0;
        string[] known = ["Breakers", "Fleet"];
        var unknown = children.Select(c => c.Key).Where(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase)).ToArray();

        // Given the Breakers section itself, its children are breakers: they hold a breaker's keys.
        var looksLikeBreakers = unknown.Length > 0 && children.Any(c => c.GetChildren().Any(k => CircuitBreakerConfiguration.Keys.Contains(k.Key, StringComparer.OrdinalIgnoreCase)));
        return new ConfigurationSourceFacts(path, exists, unknown, [.. breakers.Select(b => b.Key)], looksLikeBreakers);
    }
}
