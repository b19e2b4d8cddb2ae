using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Registry;

/// <summary>The registry without a container: kept and on-demand breakers, templates, names ignoring case, idle eviction on a fake clock, reconfiguration.</summary>
public sealed class CircuitBreakerRegistryTests : IDisposable
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly List<string> _evicted = [];
    private readonly Dictionary<string, Tripper> _policies = new(StringComparer.OrdinalIgnoreCase) { ["tenant_api"] = Tripper.FailureStreak(1) };
    private readonly CircuitBreakerRegistry _registry;

    public CircuitBreakerRegistryTests()
    {
        _registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            OptionsFactory = name => new CircuitBreakerOptions
            {
                TimeProvider = _clock,
                Tracker = Tracker.TypeOf<TrackedException>(),
                Tripper = _policies.GetValueOrDefault(name) ?? Tripper.FailureStreak(5),
                Permit = Permit.All(),
            },
            IdleTimeout = TimeSpan.FromMinutes(10),
            TimeProvider = _clock,
        });
        _registry.BreakerRemoved += (_, e) => _evicted.Add(e.Breaker.Name);
    }

    public void Dispose() => _registry.Dispose();

    [Fact]
    public void GetOrAdd_MakesOneBreakerPerNameFromItsTemplate()
    {
        var acme = _registry.GetOrAdd("tenant_api/acme", template: "tenant_api");
        var globex = _registry.GetOrAdd("tenant_api/globex", template: "tenant_api");

        Assert.Same(acme, _registry.GetOrAdd("tenant_api/acme", template: "tenant_api"));
        Assert.NotSame(acme, globex);
        Assert.Equal("tenant_api/acme", acme.Name);
        acme.Fail(_clock);                                              // FailureStreak(1) from the template
        Assert.Equal(CircuitState.Open, acme.State);
        Assert.Equal(CircuitState.Closed, globex.State);
    }

    [Fact]
    public void Names_AreComparedIgnoringCase_AndKeepTheSpellingTheyWereAddedWith()
    {
        var payments = _registry.Add("Payments");

        Assert.Same(payments, _registry.Get("payments"));
        Assert.Same(payments, _registry.GetOrAdd("PAYMENTS"));
        Assert.Equal("Payments", payments.Name);
        var error = Assert.Throws<ArgumentException>(() => _registry.Add("payments"));
        Assert.Equal("name", error.ParamName);
        Assert.Contains("'Payments'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_KeepsTheBreakerForever_WhileOnDemandOnesAreEvictedWhenIdleAndClosed()
    {
        var kept = _registry.Add("kept");
        var idle = _registry.GetOrAdd("idle");
        var open = _registry.GetOrAdd("open", template: "tenant_api");
        var busy = _registry.GetOrAdd("busy");
        open.Fail(_clock);

        for (var minute = 0; minute < 12; minute++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));                    // the sweep runs on the registry's clock
            _registry.GetOrAdd("busy");
        }

        Assert.Equal(["idle"], _evicted);
        Assert.False(_registry.TryGet("idle", out _));
        Assert.True(_registry.TryGet("open", out _));
        Assert.Same(busy, _registry.GetOrAdd("busy"));
        Assert.Same(kept, _registry.Get("kept"));
        Assert.NotSame(idle, _registry.GetOrAdd("idle"));
    }

    [Fact]
    public void TryGet_CountsAsUse()
    {
        _registry.GetOrAdd("watched");
        for (var minute = 0; minute < 12; minute++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            Assert.True(_registry.TryGet("watched", out _));
        }

        Assert.Empty(_evicted);
    }

    [Fact]
    public void Remove_RemovesOnDemandBreakersOnly()
    {
        _registry.Add("kept");
        _registry.GetOrAdd("tenant_api/acme", "tenant_api");

        Assert.True(_registry.Remove("TENANT_API/ACME"));
        Assert.False(_registry.Remove("tenant_api/acme"));
        Assert.False(_registry.Remove("kept"));
        Assert.Throws<KeyNotFoundException>(() => _registry.Get("tenant_api/acme"));
    }

    [Fact]
    public void GetOrAdd_ForAKeptName_ReturnsTheKeptBreaker()
    {
        var kept = _registry.Add("payments");

        Assert.Same(kept, _registry.GetOrAdd("payments", template: "tenant_api"));
        Assert.Single(_registry.Breakers);
    }

    [Fact]
    public void Reconfigure_RebuildsEveryBreakerOfTheTemplate_KeepingTheirState()
    {
        var acme = _registry.GetOrAdd("tenant_api/acme", "tenant_api");
        var other = _registry.GetOrAdd("other");
        acme.Fail(_clock);
        Assert.Equal(CircuitState.Open, acme.State);
        _policies["tenant_api"] = Tripper.FailureStreak(3);

        var reconfigured = _registry.Reconfigure("TENANT_API");

        Assert.Equal([acme], reconfigured);
        Assert.Equal(CircuitState.Open, acme.State);                   // state is kept
        acme.Reset();
        acme.Fail(_clock);
        acme.Fail(_clock);
        Assert.Equal(CircuitState.Closed, acme.State);                 // the new tripper: FailureStreak(3)
        acme.Fail(_clock);
        Assert.Equal(CircuitState.Open, acme.State);
        Assert.Equal(CircuitState.Closed, other.State);
    }

    [Fact]
    public void Reconfigure_WhenOptionsCannotBeMade_ThrowsNamingEachBreakerThatKeepsItsSettings()
    {
        var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            OptionsFactory = name => name == "broken" && _evicted.Count > 0 ? throw new InvalidOperationException("bad reload") : new CircuitBreakerOptions(),
        });
        var broken = registry.Add("broken");
        _evicted.Add("now the factory fails");

        var error = Assert.Throws<AggregateException>(() => registry.Reconfigure("broken"));

        var inner = Assert.IsType<CircuitBreakerReconfigurationException>(Assert.Single(error.InnerExceptions));
        Assert.Equal("broken", inner.CircuitName);
        Assert.Equal("bad reload", inner.InnerException!.Message);
        Assert.Equal(CircuitState.Closed, broken.State);
        registry.Dispose();
    }

    [Fact]
    public void BreakerRemoved_AHandlerThatThrows_IsReported_AndTheSweepAndTheOtherHandlersGoOn()
    {
        var failures = new List<(string, Exception)>();
        var removed = new List<string>();
        using var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            IdleTimeout = TimeSpan.FromMinutes(1),
            TimeProvider = _clock,
            OnCallbackFailure = (b, e) => failures.Add((b.Name, e)),
        });
        registry.BreakerRemoved += (_, _) => throw new InvalidOperationException("callback bug");
        registry.BreakerRemoved += (_, e) => removed.Add(e.Breaker.Name);
        registry.GetOrAdd("a");
        registry.GetOrAdd("b");
        _clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(0, registry.EvictIdle());                         // the timer already evicted both
        Assert.Equal(["a", "b"], failures.Select(f => f.Item1).Order());
        Assert.Equal(["a", "b"], removed.Order());
        Assert.Empty(registry.Breakers);
    }

    [Fact]
    public void OnCallbackFailure_ThatThrowsItself_DoesNotStopTheSweep()
    {
        using var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            IdleTimeout = TimeSpan.FromMinutes(1),
            TimeProvider = _clock,
            OnCallbackFailure = (_, _) => throw new InvalidOperationException("reporter bug"),
        });
        registry.BreakerRemoved += (_, _) => throw new InvalidOperationException("callback bug");
        registry.GetOrAdd("a");
        registry.GetOrAdd("b");

        _clock.Advance(TimeSpan.FromMinutes(2));                      // the timer's sweep evicts both

        Assert.Empty(registry.Breakers);
    }

    [Fact]
    public void Constructor_WithoutOptions_MakesDefaultBreakers()
    {
        using var registry = new CircuitBreakerRegistry();

        var breaker = registry.GetOrAdd("payments");

        Assert.Equal("payments", breaker.Name);
        Assert.Contains("Tripper=MinRequests(100) & FailureRate(0.5)", breaker.GetInfo().Policy, StringComparison.Ordinal);
    }

    [Fact]
    public void ConcurrentFirstRequests_BuildOneBreaker()
    {
        var made = 0;
        using var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            OptionsFactory = _ =>
            {
                Interlocked.Increment(ref made);
                return new CircuitBreakerOptions();
            },
        });

        var breakers = Enumerable.Range(0, 64).AsParallel().Select(_ => registry.GetOrAdd("shared")).Distinct().ToList();

        Assert.Single(breakers);
        Assert.Equal(1, made);
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        Assert.Equal("IdleTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerRegistryOptions { IdleTimeout = TimeSpan.Zero }).ParamName);
        Assert.Equal(Timeout.InfiniteTimeSpan, new CircuitBreakerRegistryOptions { IdleTimeout = Timeout.InfiniteTimeSpan }.IdleTimeout);
        Assert.Equal("OptionsFactory", Assert.Throws<ArgumentNullException>(() => new CircuitBreakerRegistryOptions { OptionsFactory = null! }).ParamName);
        Assert.Equal("TimeProvider", Assert.Throws<ArgumentNullException>(() => new CircuitBreakerRegistryOptions { TimeProvider = null! }).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new CircuitBreakerRegistry(null!)).ParamName);
        Assert.Throws<ArgumentException>(() => _registry.GetOrAdd(" "));
        Assert.Throws<ArgumentException>(() => _registry.Add(""));
        Assert.Throws<ArgumentNullException>(() => _registry.Get(null!));
    }

    [Fact]
    public void DefaultRegistry_MakesBreakersWithTheDefaultOptionsAndNeverSweepsWithoutATimeout()
    {
        using var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions { IdleTimeout = Timeout.InfiniteTimeSpan });

        var breaker = registry.GetOrAdd("x");

        Assert.Equal(0, registry.EvictIdle());
        Assert.Equal("x", breaker.Name);
        Assert.Same(breaker, registry.Get("x"));
    }
}
