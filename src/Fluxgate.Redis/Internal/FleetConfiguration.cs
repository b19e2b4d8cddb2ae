using System.Globalization;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Fluxgate.Redis.Internal;

/// <summary>The fleet as a configuration section describes it, read and checked with errors that name the key, the value and the rule.</summary>
internal sealed record FleetConfiguration(ConfigurationOptions Connection, CircuitBreakerFleetOptions Options, string[]? Breakers, bool JoinOnDemandBreakers, int MaxOnDemandBreakers)
{
    public const int DefaultMaxOnDemandBreakers = 100;

    private const int MaxMaxOnDemandBreakers = 10_000;

    /// <summary>The keys of the section, matched ignoring case.</summary>
    internal static readonly string[] Keys =
        ["ConnectionString", "Application", "ReplicaId", "HeartbeatInterval", "ReplicaTimeout", "QuorumMinimum", "QuorumFraction", "Breakers", "JoinOnDemandBreakers", "MaxOnDemandBreakers"];

    /// <summary>Reads <paramref name="section"/>.</summary>
    /// <exception cref="InvalidOperationException">A key is unknown or a value invalid: the message names the path, the value and what is accepted.</exception>
    public static FleetConfiguration Read(IConfiguration section)
    {
        var path = section is IConfigurationSection named ? named.Path : "(root)";
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw Error(child.Path, null, $"unknown key; expected one of {string.Join(", ", Keys)}");
            }
        }

        if (string.IsNullOrWhiteSpace(section["ConnectionString"]))
        {
            throw Error($"{path}:ConnectionString", null, "required: a StackExchange.Redis configuration string such as 'localhost:6379'");
        }

        if (string.IsNullOrWhiteSpace(section["Application"]))
        {
            throw Error($"{path}:Application", null, "required: the name shared by the replicas of one application (letters, digits, '.', '_', '-')");
        }

        var options = new CircuitBreakerFleetOptions();
        ConfigurationOptions? connection = null;

        // The connection string is never quoted back: it may hold a password. The client's message names the bad option.
        Set(section, "ConnectionString", text => connection = FleetConnectionString.Parse(text, "ConnectionString"), quoteValue: false);
        Set(section, "Application", text => options.Application = text);
        Set(section, "ReplicaId", text => options.ReplicaId = text);
        Set(section, "HeartbeatInterval", text => options.HeartbeatInterval = DurationText.Parse(text));
        Set(section, "ReplicaTimeout", text => options.ReplicaTimeout = DurationText.Parse(text));
        Set(section, "QuorumMinimum", text => options.QuorumMinimum = int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture));
        Set(section, "QuorumFraction", text => options.QuorumFraction = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        var join = false;
        Set(section, "JoinOnDemandBreakers", text => join = bool.Parse(text));
        var max = DefaultMaxOnDemandBreakers;
        Set(section, "MaxOnDemandBreakers", text =>
        {
            max = int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
            if (max is < 1 or > MaxMaxOnDemandBreakers)
            {
                throw new ArgumentOutOfRangeException(nameof(text), max, string.Create(CultureInfo.InvariantCulture, $"Must be from 1 to {MaxMaxOnDemandBreakers:N0}."));
            }
        });

        var timeout = section.GetSection("ReplicaTimeout");
        try
        {
            options.Validate();
        }
        catch (ArgumentException exception)
        {
            throw Error(timeout.Value is null ? $"{path}:HeartbeatInterval" : timeout.Path, timeout.Value ?? section["HeartbeatInterval"], FirstLine(exception));
        }

        var list = section.GetSection("Breakers");
        string[]? breakers = null;
        if (list.Value is { } single)
        {
            breakers = [.. single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }
        else if (list.GetChildren().Any())
        {
            breakers = [.. list.GetChildren().Select(c => c.Value ?? throw Error(c.Path, null, "expected a breaker's name"))];
        }

        return new FleetConfiguration(connection!, options, breakers, join, max);
    }

    private static void Set(IConfiguration section, string key, Action<string> apply, bool quoteValue = true)
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
            throw Error(child.Path, quoteValue ? text : null, FirstLine(exception));
        }
    }

    /// <summary>The rule of an exception's message, without the framework's "(Parameter …)" and "Actual value" lines.</summary>
    private static string FirstLine(Exception exception) => exception.Message.Split(" (Parameter", 2)[0].Split('\n', 2)[0].Trim();

    private static InvalidOperationException Error(string path, string? value, string rule)
    {
        var sentence = rule.EndsWith('.') ? rule : rule + ".";
        return new(value is null ? $"Fluxgate fleet configuration, '{path}': {sentence}" : $"Fluxgate fleet configuration, '{path}' = '{value}': {sentence}");
    }
}
