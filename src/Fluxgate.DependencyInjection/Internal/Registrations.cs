using Microsoft.Extensions.Options;

namespace Fluxgate.DependencyInjection;

/// <summary>What one <c>AddCircuitBreakers(section)</c> call found, kept for the start-up check.</summary>
/// <param name="Path">The section's path, e.g. <c>Fluxgate</c>.</param>
/// <param name="Exists">Whether the section has any value or child.</param>
/// <param name="UnknownChildren">Children of the section other than <c>Breakers</c> and <c>Fleet</c>.</param>
/// <param name="Breakers">The names under <c>Breakers</c>.</param>
/// <param name="LooksLikeBreakers">Whether the children themselves look like breakers (the <c>Breakers</c> section given by mistake).</param>
internal sealed record ConfigurationSourceFacts(string Path, bool Exists, string[] UnknownChildren, string[] Breakers, bool LooksLikeBreakers);

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
/// The options factory of breakers: each instance starts from the <see cref="CircuitBreakerRegistration.StartingValues"/> of its name (matched ignoring
/// case), then the configure actions run in registration order. Starting values cannot be a configure action, which would
/// run after any registered before it and overwrite a configuration section's values.
/// </summary>
internal sealed class CircuitBreakerOptionsFactory(
    IEnumerable<IConfigureOptions<CircuitBreakerOptions>> setups,
    IEnumerable<IPostConfigureOptions<CircuitBreakerOptions>> postConfigures,
    IEnumerable<IValidateOptions<CircuitBreakerOptions>> validations,
    IEnumerable<CircuitBreakerRegistration> registrations)
    : OptionsFactory<CircuitBreakerOptions>(setups, postConfigures, validations)
{
    private readonly CircuitBreakerRegistration[] _starts = [.. registrations.Where(r => r.StartingValues is not null)];

    protected override CircuitBreakerOptions CreateInstance(string name)
    {
        var options = base.CreateInstance(name);
        foreach (var start in _starts)
        {
            if (string.Equals(start.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                start.StartingValues!(options);
            }
        }

        return options;
    }
}
