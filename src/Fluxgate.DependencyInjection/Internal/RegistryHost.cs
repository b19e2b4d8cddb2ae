using Fluxgate.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Fluxgate.DependencyInjection;

/// <summary>
/// Builds the container's <see cref="CircuitBreakerRegistry"/> from the options system and keeps it in step with it:
/// breakers are made by <see cref="IOptionsFactory{TOptions}"/> (configuration sections, code, HTTP defaults), use the
/// container's <see cref="TimeProvider"/> and log through its <see cref="ILoggerFactory"/>, and are reconfigured when
/// their options reload. Disposed with the container.
/// </summary>
internal sealed class RegistryHost : IDisposable
{
    private readonly ILogger _logger;
    private readonly List<IDisposable> _changeSubscriptions = [];

    public RegistryHost(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IOptionsFactory<CircuitBreakerOptions>>();
        var settings = services.GetRequiredService<IOptions<CircuitBreakerRegistryOptions>>().Value;
        var containerTime = services.GetService<TimeProvider>();
        var loggerFactory = services.GetService<ILoggerFactory>();
        _logger = (ILogger?)loggerFactory?.CreateLogger(Log.Category) ?? NullLogger.Instance;
        var logListener = loggerFactory is null ? null : new LogListener(_logger);

        Registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            OptionsFactory = name =>
            {
                var options = factory.Create(name); // validated: an invalid section throws OptionsValidationException
                if (containerTime is not null && ReferenceEquals(options.TimeProvider, TimeProvider.System))
                {
                    options.TimeProvider = containerTime;
                }

                if (logListener is not null)
                {
                    options.Listeners.Add(logListener);
                }

                return options;
            },
            IdleTimeout = settings.IdleTimeout,
            TimeProvider = containerTime is not null && ReferenceEquals(settings.TimeProvider, TimeProvider.System) ? containerTime : settings.TimeProvider,
            OnCallbackFailure = (breaker, exception) =>
            {
                Log.EvictionCallbackFailed(_logger, exception, breaker.Name);
                settings.OnCallbackFailure?.Invoke(breaker, exception);
            },
        });

        // Kept breakers: every name registered, except templates (an HTTP client's per-authority breakers are made on demand
        // from the name's options). Code's spelling wins over configuration's.
        var all = services.GetServices<CircuitBreakerRegistration>().ToList();
        var templates = all.Where(r => r.IsTemplate?.Invoke(services) == true).Select(r => r.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var registrations = all.Where(r => !templates.Contains(r.Name)).OrderBy(r => r.FromConfiguration ? 1 : 0);
        foreach (var registration in registrations)
        {
            if (!Registry.TryGet(registration.Name, out _))
            {
                Registry.Add(registration.Name);
            }
        }

        // A configuration section's reload is watched here, not through the options monitor: the monitor validates as it
        // rebuilds and would throw an invalid reload into the configuration's reload (a file watcher's thread), before any
        // listener could keep the breaker's settings and log why.
        foreach (var section in services.GetServices<BreakerSection>())
        {
            _changeSubscriptions.Add(ChangeToken.OnChange(section.Section.GetReloadToken, name => OnOptionsChanged(name), section.Section.Key));
        }

        // Change token sources an application registers itself still reach the breakers through the monitor.
        if (services.GetService<IOptionsMonitor<CircuitBreakerOptions>>()?.OnChange((_, name) => OnOptionsChanged(name ?? Options.DefaultName)) is { } subscription)
        {
            _changeSubscriptions.Add(subscription);
        }
    }

    public CircuitBreakerRegistry Registry { get; }

    public void Dispose()
    {
        foreach (var subscription in _changeSubscriptions)
        {
            subscription.Dispose();
        }

        Registry.Dispose();
    }

    private void OnOptionsChanged(string optionsName)
    {
        IReadOnlyList<CircuitBreaker> reconfigured;
        try
        {
            reconfigured = Registry.Reconfigure(optionsName);
        }
        catch (AggregateException errors)
        {
            // A bad reload must not take the application down: each failed breaker keeps its settings and is logged.
            foreach (var error in errors.InnerExceptions.OfType<CircuitBreakerReconfigurationException>())
            {
                Log.ReconfigureFailed(_logger, error.InnerException ?? error, error.CircuitName);
            }

            return;
        }

        foreach (var breaker in reconfigured)
        {
            Log.Reconfigured(_logger, breaker.Name);
        }
    }
}
