using Microsoft.Extensions.Options;

namespace Fluxgate.DependencyInjection;

/// <summary>Who asked for a breaker: code (<c>AddCircuitBreaker</c>), configuration (<c>AddCircuitBreakers</c>) or an HTTP client.</summary>
internal enum RegistrationSource
{
    Code,
    Configuration,
    HttpClient,
}

/// <summary>A breaker registered with the container, collected by the registry when the container builds it.</summary>
/// <param name="Name">The breaker's name (for an HTTP client with per-authority breakers, the template's).</param>
/// <param name="Source">Who registered it.</param>
/// <param name="ClientName">The HTTP client's name, for <see cref="RegistrationSource.HttpClient"/>.</param>
internal sealed record CircuitBreakerRegistration(string Name, RegistrationSource Source, string? ClientName = null);

/// <summary>What one <c>AddCircuitBreakers(section)</c> call found, kept for the start-up check.</summary>
/// <param name="Path">The section's path, e.g. <c>Fluxgate</c>.</param>
/// <param name="Exists">Whether the section has any value or child.</param>
/// <param name="UnknownChildren">Children of the section other than <c>Breakers</c> and <c>Fleet</c>.</param>
/// <param name="Breakers">The names under <c>Breakers</c>.</param>
/// <param name="LooksLikeBreakers">Whether the children themselves look like breakers (the <c>Breakers</c> section given by mistake).</param>
internal sealed record ConfigurationSourceFacts(string Path, bool Exists, string[] UnknownChildren, string[] Breakers, bool LooksLikeBreakers);

/// <summary>Starting values of a breaker's options, applied before every configure action (the HTTP rules of an HTTP client's breaker).</summary>
internal sealed record CircuitBreakerBaseOptions(string Name, Action<CircuitBreakerOptions> Apply);

/// <summary>Configures the named options of one breaker; the name matches ignoring case, as configuration keys do.</summary>
internal sealed class ConfigureBreakerOptions(string name, Action<CircuitBreakerOptions> action) : IConfigureNamedOptions<CircuitBreakerOptions>
{
    public void Configure(string? name1, CircuitBreakerOptions options)
    {
        if (string.Equals(name1, name, StringComparison.OrdinalIgnoreCase))
        {
            action(options);
        }
    }

    public void Configure(CircuitBreakerOptions options) => Configure(Options.DefaultName, options);
}

/// <summary>
/// The options factory of breakers: each instance starts from its <see cref="CircuitBreakerBaseOptions"/> (matched ignoring
/// case), then the configure actions run in registration order. Starting values cannot be a configure action, which would
/// run after any registered before it and overwrite a configuration section's values.
/// </summary>
internal sealed class CircuitBreakerOptionsFactory(
    IEnumerable<IConfigureOptions<CircuitBreakerOptions>> setups,
    IEnumerable<IPostConfigureOptions<CircuitBreakerOptions>> postConfigures,
    IEnumerable<IValidateOptions<CircuitBreakerOptions>> validations,
    IEnumerable<CircuitBreakerBaseOptions> baseOptions)
    : OptionsFactory<CircuitBreakerOptions>(setups, postConfigures, validations)
{
    private readonly CircuitBreakerBaseOptions[] _baseOptions = [.. baseOptions];

    protected override CircuitBreakerOptions CreateInstance(string name)
    {
        var options = base.CreateInstance(name);
        foreach (var start in _baseOptions)
        {
            if (string.Equals(start.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                start.Apply(options);
            }
        }

        return options;
    }
}
