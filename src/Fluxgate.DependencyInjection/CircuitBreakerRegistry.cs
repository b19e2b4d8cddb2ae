using System.Collections.Concurrent;
using Fluxgate.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fluxgate.DependencyInjection;

/// <summary>
/// The container's circuit breakers: the named ones registered with <c>AddCircuitBreaker</c>/<c>AddCircuitBreakers</c>,
/// and breakers created on demand per key (tenant, endpoint, authority) with <see cref="GetOrAdd"/>, evicted when idle.
/// </summary>
/// <remarks>
/// <para>
/// Options come from the named <see cref="CircuitBreakerOptions"/> (<c>services.Configure&lt;CircuitBreakerOptions&gt;(name, …)</c>
/// and configuration); the container's <see cref="TimeProvider"/> replaces the default system clock, and a
/// <see cref="LogListener"/> is added when an <c>ILoggerFactory</c> is registered (see <see cref="CircuitBreakerRegistryOptions"/>).
/// </para>
/// <para>
/// When named options change (configuration reload), the breakers built from them are reconfigured with
/// <see cref="CircuitBreaker.Reconfigure"/>: their state and counters are kept and the new parts apply from a new period. An
/// invalid reload is logged and the breaker keeps its settings. All members are thread-safe.
/// </para>
/// </remarks>
public sealed class CircuitBreakerRegistry : IDisposable
{
    private const string LogCategory = "Fluxgate.CircuitBreaker";

    private readonly IOptionsFactory<CircuitBreakerOptions> _factory;
    private readonly CircuitBreakerRegistryOptions _options;
    private readonly TimeProvider? _containerTime;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, CircuitBreaker> _named = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _dynamic = new(StringComparer.Ordinal);
    private readonly IDisposable? _changeSubscription;
    private readonly ITimer? _sweeper;

    internal CircuitBreakerRegistry(IServiceProvider services)
    {
        _factory = services.GetRequiredService<IOptionsFactory<CircuitBreakerOptions>>();
        _options = services.GetRequiredService<IOptions<CircuitBreakerRegistryOptions>>().Value;
        _containerTime = services.GetService<TimeProvider>();
        _clock = _containerTime ?? TimeProvider.System;
        _loggerFactory = services.GetService<ILoggerFactory>();
        _logger = (ILogger?)_loggerFactory?.CreateLogger(LogCategory) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        foreach (var name in services.GetServices<CircuitBreakerRegistration>().Select(r => r.Name).Distinct(StringComparer.Ordinal))
        {
            _named[name] = Create(name, null, null);
        }

        _changeSubscription = services.GetService<IOptionsMonitor<CircuitBreakerOptions>>()?.OnChange((_, name) => OnOptionsChanged(name ?? Options.DefaultName));
        if (_options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            var period = TimeSpan.FromTicks(Math.Clamp(_options.IdleTimeout.Ticks / 2, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute * 5));
            _sweeper = _clock.CreateTimer(static state => ((CircuitBreakerRegistry)state!).EvictIdle(), this, period, period);
        }
    }

    /// <summary>Gets every breaker of the registry, named and on-demand, at this moment.</summary>
    public IReadOnlyCollection<CircuitBreaker> Breakers => [.. _named.Values, .. _dynamic.Values.Select(e => e.Breaker)];

    /// <summary>Returns the breaker named <paramref name="name"/>: a registered one, or an on-demand one that exists.</summary>
    /// <param name="name">The breaker's name.</param>
    /// <returns>The breaker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="KeyNotFoundException">No such breaker is registered or exists.</exception>
    public CircuitBreaker Get(string name) => TryGet(name, out var breaker)
        ? breaker
        : throw new KeyNotFoundException($"No circuit breaker named '{name}' is registered. Register it with AddCircuitBreaker or AddCircuitBreakers, or create it with GetOrAdd.");

    /// <summary>Looks up the breaker named <paramref name="name"/>.</summary>
    /// <param name="name">The breaker's name.</param>
    /// <param name="breaker">The breaker, when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out CircuitBreaker breaker)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_named.TryGetValue(name, out breaker))
        {
            return true;
        }

        if (_dynamic.TryGetValue(name, out var entry))
        {
            entry.Touch(_clock);
            breaker = entry.Breaker;
            return true;
        }

