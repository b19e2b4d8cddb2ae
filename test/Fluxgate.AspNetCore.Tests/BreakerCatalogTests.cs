using Fluxgate.AspNetCore.Internal;

namespace Fluxgate.AspNetCore.Tests;

/// <summary>The breakers the dashboard shows, as the registry makes and removes them.</summary>
public sealed class BreakerCatalogTests
{
    private readonly CapturingLoggerProvider _logs = new();

    [Fact]
    public void Remove_SuccessorAnnouncedBeforeTheRemoval_TheSuccessorIsShownAndNoDuplicateIsLogged()
    {
        using var registry = new CircuitBreakerRegistry();
        var evicted = registry.GetOrAdd("tenant-7");
        CircuitBreaker? successor = null;

        // Subscribed before the catalog, so it runs first: the successor's BreakerAdded reaches the catalog before the
        // evicted breaker's BreakerRemoved, as when a request asks for the name again right after an eviction.
        registry.BreakerRemoved += (_, e) => successor ??= registry.GetOrAdd(e.Breaker.Name);
        using var catalog = new BreakerCatalog(registry, [], _logs.CreateLogger("catalog"));
        Assert.Same(evicted, catalog.Find("tenant-7"));

        Assert.True(registry.Remove("tenant-7"));

        Assert.NotNull(successor);
        Assert.NotSame(evicted, successor);
        Assert.Same(successor, catalog.Find("tenant-7"));
        Assert.Equal([successor], catalog.Snapshot());
        Assert.DoesNotContain(_logs.Entries, e => e.EventId.Id == 203);
    }

    [Fact]
    public void Remove_ArrivingBeforeTheAdditionOfTheSameBreaker_TheBreakerIsNeverShown()
    {
        using var registry = new CircuitBreakerRegistry();

        // Subscribed before the catalog, so it runs first: the breaker is removed (and its BreakerRemoved delivered) before
        // the catalog hears of its BreakerAdded, as when another thread removes it right after it was made.
        registry.BreakerAdded += (_, e) => registry.Remove(e.Breaker.Name);
        using var catalog = new BreakerCatalog(registry, [], _logs.CreateLogger("catalog"));

        registry.GetOrAdd("tenant-9");

        Assert.Null(catalog.Find("tenant-9"));
        Assert.Empty(catalog.Snapshot());
    }

    [Fact]
    public void Remove_ABreakerShadowingAnotherOfItsName_ShowsTheOther()
    {
        using var registry = new CircuitBreakerRegistry();
        var registered = registry.GetOrAdd("payments");
        var made = new CircuitBreaker(new CircuitBreakerOptions { Name = "PAYMENTS" });
        using var catalog = new BreakerCatalog(registry, [made], _logs.CreateLogger("catalog"));
        Assert.Same(registered, catalog.Find("payments"));
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 203);   // two breakers of one name: the first is shown

        Assert.True(registry.Remove("payments"));

        Assert.Same(made, catalog.Find("payments"));
    }

    [Fact]
    public void Remove_ABreakerNotShown_LeavesTheShownOne()
    {
        using var registry = new CircuitBreakerRegistry();
        var made = new CircuitBreaker(new CircuitBreakerOptions { Name = "payments" });
        using var catalog = new BreakerCatalog(registry, [made], _logs.CreateLogger("catalog"));
        registry.GetOrAdd("payments");   // a duplicate of the breaker shown: logged, not shown

        Assert.True(registry.Remove("payments"));

        Assert.Same(made, catalog.Find("payments"));
        Assert.Single(catalog.Snapshot());
    }
}
