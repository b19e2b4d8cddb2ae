using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fluxgate.DependencyInjection;

/// <summary>
/// The start-up check of the configuration: a misnamed <c>Fluxgate</c> section, an unknown key in it, or a breaker the
/// code registers that no section describes are logged as warnings (not errors: an application may configure some
/// breakers in code only, or run an environment without the section).
/// </summary>
/// <remarks>
/// It runs as a validation of <see cref="CircuitBreakerRegistryOptions"/>, registered with <c>ValidateOnStart</c>: the
/// host runs it when it starts, and the registry runs it when the container first builds it. It never fails.
/// </remarks>
internal sealed class ConfigurationCheck(
    IEnumerable<ConfigurationSourceFacts> sources,
    IEnumerable<CircuitBreakerRegistration> registrations,
    IServiceProvider services,
    ILoggerFactory? loggerFactory = null) : IValidateOptions<CircuitBreakerRegistryOptions>
{
    private int _done;

    public ValidateOptionsResult Validate(string? name, CircuitBreakerRegistryOptions options)
    {
        if (loggerFactory is null || Interlocked.Exchange(ref _done, 1) == 1)
        {
            return ValidateOptionsResult.Success;
        }

        var logger = loggerFactory.CreateLogger(Log.Category);
        var facts = sources.ToList();
        foreach (var source in facts)
        {
            if (!source.Exists)
            {
                Log.SectionMissing(logger, source.Path);
                continue;
            }

            foreach (var key in source.UnknownChildren)
            {
                var hint = source.LooksLikeBreakers
                    ? $". '{key}' looks like a breaker: give AddCircuitBreakers the section above 'Breakers', e.g. GetSection(\"Fluxgate\")"
                    : key.StartsWith("Breaker", StringComparison.OrdinalIgnoreCase) ? ". Did you mean 'Breakers'?" : string.Empty;
                Log.UnknownSectionKey(logger, source.Path, key, hint);
            }
        }

        var existing = facts.Where(f => f.Exists).ToList();
        if (existing.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        var configured = new HashSet<string>(existing.SelectMany(f => f.Breakers), StringComparer.OrdinalIgnoreCase);
        var sections = string.Join(" or ", existing.Select(f => $"'{f.Path}:Breakers'"));
        var list = configured.Count == 0 ? "none" : string.Join(", ", configured.Order(StringComparer.OrdinalIgnoreCase));
        foreach (var registration in registrations.Where(r => !r.FromConfiguration).DistinctBy(r => r.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (!configured.Contains(registration.Name))
            {
                Log.NotConfigured(logger, registration.Name, Describe(registration), sections, list);
            }
        }

        return ValidateOptionsResult.Success;
    }

    private string Describe(CircuitBreakerRegistration registration) =>
        registration.IsTemplate?.Invoke(services) == true ? $"{registration.RegisteredBy}, the template of breakers made on demand" : registration.RegisteredBy;
}
