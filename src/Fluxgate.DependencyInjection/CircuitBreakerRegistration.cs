namespace Fluxgate.DependencyInjection;

/// <summary>
/// A breaker that an integration registers with the container's <see cref="CircuitBreakerRegistry"/> (an HTTP client's
/// breaker, for example): its name, who registered it, the starting values of its options, and whether the registry keeps
/// one breaker of that name or only makes breakers from its options on demand.
/// </summary>
/// <remarks>
/// Registered with <c>AddCircuitBreaker(registration)</c>. Applications usually call <c>AddCircuitBreaker(name, configure)</c>
/// or <c>AddCircuitBreakers(section)</c> instead, which make their registrations themselves.
/// </remarks>
public sealed class CircuitBreakerRegistration
{
    /// <summary>Creates a registration of the breaker <paramref name="name"/>.</summary>
    /// <param name="name">The breaker's name and key (for a template, the name of the options breakers are made from on demand).</param>
    /// <param name="registeredBy">Who registered it, as the start-up warnings name it, e.g. <c>HTTP client 'payments'</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> or <paramref name="registeredBy"/> is null, empty or blank.</exception>
    public CircuitBreakerRegistration(string name, string registeredBy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(registeredBy);
        Name = name;
        RegisteredBy = registeredBy;
    }

    /// <summary>Gets the breaker's name.</summary>
    public string Name { get; }

    /// <summary>Gets who registered the breaker, as the start-up warnings name it.</summary>
    public string RegisteredBy { get; }

    /// <summary>
    /// Gets the starting values of the breaker's options (an integration's defaults, such as the HTTP rules): applied before
    /// every configure action and configuration section of the same name, which override them whatever the order of
    /// registration. <see langword="null"/> starts from <see cref="CircuitBreakerOptions"/>'s defaults.
    /// </summary>
    public Action<CircuitBreakerOptions>? StartingValues { get; init; }

    /// <summary>
    /// Gets whether the name only templates breakers made on demand (per-authority HTTP breakers), asked once when the
    /// container builds the registry: then the registry keeps no breaker of this name, whatever other registrations of
    /// the name say. <see langword="null"/>: it keeps one.
    /// </summary>
    public Func<IServiceProvider, bool>? IsTemplate { get; init; }

    /// <summary>Gets whether a configuration section made this registration (it needs no section of its own).</summary>
    internal bool FromConfiguration { get; init; }
}
