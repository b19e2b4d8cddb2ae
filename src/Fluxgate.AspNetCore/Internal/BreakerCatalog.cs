using System.Collections.Concurrent;
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
    private readonly ILogger _logger;

    public BreakerCatalog(CircuitBreakerRegistry? registry, IEnumerable<CircuitBreaker> breakers, ILogger logger)
    {
        _registry = registry;
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

        foreach (var breaker in breakers)
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

    private void OnAdded(object? sender, CircuitBreakerEventArgs e) => Add(e.Breaker);

    private void OnRemoved(object? sender, CircuitBreakerEventArgs e) => _byName.TryRemove(new KeyValuePair<string, CircuitBreaker>(e.Breaker.Name, e.Breaker));

    private void Add(CircuitBreaker breaker)
    {
        var shown = _byName.GetOrAdd(breaker.Name, breaker);
        if (!ReferenceEquals(shown, breaker))
        {
            Log.DuplicateName(_logger, breaker.Name, shown.Name);
        }
    }
}
