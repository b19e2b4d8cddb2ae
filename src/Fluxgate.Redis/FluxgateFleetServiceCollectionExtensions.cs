using Fluxgate;
using Fluxgate.Redis;
using Fluxgate.Redis.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers this replica's <see cref="CircuitBreakerFleet"/> in a container, started and stopped with the host, and joins the container's breakers to it.</summary>
public static class FluxgateFleetServiceCollectionExtensions
{
    /// <summary>
    /// Registers the fleet described by <paramref name="section"/> (usually <c>Fluxgate:Fleet</c>): when the host starts, it
    /// joins the breakers registered by <c>AddCircuitBreaker</c>/<c>AddCircuitBreakers</c> (all of them, or those listed in
    /// <c>Breakers</c>) and starts without waiting for Redis; when the host stops, it tells the other replicas it left.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section: <c>ConnectionString</c> and <c>Application</c> (required); <c>ReplicaId</c>,
    /// <c>HeartbeatInterval</c> and <c>ReplicaTimeout</c> (durations such as <c>500ms</c>, <c>1s</c>, <c>2m</c>),
    /// <c>QuorumMinimum</c>, <c>QuorumFraction</c>, <c>Breakers</c> (a list of names), <c>JoinOnDemandBreakers</c> and
    /// <c>MaxOnDemandBreakers</c>.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <remarks>
    /// The section is validated when the host starts (<c>ValidateOnStart</c>), or when the fleet is first resolved: an unknown
    /// key, an invalid value or a listed breaker that is not registered stops it with an <see cref="OptionsValidationException"/>
    /// whose failures each name the key's path (<c>Fluxgate:Fleet:ReplicaTimeout</c>), the value and the rule, as the breakers'
    /// configuration errors do. The container's <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/> (category <c>Fluxgate.Redis</c>) are used.
    /// </remarks>
    public static IServiceCollection AddCircuitBreakerFleet(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<FleetSection>().Configure(o => o.Configuration = section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FleetSection>, FleetSectionValidator>());
        return services.AddFleet(provider =>
        {
            // Throws the validation's errors when the host did not validate on start (a container built by hand).
            _ = provider.GetRequiredService<IOptions<FleetSection>>().Value;
            return FleetConfiguration.Read(section, []) ?? throw new InvalidOperationException("The fleet's section changed after it was validated.");
        });
    }

    /// <summary>Registers the fleet reached through <paramref name="connectionString"/>, joining every breaker of the container's registry when the host starts.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">A StackExchange.Redis configuration string (user, password and TLS pass through; never logged).</param>
    /// <param name="configure">Sets the options (application, quorum, heartbeat); a logger or clock set here is kept.</param>
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
            return new FleetConfiguration(FleetConnectionString.Parse(connectionString, nameof(connectionString)), options, null, false, FleetConfiguration.DefaultMaxOnDemandBreakers);
        });
    }

    private static IServiceCollection AddFleet(this IServiceCollection services, Func<IServiceProvider, FleetConfiguration> describe)
    {
        services.TryAddSingleton(provider =>
        {
            var described = describe(provider);
            var options = described.Options;
            if (!options.HasTimeProvider && provider.GetService<TimeProvider>() is { } clock)
            {
                options.TimeProvider = clock;
            }

            if (!options.HasLogger && provider.GetService<ILoggerFactory>() is { } loggers)
            {
                options.Logger = loggers.CreateLogger("Fluxgate.Redis");
            }

            // Everything was validated before the fleet exists (the section's breakers included), so an error leaves nothing behind.
            var registry = provider.GetService<CircuitBreakerRegistry>();
            var names = described.Breakers;
            var fleet = new CircuitBreakerFleet(described.Connection, options);
            foreach (var breaker in registry?.Breakers ?? [])
            {
                if (names is null || names.Contains(breaker.Name, StringComparer.OrdinalIgnoreCase))
                {
                    fleet.Join(breaker);
                }
            }

            if (described.JoinOnDemandBreakers && registry is not null)
            {
                OnDemandJoiner.Attach(registry, fleet, described.MaxOnDemandBreakers, options.Logger);
            }

            return fleet;
        });
        services.AddHostedService(static provider => new FleetService(provider.GetRequiredService<CircuitBreakerFleet>()));
        return services;
    }

    /// <summary>Starts the fleet with the host (at once: the breakers work alone until Redis answers) and stops it with the host (announcing the departure).</summary>
    private sealed class FleetService(CircuitBreakerFleet fleet) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => fleet.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => fleet.StopAsync(cancellationToken);
    }

    /// <summary>Joins the breakers the registry creates on demand (per authority, per tenant) as they come and go, up to a bound.</summary>
    private sealed class OnDemandJoiner(CircuitBreakerFleet fleet, int max, ILogger logger)
    {
        private int _joined;
        private int _refusedLogged;

        public static void Attach(CircuitBreakerRegistry registry, CircuitBreakerFleet fleet, int max, ILogger logger)
        {
            var joiner = new OnDemandJoiner(fleet, max, logger);
            registry.BreakerAdded += joiner.OnAdded;
            registry.BreakerRemoved += joiner.OnRemoved;
        }

        private void OnAdded(object? sender, CircuitBreakerEventArgs e)
        {
            if (fleet.IsDisposed)
            {
                return;
            }

            if (Interlocked.Increment(ref _joined) > max)
            {
                Interlocked.Decrement(ref _joined);
                if (Interlocked.Exchange(ref _refusedLogged, 1) == 0)
                {
                    Log.OnDemandLimit(logger, max, e.Breaker.Name);
                }

                return;
            }

            fleet.Join(e.Breaker);
        }

        private void OnRemoved(object? sender, CircuitBreakerEventArgs e)
        {
            if (fleet.Leave(e.Breaker))
            {
                Interlocked.Decrement(ref _joined);
            }
        }
    }
}
