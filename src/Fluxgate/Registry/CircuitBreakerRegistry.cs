using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Fluxgate;

/// <summary>
/// A set of breakers by name: kept breakers (<see cref="Add"/>), one per dependency, and breakers made on demand per key
/// (<see cref="GetOrAdd"/>: per tenant, per endpoint, per authority), evicted when idle.
/// </summary>
/// <remarks>
/// <para>
/// Options come from <see cref="CircuitBreakerRegistryOptions.OptionsFactory"/>, asked for the breaker's own name or for
/// the template it names, so many on-demand breakers share one policy. <see cref="Reconfigure"/> rebuilds them from it
/// later (configuration reload), keeping each breaker's state.
/// </para>
/// <para>
/// Names are compared ignoring case, as configuration keys are: <c>Payments</c> and <c>payments</c> are one breaker, named
/// as it was first added. All members are thread-safe. The dependency-injection package registers one registry per
/// container and fills it from configuration; without a container, create one with <see langword="new"/>.
/// </para>
/// </remarks>
public sealed class CircuitBreakerRegistry : IDisposable
{
    private readonly CircuitBreakerRegistryOptions _options;
    private readonly ConcurrentDictionary<string, CircuitBreaker> _kept = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Entry> _onDemand = new(StringComparer.OrdinalIgnoreCase);

    // How each kept breaker's options are made, for Reconfigure.
    private readonly ConcurrentDictionary<string, (string? Template, Action<CircuitBreakerOptions>? Configure)> _templates = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _addLock = new();
    private readonly ITimer? _sweeper;

    /// <summary>Creates a registry whose breakers use <c>new CircuitBreakerOptions()</c> and whose on-demand breakers are evicted after 10 idle minutes.</summary>
    public CircuitBreakerRegistry()
        : this(new CircuitBreakerRegistryOptions())
    {
    }

