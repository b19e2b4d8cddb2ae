using System.Globalization;
using Fluxgate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Fluxgate.DependencyInjection;

/// <summary>Reads one breaker's configuration section (<c>Fluxgate:Breakers:&lt;name&gt;</c>) into options, and says what is wrong with it.</summary>
/// <remarks>
/// Reading never throws: a configure action runs on the thread that reloads the configuration (a file watcher), where an
/// exception would go nowhere. The errors are the validation's (<see cref="BreakerSectionValidator"/>): the options factory
/// throws them as an <see cref="OptionsValidationException"/> at start (<c>ValidateOnStart</c>), when a breaker is created,
/// and on reload (where the registry logs them and the breaker keeps its settings). No state is kept between the two.
/// </remarks>
internal static class CircuitBreakerConfiguration
{
    /// <summary>The keys of a breaker's section, matched ignoring case as <c>IConfiguration</c> matches keys.</summary>
    public static readonly string[] Keys = ["Window", "Tracker", "Tripper", "Retry", "Permit", "MaxHalfOpenCalls", "MeasureDurations"];

    /// <summary>Sets the options from the valid keys present in <paramref name="section"/> (absent or invalid keys keep their values).</summary>
    /// <returns>The errors, each naming the key's path, its value and the rule; empty when the section is valid.</returns>
    /// <param name="section">The breaker's section.</param>
    /// <param name="options">The options to set.</param>
    /// <param name="exceptionTypes">The exception types the application registered (<c>AddCircuitBreakerExceptionType</c>), found by <c>TypeOf(…)</c> without reflection.</param>
    public static List<string> Apply(IConfigurationSection section, CircuitBreakerOptions options, IReadOnlyCollection<Type> exceptionTypes)
    {
        var errors = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(ConfigurationError.Format(child.Path, null, $"Unknown key; expected one of {string.Join(", ", Keys)}"));
            }
            else if (child.Value is null)
            {
                errors.Add(ConfigurationError.Format(child.Path, null, "Expected a string value, found a section"));
            }
        }

        options.Name = section.Key;
        Read(section, "Window", options, errors, static (o, v) => o.Window = Window.Parse(v));
        Read(section, "Tracker", options, errors, (o, v) => o.Tracker = exceptionTypes.Count == 0 ? Tracker.Parse(v) : Tracker.Parse(v, exceptionTypes));
        Read(section, "Tripper", options, errors, static (o, v) => o.Tripper = Tripper.Parse(v));
        Read(section, "Retry", options, errors, static (o, v) => o.Retry = Retry.Parse(v));
        Read(section, "Permit", options, errors, static (o, v) => o.Permit = Permit.Parse(v));

        var max = section.GetSection("MaxHalfOpenCalls");
        if (max.Value is { } text)
        {
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) && count >= 1)
            {
                options.MaxHalfOpenCalls = count;
            }
            else
            {
                errors.Add(ConfigurationError.Format(max.Path, text, "Expected a whole number of at least 1"));
            }
        }

        var measure = section.GetSection("MeasureDurations");
        if (measure.Value is { } flag)
        {
            if (bool.TryParse(flag.Trim(), out var timed))
            {
                // Whether the tripper needs the durations is checked on the finished options (Untimed), which may take
                // their tripper from code.
                options.MeasureDurations = timed;
            }
            else
            {
                errors.Add(ConfigurationError.Format(measure.Path, flag, "Expected true or false"));
            }
        }

        return errors;
    }

    /// <summary>Says why finished options would be refused by the breaker for not timing calls their tripper needs timed; <see langword="null"/> when they would not.</summary>
    /// <param name="section">The breaker's section.</param>
    /// <param name="options">The options after every configure action (configuration and code).</param>
    public static string? Untimed(IConfigurationSection section, CircuitBreakerOptions options)
    {
        if (options.MeasureDurations || !options.Tripper.ReadsDurations())
        {
            return null;
        }

        var measure = section.GetSection("MeasureDurations");
        return ConfigurationError.Format(
            measure.Value is null ? section.Path : measure.Path,
            measure.Value,
            $"The tripper ({options.Tripper}) decides on call durations, which a breaker with MeasureDurations false does not measure; set MeasureDurations to true or use a tripper that reads no durations (no AvgLatency or SlowRate)");
    }

    private static void Read(IConfigurationSection section, string key, CircuitBreakerOptions options, List<string> errors, Action<CircuitBreakerOptions, string> apply)
    {
        var child = section.GetSection(key);
        if (child.Value is not { } value)
        {
            return;
        }

        try
        {
            apply(options, value);
        }
        catch (ExpressionException exception)
        {
            errors.Add(ConfigurationError.Format(child.Path, value, exception.Message));
        }
    }
}

/// <summary>An exception type the application names in configuration (<c>TypeOf(…)</c>), registered so it is found without reflection.</summary>
/// <param name="Type">The exception type.</param>
internal sealed record ExceptionTypeRegistration(Type Type);

/// <summary>A breaker's configuration section, kept for its validation.</summary>
/// <param name="Section">The section, whose key is the breaker's name.</param>
internal sealed record BreakerSection(IConfigurationSection Section);

/// <summary>
/// Validates the named options of every breaker that has a configuration section: the errors of the section (unknown
/// keys, values that do not parse), in the one shape Fluxgate's configuration errors have.
/// </summary>
internal sealed class BreakerSectionValidator(IEnumerable<BreakerSection> sections, IEnumerable<ExceptionTypeRegistration> exceptionTypes) : IValidateOptions<CircuitBreakerOptions>
{
    private readonly BreakerSection[] _sections = [.. sections];
    private readonly Type[] _exceptionTypes = [.. exceptionTypes.Select(r => r.Type)];

    public ValidateOptionsResult Validate(string? name, CircuitBreakerOptions options)
    {
        List<string>? errors = null;
        foreach (var breaker in _sections)
        {
            if (string.Equals(breaker.Section.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                (errors ??= []).AddRange(CircuitBreakerConfiguration.Apply(breaker.Section, new CircuitBreakerOptions(), _exceptionTypes));
                if (errors.Count == 0 && CircuitBreakerConfiguration.Untimed(breaker.Section, options) is { } untimed)
                {
                    // Only on valid sections: the finished options of an invalid one kept some values it did not set.
                    errors.Add(untimed);
                }
            }
        }

        return errors is { Count: > 0 } ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