        return false;
    }

    /// <summary>Returns the breaker named <paramref name="name"/>, creating it on first request: for per-tenant or per-endpoint breakers.</summary>
    /// <param name="name">The breaker's name, e.g. <c>tenant_api/acme</c>. A registered name returns that breaker.</param>
    /// <param name="template">The named options to build it from (e.g. <c>tenant_api</c>); <see langword="null"/> for the options named <paramref name="name"/> (defaults if none).</param>
    /// <param name="configure">Adjusts the options after the template's; applied at creation and on reload.</param>
    /// <returns>The breaker.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or blank.</exception>
    /// <remarks>Every request counts as use: a breaker is evicted after <see cref="CircuitBreakerRegistryOptions.IdleTimeout"/> without requests, and only while closed, so look breakers up here for each use rather than keeping them.</remarks>
    public CircuitBreaker GetOrAdd(string name, string? template = null, Action<CircuitBreakerOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_named.TryGetValue(name, out var named))
        {
            return named;
        }

        var entry = _dynamic.GetOrAdd(name, static (key, state) => new Entry(state.Registry.Create(key, state.Template, state.Configure), state.Template, state.Configure), (Registry: this, Template: template, Configure: configure));
        entry.Touch(_clock);
        return entry.Breaker;
    }

    /// <summary>Removes an on-demand breaker now; registered breakers cannot be removed.</summary>
    /// <param name="name">The breaker's name.</param>
    /// <returns><see langword="true"/> when an on-demand breaker was removed.</returns>
    public bool Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _dynamic.TryRemove(name, out _);
    }

    /// <summary>Evicts the on-demand breakers that are closed and were not requested for <see cref="CircuitBreakerRegistryOptions.IdleTimeout"/>; runs on a timer of the container's clock.</summary>
    /// <returns>How many were evicted.</returns>
    public int EvictIdle()
    {
        if (_options.IdleTimeout == Timeout.InfiniteTimeSpan)
        {
            return 0;
        }

        var evicted = 0;
        foreach (var (name, entry) in _dynamic)
        {
            if (entry.IdleFor(_clock) < _options.IdleTimeout || entry.Breaker.State != CircuitState.Closed)
            {
                continue;
            }

            // Removes this entry only: one created again meanwhile under the same name stays.
            if (_dynamic.TryRemove(new KeyValuePair<string, Entry>(name, entry)))
            {
                evicted++;
                try
                {
                    _options.OnEvicted?.Invoke(entry.Breaker);
                }
#pragma warning disable CA1031 // A user callback must not stop the sweep.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    Log.EvictionCallbackFailed(_logger, exception, name);
                }
            }
        }

        return evicted;
    }

    /// <summary>Stops the eviction timer and the reload subscription.</summary>
    public void Dispose()
    {
        _sweeper?.Dispose();
        _changeSubscription?.Dispose();
    }

    private CircuitBreaker Create(string name, string? template, Action<CircuitBreakerOptions>? configure)
    {
        var options = BuildOptions(name, template, configure);
        if (_containerTime is not null && ReferenceEquals(options.TimeProvider, TimeProvider.System))
        {
            options.TimeProvider = _containerTime;
        }

        if (_options.AddLogListener && _loggerFactory is not null)
        {
            options.Listeners.Add(new LogListener(_loggerFactory.CreateLogger(LogCategory)));
        }

        return new CircuitBreaker(options);
    }

    private CircuitBreakerOptions BuildOptions(string name, string? template, Action<CircuitBreakerOptions>? configure)
    {
        var options = _factory.Create(template ?? name);
        Fluxgate.Configuration.CircuitBreakerConfiguration.ThrowIfInvalid(options);
        configure?.Invoke(options);

        // The registration key is the breaker's name, whatever the template or the configure action set.
        options.Name = name;
        return options;
    }

    private void OnOptionsChanged(string optionsName)
    {
        if (_named.TryGetValue(optionsName, out var named))
        {
            Reconfigure(named, optionsName, null, null);
        }

        foreach (var (name, entry) in _dynamic)
        {
            if ((entry.Template ?? name) == optionsName)
            {
                Reconfigure(entry.Breaker, name, entry.Template, entry.Configure);
            }
        }
    }

    private void Reconfigure(CircuitBreaker breaker, string name, string? template, Action<CircuitBreakerOptions>? configure)
    {
        try
        {
            breaker.Reconfigure(BuildOptions(name, template, configure));
            Log.Reconfigured(_logger, name);
        }
#pragma warning disable CA1031 // A bad reload must not take the application down: the breaker keeps its settings.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.ReconfigureFailed(_logger, exception, name);
        }
    }

    private sealed class Entry(CircuitBreaker breaker, string? template, Action<CircuitBreakerOptions>? configure)
    {
        private long _lastRequest;

        public CircuitBreaker Breaker => breaker;

        public string? Template => template;

        public Action<CircuitBreakerOptions>? Configure => configure;

        public void Touch(TimeProvider clock) => Volatile.Write(ref _lastRequest, clock.GetTimestamp());

        public TimeSpan IdleFor(TimeProvider clock) => clock.GetElapsedTime(Volatile.Read(ref _lastRequest));
    }
}

/// <summary>The name of a breaker registered with the container, collected by the registry.</summary>
internal sealed record CircuitBreakerRegistration(string Name);

internal static partial class Log
{
    [LoggerMessage(EventId = 10, EventName = "CircuitBreakerReconfigured", Level = LogLevel.Information, Message = "Circuit Breaker '{CircuitName}' was reconfigured; its state and counters are kept")]
    public static partial void Reconfigured(ILogger logger, string circuitName);

    [LoggerMessage(EventId = 11, EventName = "CircuitBreakerReconfigureFailed", Level = LogLevel.Error, Message = "Circuit Breaker '{CircuitName}' keeps its settings: the new configuration is invalid")]
    public static partial void ReconfigureFailed(ILogger logger, Exception exception, string circuitName);

    [LoggerMessage(EventId = 12, EventName = "CircuitBreakerEvictionCallbackFailed", Level = LogLevel.Warning, Message = "The eviction callback failed for Circuit Breaker '{CircuitName}'")]
    public static partial void EvictionCallbackFailed(ILogger logger, Exception exception, string circuitName);
}
