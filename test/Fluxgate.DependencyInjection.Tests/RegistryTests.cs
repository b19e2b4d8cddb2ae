using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.DependencyInjection.Tests;

public sealed class RegistryTests : IDisposable
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly List<string> _evicted = [];
    private readonly ServiceProvider _provider;
    private readonly CircuitBreakerRegistry _registry;

    public RegistryTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddCircuitBreaker("tenant_api", o => o.Tripper = Tripper.FailureStreak(1));
        services.AddCircuitBreakerRegistry(o => o.IdleTimeout = TimeSpan.FromMinutes(10));
        _provider = services.BuildServiceProvider();
        _registry = _provider.GetRequiredService<CircuitBreakerRegistry>();
        _registry.BreakerRemoved += (_, e) => _evicted.Add(e.Breaker.Name);
    }

    public void Dispose() => _provider.Dispose();

    [Fact]
    public void GetOrAdd_CreatesOneBreakerPerKeyFromTheTemplate()
    {
        var acme = _registry.GetOrAdd("tenant_api/acme", template: "tenant_api");
        var globex = _registry.GetOrAdd("tenant_api/globex", template: "tenant_api");

        Assert.Same(acme, _registry.GetOrAdd("tenant_api/acme", template: "tenant_api"));
        Assert.NotSame(acme, globex);
        Assert.Equal("tenant_api/acme", acme.Name);
        acme.Fail(_clock);                                              // FailureStreak(1) from the template
        Assert.Equal(CircuitState.Open, acme.State);
        Assert.Equal(CircuitState.Closed, globex.State);
        Assert.Same(_registry.Get("tenant_api"), _registry.GetOrAdd("tenant_api"));
        Assert.Equal(["tenant_api", "tenant_api/acme", "tenant_api/globex"], _registry.Breakers.Select(b => b.Name).Order());
    }

    [Fact]
    public void GetOrAdd_WithConfigure_AdjustsTheTemplate()
    {
        var strict = _registry.GetOrAdd("strict", template: "tenant_api", configure: o => o.Tripper = Tripper.FailureStreak(3));

        strict.Fail(_clock);
        strict.Fail(_clock);

        Assert.Equal(CircuitState.Closed, strict.State);
    }

    [Fact]
    public void IdleBreakers_AreEvictedByTheTimerOnlyWhileClosed()
    {
        var idle = _registry.GetOrAdd("tenant_api/idle", "tenant_api");
        var open = _registry.GetOrAdd("tenant_api/open", "tenant_api");
        var busy = _registry.GetOrAdd("tenant_api/busy", "tenant_api");
        open.Fail(_clock);

        for (var minute = 0; minute < 12; minute++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            _registry.GetOrAdd("tenant_api/busy", "tenant_api");       // requested every minute
        }

        Assert.Equal(["tenant_api/idle"], _evicted);
        Assert.False(_registry.TryGet("tenant_api/idle", out _));
        Assert.True(_registry.TryGet("tenant_api/open", out _));
        Assert.Same(busy, _registry.GetOrAdd("tenant_api/busy", "tenant_api"));
        Assert.NotSame(idle, _registry.GetOrAdd("tenant_api/idle", "tenant_api"));
        Assert.True(_registry.TryGet("tenant_api", out _));             // registered breakers are never evicted
    }

    [Fact]
    public void Remove_RemovesOnDemandBreakersOnly()
    {
        _registry.GetOrAdd("tenant_api/acme", "tenant_api");

        Assert.True(_registry.Remove("tenant_api/acme"));
        Assert.False(_registry.Remove("tenant_api/acme"));
        Assert.False(_registry.Remove("tenant_api"));
        Assert.Throws<KeyNotFoundException>(() => _registry.Get("tenant_api/acme"));
    }

    [Fact]
    public void Options_Validation()
    {
        Assert.Equal("IdleTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerRegistryOptions { IdleTimeout = TimeSpan.Zero }).ParamName);
        Assert.Equal(Timeout.InfiniteTimeSpan, new CircuitBreakerRegistryOptions { IdleTimeout = Timeout.InfiniteTimeSpan }.IdleTimeout);
        Assert.Throws<ArgumentException>(() => _registry.GetOrAdd(" "));
    }
}
