using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Fluxgate.DependencyInjection;

/// <summary>Applies one breaker's configuration section (<c>Fluxgate:Breakers:&lt;name&gt;</c>) to options.</summary>
internal static class CircuitBreakerConfiguration
{
    // Errors of a reload cannot be thrown from a configure action: IOptionsMonitor runs it on the thread that
    // reloads the configuration (a file watcher). They are attached to the options instead, for the registry
    // to log while the breaker keeps its settings.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CircuitBreakerOptions, CircuitBreakerConfigurationException> s_errors = [];

    /// <summary>The keys of a breaker's section, matched ignoring case as <c>IConfiguration</c> matches keys.</summary>
    public static readonly string[] Keys = ["Window", "Tracker", "Tripper", "Retry", "Permit", "MaxHalfOpenCalls"];

    /// <summary>Applies <paramref name="section"/> for an options pipeline: an error is attached to the options, not thrown.</summary>
    public static void ApplyOrRecord(IConfigurationSection section, CircuitBreakerOptions options)
    {
        try
        {
            Apply(section, options);
        }
        catch (CircuitBreakerConfigurationException exception)
        {
            s_errors.AddOrUpdate(options, exception);
        }
    }

    /// <summary>Throws the error <see cref="ApplyOrRecord"/> attached to <paramref name="options"/>, if any.</summary>
    public static void ThrowIfInvalid(CircuitBreakerOptions options)
    {
        if (s_errors.TryGetValue(options, out var exception))
        {
            throw exception;
        }
    }

    /// <summary>Sets the options from the keys present in <paramref name="section"/>; absent keys keep their values.</summary>
    /// <exception cref="CircuitBreakerConfigurationException">A key is unknown or a value is invalid.</exception>
    public static void Apply(IConfigurationSection section, CircuitBreakerOptions options)
    {
        var name = section.Key;
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new CircuitBreakerConfigurationException(name, child.Key, child.Path, $"Unknown key; expected one of {string.Join(", ", Keys)}.", null);
            }

            if (child.Value is null)
            {
                throw new CircuitBreakerConfigurationException(name, child.Key, child.Path, "Expected a string value, found a section.", null);
            }
        }

        options.Name = name;
        Read(section, "Window", options, static (o, v) => o.Window = Window.Parse(v));
        Read(section, "Tracker", options, static (o, v) => o.Tracker = Tracker.Parse(v));
        Read(section, "Tripper", options, static (o, v) => o.Tripper = Tripper.Parse(v));
        Read(section, "Retry", options, static (o, v) => o.Retry = Retry.Parse(v));
        Read(section, "Permit", options, static (o, v) => o.Permit = Permit.Parse(v));

        var max = section.GetSection("MaxHalfOpenCalls");
        if (max.Value is { } text)
        {
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) || count < 1)
            {
                throw new CircuitBreakerConfigurationException(name, max.Key, max.Path, $"Expected a whole number of at least 1, found '{text}'.", null);
            }

            options.MaxHalfOpenCalls = count;
        }
    }

    private static void Read(IConfigurationSection section, string key, CircuitBreakerOptions options, Action<CircuitBreakerOptions, string> apply)
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
            throw new CircuitBreakerConfigurationException(section.Key, child.Key, child.Path, exception.Message, value, exception);
        }
    }
}
