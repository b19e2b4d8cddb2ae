using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Fluxgate.AspNetCore.Internal;

/// <summary>
/// The breakers the dashboard shows: every breaker of the container's <see cref="CircuitBreakerRegistry"/> (named, keyed,
/// HTTP clients', and on-demand ones as the registry creates and removes them) and those of
/// <see cref="FluxgateDashboardOptions.Breakers"/>. Names are compared ignoring case, as the registry does.
/// </summary>
/// <remarks>
/// The registry's events run on the thread that created or removed the breaker (an application's request): the handlers
/// only update a dictionary. The sampler notices the change at its next look and tells the pages.
/// </remarks>
internal sealed class BreakerCatalog : IDisposable
{
    private readonly ConcurrentDictionary<string, CircuitBreaker> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly CircuitBreakerRegistry? _registry;
    private readonly CircuitBreaker[] _fixed;
    private readonly ILogger _logger;

    // Names two breakers competed for (a duplicate, or a successor announced before its predecessor's removal): only
    // their removals look for another breaker of the name to show, so a sweep that evicts many breakers stays linear.
    private readonly ConcurrentDictionary<string, bool> _contested = new(StringComparer.OrdinalIgnoreCase);

    // Breakers whose removal arrived before their addition (removed right after they were made, on another thread):
    // their late addition is ignored. Weak, so that a breaker never announced does not stay alive here.
    private readonly ConditionalWeakTable<CircuitBreaker, object> _removedFirst = new();

    public BreakerCatalog(CircuitBreakerRegistry? registry, IEnumerable<CircuitBreaker> breakers, ILogger logger)
    {
        _registry = registry;
        _fixed = [.. breakers];
        _logger = logger;
        if (registry is not null)
        {
            // Subscribed before reading the registry's breakers: one created in between is seen by both, and added once.
            registry.BreakerAdded += OnAdded;
            registry.BreakerRemoved += OnRemoved;
            foreach (var breaker in registry.Breakers)
            {
                Add(breaker);
            }
        }

        foreach (var breaker in _fixed)
        {
            Add(breaker);
        }
    }

    /// <summary>Gets how many breakers are shown.</summary>
    public int Count => _byName.Count;

    /// <summary>Returns the breakers, ordered by name.</summary>
    public CircuitBreaker[] Snapshot()
    {
        var breakers = _byName.Values.ToArray();
        Array.Sort(breakers, static (a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Name, b.Name) is var byName and not 0 ? byName : string.CompareOrdinal(a.Name, b.Name));
        return breakers;
    }

    /// <summary>Looks a breaker up by name, ignoring case; does not count as using an on-demand breaker.</summary>
    public CircuitBreaker? Find(string name) => _byName.TryGetValue(name, out var breaker) ? breaker : null;

    public void Dispose()
    {
        if (_registry is not null)
        {
            _registry.BreakerAdded -= OnAdded;
            _registry.BreakerRemoved -= OnRemoved;
        }
    }

    private void OnAdded(object? sender, CircuitBreakerEventArgs e)
    {
        if (!_removedFirst.TryGetValue(e.Breaker, out _))
        {
            Add(e.Breaker);
        }
    }

    private void OnRemoved(object? sender, CircuitBreakerEventArgs e)
    {
        if (!_byName.TryRemove(new KeyValuePair<string, CircuitBreaker>(e.Breaker.Name, e.Breaker)))
        {
            // Not shown: a duplicate, or a breaker whose addition has not arrived yet; should it arrive, it is ignored.
            _removedFirst.AddOrUpdate(e.Breaker, e);
            return;
        }

        if (!_contested.ContainsKey(e.Breaker.Name))
        {
            return;
        }

        // The registry raises its events outside its lock: a breaker of the same name made right after this one was
        // removed (an evicted on-demand breaker asked for again) may have been announced first, while this one was still
        // shown. Show it now, or it would stay unseen until it is removed in turn.
        foreach (var breaker in Live())
        {
            if (string.Equals(breaker.Name, e.Breaker.Name, StringComparison.OrdinalIgnoreCase))
            {
                Add(breaker);
            }
        }
    }

    private void Add(CircuitBreaker breaker)
    {
        while (true)
        {
            var shown = _byName.GetOrAdd(breaker.Name, breaker);
            if (ReferenceEquals(shown, breaker))
            {
                return;
            }

            _contested[breaker.Name] = true;
            if (Live().Contains(shown, ReferenceEqualityComparer.Instance))
            {
                Log.DuplicateName(_logger, breaker.Name, shown.Name);
                return;
            }

            // The one shown is gone from the registry and its removal is on its way: not a duplicate, its successor.
            if (_byName.TryUpdate(breaker.Name, breaker, shown))
            {
                return;
            }
        }
    }

    /// <summary>Every breaker that may be shown now: the registry's (a copy) and those of the options.</summary>
    private IEnumerable<CircuitBreaker> Live() => _registry is null ? _fixed : _registry.Breakers.Concat(_fixed);
}
