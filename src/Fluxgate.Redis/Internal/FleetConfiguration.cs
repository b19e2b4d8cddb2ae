using System.Globalization;
using Fluxgate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Fluxgate.Redis.Internal;

/// <summary>The fleet as a configuration section describes it, read with errors in the shape of every Fluxgate configuration error (path, value, rule).</summary>
internal sealed record FleetConfiguration(ConfigurationOptions Connection, CircuitBreakerFleetOptions Options, string[]? Breakers, bool JoinOnDemandBreakers, int MaxOnDemandBreakers)
{
    public const int DefaultMaxOnDemandBreakers = 100;

    private const int MaxMaxOnDemandBreakers = 10_000;

    /// <summary>The keys of the section, matched ignoring case.</summary>
    internal static readonly string[] Keys =
        ["ConnectionString", "Application", "ReplicaId", "HeartbeatInterval", "ReplicaTimeout", "QuorumMinimum", "QuorumFraction", "Breakers", "JoinOnDemandBreakers", "MaxOnDemandBreakers"];

    /// <summary>Reads <paramref name="section"/>, adding what is wrong with it to <paramref name="errors"/>.</summary>
    /// <returns>The fleet described, or <see langword="null"/> when an error was added.</returns>
    public static FleetConfiguration? Read(IConfiguration section, List<string> errors)
    {
        var before = errors.Count;
        var path = section is IConfigurationSection named ? named.Path : "(root)";
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(ConfigurationError.Format(child.Path, null, $"Unknown key; expected one of {string.Join(", ", Keys)}"));
            }
        }

        if (string.IsNullOrWhiteSpace(section["ConnectionString"]))
        {
            errors.Add(ConfigurationError.Format($"{path}:ConnectionString", null, "Required: a StackExchange.Redis configuration string such as 'localhost:6379'"));
        }

        if (string.IsNullOrWhiteSpace(section["Application"]))
        {
            errors.Add(ConfigurationError.Format($"{path}:Application", null, "Required: the name shared by the replicas of one application (letters, digits, '.', '_', '-')"));
        }

        var options = new CircuitBreakerFleetOptions();
        ConfigurationOptions? connection = null;

        // The connection string is never quoted back: it may hold a password. The client's message names the bad option.
        Set(section, "ConnectionString", errors, text => connection = FleetConnectionString.Parse(text, "ConnectionString"), quoteValue: false);
        Set(section, "Application", errors, text => options.Application = text);
        Set(section, "ReplicaId", errors, text => options.ReplicaId = text);
        Set(section, "HeartbeatInterval", errors, text => options.HeartbeatInterval = DurationText.Parse(text));
        Set(section, "ReplicaTimeout", errors, text => options.ReplicaTimeout = DurationText.Parse(text));
        Set(section, "QuorumMinimum", errors, text => options.QuorumMinimum = int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture));
        Set(section, "QuorumFraction", errors, text => options.QuorumFraction = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        var join = false;
        Set(section, "JoinOnDemandBreakers", errors, text => join = bool.Parse(text));
        var max = DefaultMaxOnDemandBreakers;
        Set(section, "MaxOnDemandBreakers", errors, text =>
        {
            max = int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
            if (max is < 1 or > MaxMaxOnDemandBreakers)
            {
                throw new ArgumentOutOfRangeException(nameof(text), max, string.Create(CultureInfo.InvariantCulture, $"Must be from 1 to {MaxMaxOnDemandBreakers:N0}."));
            }
        });

        if (errors.Count == before)
        {
            // The rules between options (a timeout of at least two heartbeats) are checked once each option is valid.
            var timeout = section.GetSection("ReplicaTimeout");
            try
            {
                options.Validate();
            }
            catch (ArgumentException exception)
            {
                errors.Add(ConfigurationError.Format(timeout.Value is null ? $"{path}:HeartbeatInterval" : timeout.Path, timeout.Value ?? section["HeartbeatInterval"], FirstLine(exception)));
            }
        }

        var breakers = BreakerNames(section, errors).Select(b => b.Name).ToArray();
        return errors.Count > before ? null : new FleetConfiguration(connection!, options, section.GetSection("Breakers").Exists() ? breakers : null, join, max);
    }

    /// <summary>The breakers <c>Breakers</c> lists (a comma-separated value or a list), each with the path that names it.</summary>
    public static List<(string Path, string Name)> BreakerNames(IConfiguration section, List<string> errors)
    {
        var list = section.GetSection("Breakers");
        if (list.Value is { } single)
        {
            return [.. single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => (list.Path, name))];
        }

        var names = new List<(string, string)>();
        foreach (var child in list.GetChildren())
        {
            if (child.Value is { } name)
            {
                names.Add((child.Path, name));
            }
            else
            {
                errors.Add(ConfigurationError.Format(child.Path, null, "Expected a breaker's name, found a section"));
            }
        }

        return names;
    }

    private static void Set(IConfiguration section, string key, List<string> errors, Action<string> apply, bool quoteValue = true)
    {
        var child = section.GetSection(key);
        if (child.Value is not { } text)
        {
            return;
        }

        try
        {
            apply(text);
        }
        catch (Exception exception) when (exception is FormatException or OverflowException or ArgumentException)
        {
            errors.Add(ConfigurationError.Format(child.Path, quoteValue ? text : null, FirstLine(exception)));
        }
    }

    /// <summary>The rule of an exception's message, without the framework's "(Parameter …)" and "Actual value" lines.</summary>
    private static string FirstLine(Exception exception) => exception.Message.Split(" (Parameter", 2)[0].Split('\n', 2)[0].Trim();
}

/// <summary>The fleet's configuration section as an options type, so the options system validates it (<c>ValidateOnStart</c>).</summary>
internal sealed class FleetSection
{
    /// <summary>The section; <see langword="null"/> when the fleet is configured in code.</summary>
    public IConfiguration? Configuration { get; set; }
}

/// <summary>
/// Validates the fleet's section when the host starts: its keys and values, and that each breaker <c>Breakers</c> lists is
/// registered. The failures have the shape of every Fluxgate configuration error.
/// </summary>
internal sealed class FleetSectionValidator(IServiceProvider services) : IValidateOptions<FleetSection>
{
    public ValidateOptionsResult Validate(string? name, FleetSection options)
    {
        if (options.Configuration is not { } section)
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        FleetConfiguration.Read(section, errors);
        var listed = FleetConfiguration.BreakerNames(section, []);
        if (listed.Count > 0)
        {
            var registry = (CircuitBreakerRegistry?)services.GetService(typeof(CircuitBreakerRegistry));
            foreach (var (path, breaker) in listed)
            {
                if (registry is null || !registry.TryGet(breaker, out _))
                {
                    errors.Add(ConfigurationError.Format(path, breaker, "No breaker of this name is registered; 'Breakers' lists breakers registered with AddCircuitBreaker or AddCircuitBreakers"));
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
