using System.Globalization;
using Fluxgate;
using Fluxgate.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers this replica's <see cref="CircuitBreakerFleet"/> in a container and joins the container's breakers to it.</summary>
public static class FluxgateFleetServiceCollectionExtensions
{
    /// <summary>The keys of the fleet's configuration section, matched ignoring case.</summary>
    internal static readonly string[] Keys = ["ConnectionString", "Application", "ReplicaId", "HeartbeatInterval", "ReplicaTimeout", "QuorumMinimum", "QuorumFraction", "Breakers"];

    /// <summary>
    /// Registers the fleet described by <paramref name="section"/> (usually <c>Fluxgate:Fleet</c>): it connects when the host
    /// starts and joins the breakers registered by <c>AddCircuitBreaker</c>/<c>AddCircuitBreakers</c> (all of them, or those
    /// listed in <c>Breakers</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section, with <c>ConnectionString</c> (required), <c>Application</c> (required), and optionally
    /// <c>ReplicaId</c>, <c>HeartbeatInterval</c> and <c>ReplicaTimeout</c> (<c>500ms</c>, <c>1s</c>, <c>2m</c> or <c>00:00:01</c>),
    /// <c>QuorumMinimum</c>, <c>QuorumFraction</c> and <c>Breakers</c> (a list of names).</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>
    /// The section is read when the fleet is first resolved (at the host's start); an unknown key or an invalid value
    /// stops the start with an <see cref="InvalidOperationException"/> that names the key and what it accepts. The
    /// container's <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/> (category <c>Fluxgate.Redis</c>) are used.
    /// </remarks>
    public static IServiceCollection AddCircuitBreakerFleet(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        return services.AddFleet(provider =>
        {
            var (connection, breakers) = Read(section, out var options);
            return (connection, options, breakers);
        });
    }

    /// <summary>Registers the fleet reached through <paramref name="connectionString"/>, joining every breaker of the container's registry.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">A StackExchange.Redis configuration string (user, password and TLS pass through; never logged).</param>
    /// <param name="configure">Sets the options (application, quorum, heartbeat).</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddCircuitBreakerFleet(this IServiceCollection services, string connectionString, Action<CircuitBreakerFleetOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddFleet(_ =>
        {
            var options = new CircuitBreakerFleetOptions();
            configure(options);
            return (connectionString, options, null);
        });
    }

    private static IServiceCollection AddFleet(this IServiceCollection services, Func<IServiceProvider, (string Connection, CircuitBreakerFleetOptions Options, string[]? Breakers)> describe)
    {
        services.TryAddSingleton(provider =>
        {
            var (connectionString, options, names) = describe(provider);
            if (provider.GetService<TimeProvider>() is { } clock && ReferenceEquals(options.TimeProvider, TimeProvider.System))
            {
                options.TimeProvider = clock;
            }

            if (provider.GetService<ILoggerFactory>() is { } loggers)
            {
                options.Logger = loggers.CreateLogger("Fluxgate.Redis");
            }

            // Everything is checked before connecting, so a configuration error leaves no connection behind.
            _ = options.Snapshot();
            var registry = provider.GetService<CircuitBreakerRegistry>();
            var breakers = registry?.Breakers.Where(b => names is null || names.Contains(b.Name, StringComparer.OrdinalIgnoreCase)).ToList() ?? [];
            var missing = names?.Where(n => registry is null || !registry.TryGet(n, out _)).ToList();
            if (missing is { Count: > 0 })
            {
                throw new InvalidOperationException($"Fluxgate fleet: no breaker named {string.Join(", ", missing.Select(n => $"'{n}'"))} is registered; 'Breakers' lists breakers registered with AddCircuitBreaker or AddCircuitBreakers.");
            }

            var configuration = ConfigurationOptions.Parse(connectionString);
            configuration.AbortOnConnectFail = false;

            // A Redis that is down makes this wait for the connection string's connectTimeout (5 s by default), once, at start.
            var fleet = CircuitBreakerFleet.Owning(ConnectionMultiplexer.Connect(configuration), options);
            foreach (var breaker in breakers)
            {
                fleet.Join(breaker);
            }

            return fleet;
        });
        services.AddHostedService<FleetStarter>();
        return services;
    }

    private static (string Connection, string[]? Breakers) Read(IConfiguration section, out CircuitBreakerFleetOptions options)
    {
        var path = section is IConfigurationSection named ? named.Path : "(root)";
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw Error(child.Path, $"unknown key; expected one of {string.Join(", ", Keys)}");
            }
        }

        options = new CircuitBreakerFleetOptions();
        var connection = section["ConnectionString"];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw Error($"{path}:ConnectionString", "required: a StackExchange.Redis configuration string such as 'localhost:6379'");
        }

        if (string.IsNullOrWhiteSpace(section["Application"]))
        {
            throw Error($"{path}:Application", "required: the name shared by the replicas of one application (letters, digits, '.', '_', '-')");
        }

        var target = options;
        Set(section, "Application", text => target.Application = text);
        Set(section, "ReplicaId", text => target.ReplicaId = text);
        Set(section, "HeartbeatInterval", text => target.HeartbeatInterval = Duration(text));
        Set(section, "ReplicaTimeout", text => target.ReplicaTimeout = Duration(text));
        Set(section, "QuorumMinimum", text => target.QuorumMinimum = int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture));
        Set(section, "QuorumFraction", text => target.QuorumFraction = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));

        var list = section.GetSection("Breakers");
        string[]? breakers = null;
        if (list.Value is { } single)
        {
            breakers = [.. single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }
        else if (list.GetChildren().Any())
        {
            breakers = [.. list.GetChildren().Select(c => c.Value ?? throw Error(c.Path, "expected a breaker's name"))];
        }

        return (connection, breakers);
    }

    private static void Set(IConfiguration section, string key, Action<string> apply)
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
            throw Error(child.Path, $"invalid value '{text}': {exception.Message}");
        }
    }

    /// <summary>Reads <c>500ms</c>, <c>1.5s</c>, <c>2m</c>, <c>1h</c> or a <see cref="TimeSpan"/> such as <c>00:00:01</c>.</summary>
    internal static TimeSpan Duration(string text)
    {
        var trimmed = text.Trim();
        (string Suffix, double Milliseconds)[] units = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, milliseconds) in units)
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(trimmed[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && double.IsFinite(value) && value >= 0 && value * milliseconds <= TimeSpan.MaxValue.TotalMilliseconds / 2)
            {
                return TimeSpan.FromMilliseconds(value * milliseconds);
            }
        }

        return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span)
            ? span
            : throw new FormatException("expected a duration such as 500ms, 1s, 2m or 00:00:01");
    }

    private static InvalidOperationException Error(string path, string message) => new($"Fluxgate fleet configuration, '{path}': {message}.");

    /// <summary>Resolves the fleet when the host starts, so it connects and joins before the first request, and configuration errors stop the start.</summary>
    private sealed class FleetStarter(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetRequiredService<CircuitBreakerFleet>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