    /// <summary>Creates a registry with <paramref name="options"/>, which are copied.</summary>
    /// <param name="options">Where options come from, idle eviction and its clock.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public CircuitBreakerRegistry(CircuitBreakerRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = new CircuitBreakerRegistryOptions
        {
            OptionsFactory = options.OptionsFactory,
            IdleTimeout = options.IdleTimeout,
            TimeProvider = options.TimeProvider,
            OnCallbackFailure = options.OnCallbackFailure,
        };
        if (_options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            // Sweep at half the timeout, between once a second and once every five minutes.
            var period = TimeSpan.FromTicks(Math.Clamp(_options.IdleTimeout.Ticks / 2, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute * 5));
            _sweeper = _options.TimeProvider.CreateTimer(static state => ((CircuitBreakerRegistry)state!).EvictIdle(), this, period, period);
        }
    }

    /// <summary>Occurs after a breaker was created: kept (<see cref="Add"/>) or on demand (<see cref="GetOrAdd"/>'s first request), on the creating thread.</summary>
    /// <remarks>For what follows every breaker (a fleet, a dashboard). A handler that throws is reported to <see cref="CircuitBreakerRegistryOptions.OnCallbackFailure"/>; the other handlers still run, and the breaker is returned as usual.</remarks>
    public event EventHandler<CircuitBreakerEventArgs>? BreakerAdded;

    /// <summary>Occurs after an on-demand breaker left the registry: removed (<see cref="Remove"/>) or evicted when idle.</summary>
    /// <remarks>Handlers are isolated as for <see cref="BreakerAdded"/>.</remarks>
    public event EventHandler<CircuitBreakerEventArgs>? BreakerRemoved;

    /// <summary>Gets every breaker of the registry, kept and on-demand, at this moment.</summary>
    public IReadOnlyCollection<CircuitBreaker> Breakers => [.. _kept.Values, .. _onDemand.Values.Select(e => e.Breaker)];

    /// <summary>Creates the kept breaker <paramref name="name"/> from the options made for <paramref name="template"/> (or for <paramref name="name"/>): it stays until the registry is disposed and is never evicted.</summary>
    /// <param name="name">The breaker's name.</param>
    /// <param name="template">The name to ask <see cref="CircuitBreakerRegistryOptions.OptionsFactory"/> for; <see langword="null"/> for <paramref name="name"/>.</param>
    /// <param name="configure">Adjusts the options after the factory; applied at creation and on <see cref="Reconfigure"/>.</param>
    /// <returns>The new breaker.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or blank, or a breaker of that name (in any case) exists.</exception>
    public CircuitBreaker Add(string name, string? template = null, Action<CircuitBreakerOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        CircuitBreaker breaker;
        lock (_addLock)
        {
            var existing = _kept.GetValueOrDefault(name) ?? (_onDemand.TryGetValue(name, out var entry) ? entry.Breaker : null);
            if (existing is not null)
            {
                throw new ArgumentException($"The registry already has a circuit breaker named '{existing.Name}'; names are compared ignoring case.", nameof(name));
            }

            breaker = Create(name, template, configure);
            _kept[name] = breaker;
            _templates[name] = (template, configure);
        }

        Raise(BreakerAdded, breaker);
        return breaker;
    }

    /// <summary>Returns the breaker <paramref name="name"/>, kept or on-demand.</summary>
    /// <param name="name">The breaker's name, in any case.</param>
    /// <returns>The breaker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="KeyNotFoundException">The registry has no breaker of that name.</exception>
    public CircuitBreaker Get(string name) => TryGet(name, out var breaker)
        ? breaker
        : throw new KeyNotFoundException($"The registry has no circuit breaker named '{name}'. Add it (Add, GetOrAdd, or AddCircuitBreaker/AddCircuitBreakers with dependency injection).");

    /// <summary>Looks up the breaker <paramref name="name"/>; finding an on-demand breaker counts as using it.</summary>
    /// <param name="name">The breaker's name, in any case.</param>
    /// <param name="breaker">The breaker, when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public bool TryGet(string name, [MaybeNullWhen(false)] out CircuitBreaker breaker)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_kept.TryGetValue(name, out breaker))
        {
            return true;
        }

        if (_onDemand.TryGetValue(name, out var entry))
        {
            entry.Touch(_options.TimeProvider);
            breaker = entry.Breaker;
            return true;
        }

        return false;
    }

    /// <summary>Returns the breaker <paramref name="name"/>, creating it on demand on first request: for per-tenant or per-endpoint breakers.</summary>
    /// <param name="name">The breaker's name, e.g. <c>tenant_api/acme</c>. A kept breaker of that name is returned as is.</param>
    /// <param name="template">The name to ask <see cref="CircuitBreakerRegistryOptions.OptionsFactory"/> for (e.g. <c>tenant_api</c>); <see langword="null"/> for <paramref name="name"/>.</param>
    /// <param name="configure">Adjusts the options after the factory; applied at creation and on <see cref="Reconfigure"/>.</param>
    /// <returns>The breaker.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or blank.</exception>
    /// <remarks>
    /// Every request counts as use: an on-demand breaker is evicted after <see cref="CircuitBreakerRegistryOptions.IdleTimeout"/>
    /// without requests, and only while closed, so look breakers up here for each use rather than keeping them.
    /// </remarks>
    public CircuitBreaker GetOrAdd(string name, string? template = null, Action<CircuitBreakerOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_kept.TryGetValue(name, out var kept))
        {
            return kept;
        }

        Entry? created = null;
        if (!_onDemand.TryGetValue(name, out var entry))
        {
            lock (_addLock)
            {
                // Under the lock, so that two first requests build one breaker, and never one beside a kept one of the same name.
                if (_kept.TryGetValue(name, out kept))
                {
                    return kept;
                }

                if (!_onDemand.TryGetValue(name, out entry))
                {
                    entry = created = new Entry(Create(name, template, configure), template, configure);
                    _onDemand[name] = entry;
                }
            }
        }

        entry.Touch(_options.TimeProvider);
        if (created is not null)
        {
            Raise(BreakerAdded, created.Breaker);
        }

        return entry.Breaker;
    }

    /// <summary>Removes an on-demand breaker now; kept breakers stay as long as the registry.</summary>
    /// <param name="name">The breaker's name, in any case.</param>
    /// <returns><see langword="true"/> when an on-demand breaker was removed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public bool Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_onDemand.TryRemove(name, out var entry))
        {
            return false;
        }

        Raise(BreakerRemoved, entry.Breaker);
        return true;
    }

    /// <summary>Rebuilds the options of every breaker made from <paramref name="optionsName"/> (its own name or its template) and reconfigures it, keeping its state.</summary>
    /// <param name="optionsName">The name the changed options are made for.</param>
    /// <returns>The breakers reconfigured.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="optionsName"/> is <see langword="null"/>.</exception>
    /// <exception cref="AggregateException">Options could not be made, or were rejected, for some breakers; they keep their settings, the others are reconfigured. Each inner exception is a <see cref="CircuitBreakerReconfigurationException"/> naming its breaker.</exception>
    /// <remarks>See <see cref="CircuitBreaker.Reconfigure"/>: the new parts apply from a new state period, outcomes of calls already running are discarded.</remarks>
    public IReadOnlyList<CircuitBreaker> Reconfigure(string optionsName)
    {
        ArgumentNullException.ThrowIfNull(optionsName);
        var reconfigured = new List<CircuitBreaker>();
        List<Exception>? errors = null;
        foreach (var (breaker, template, configure) in Sources())
        {
            if (!string.Equals(template ?? breaker.Name, optionsName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            try
            {
                breaker.Reconfigure(BuildOptions(breaker.Name, template, configure));
                reconfigured.Add(breaker);
            }
#pragma warning disable CA1031 // One bad breaker must not keep the others on old settings: collected and thrown together.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                (errors ??= []).Add(new CircuitBreakerReconfigurationException(breaker.Name, $"Circuit breaker '{breaker.Name}' keeps its settings: {exception.Message}", exception));
            }
        }

        return errors is null ? reconfigured : throw new AggregateException($"{errors.Count} circuit breaker(s) made from options '{optionsName}' keep their settings: the new options are invalid.", errors);
    }

    /// <summary>Evicts the on-demand breakers that are closed and were not requested for <see cref="CircuitBreakerRegistryOptions.IdleTimeout"/>; runs on a timer of <see cref="CircuitBreakerRegistryOptions.TimeProvider"/>.</summary>
    /// <returns>How many were evicted.</returns>
    public int EvictIdle()
    {
        if (_options.IdleTimeout == Timeout.InfiniteTimeSpan)
        {
            return 0;
        }

        var evicted = 0;
        foreach (var (name, entry) in _onDemand)
        {
            if (entry.IdleFor(_options.TimeProvider) < _options.IdleTimeout || entry.Breaker.State != CircuitState.Closed)
            {
                continue;
            }

            // Removes this entry only: one created again meanwhile under the same name stays.
            if (_onDemand.TryRemove(new KeyValuePair<string, Entry>(name, entry)))
            {
                evicted++;
                Raise(BreakerRemoved, entry.Breaker);
            }
        }

        return evicted;
    }

    /// <summary>Stops the eviction timer. The breakers keep working for whoever holds them.</summary>
    public void Dispose() => _sweeper?.Dispose();

    private IEnumerable<(CircuitBreaker Breaker, string? Template, Action<CircuitBreakerOptions>? Configure)> Sources()
    {
        foreach (var (name, breaker) in _kept)
        {
            var (template, configure) = _templates.GetValueOrDefault(name);
            yield return (breaker, template, configure);
        }

        foreach (var entry in _onDemand.Values)
        {
            yield return (entry.Breaker, entry.Template, entry.Configure);
        }
    }

    /// <summary>Runs each handler of <paramref name="handlers"/> on its own: one that throws is reported and does not stop the others.</summary>
    private void Raise(EventHandler<CircuitBreakerEventArgs>? handlers, CircuitBreaker breaker)
    {
        if (handlers is null)
        {
            return;
        }

        var args = new CircuitBreakerEventArgs(breaker);
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((EventHandler<CircuitBreakerEventArgs>)handler)(this, args);
            }
#pragma warning disable CA1031 // A handler's failure must not fail the caller who asked for a breaker; it is reported.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                ReportCallbackFailure(breaker, exception);
            }
        }
    }

    private void ReportCallbackFailure(CircuitBreaker breaker, Exception exception)
    {
        try
        {
            _options.OnCallbackFailure?.Invoke(breaker, exception);
        }
#pragma warning disable CA1031 // The failure callback's own failure has nowhere left to be reported.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private CircuitBreaker Create(string name, string? template, Action<CircuitBreakerOptions>? configure) => new(BuildOptions(name, template, configure));

    private CircuitBreakerOptions BuildOptions(string name, string? template, Action<CircuitBreakerOptions>? configure)
    {
        var options = _options.OptionsFactory(template ?? name)
            ?? throw new InvalidOperationException($"CircuitBreakerRegistryOptions.OptionsFactory returned null for '{template ?? name}'.");
        configure?.Invoke(options);

        // The registry's name is the breaker's name, whatever the template or the configure action set.
        options.Name = name;
        return options;
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
