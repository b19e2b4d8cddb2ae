using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Registry;

/// <summary>
/// What each registry member promises, one at a time: the argument checks by name, which member raises which event and
/// when, what eviction counts, and that a configure action and every failed reconfiguration are kept.
/// </summary>
public sealed class CircuitBreakerRegistryContractTests : IDisposable
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly List<string> _added = [];
    private readonly List<string> _removed = [];
    private readonly CircuitBreakerRegistry _registry;
    private bool _optionsFail;

    public CircuitBreakerRegistryContractTests()
    {
        _registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            OptionsFactory = _ => _optionsFail ? throw new InvalidOperationException("bad value") : new CircuitBreakerOptions { TimeProvider = _clock },
            IdleTimeout = TimeSpan.FromMinutes(10),
            TimeProvider = new WithoutTimers(_clock), // the test evicts by calling EvictIdle itself
        });
        _registry.BreakerAdded += (_, e) => _added.Add(e.Breaker.Name);
        _registry.BreakerRemoved += (_, e) => _removed.Add(e.Breaker.Name);
    }

    public void Dispose() => _registry.Dispose();

    [Fact]
    public void Members_NullOrBlankNames_ThrowNamingTheParameter()
    {
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => _registry.Add(null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => _registry.Add(" ")).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => _registry.GetOrAdd(null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => _registry.GetOrAdd(" ")).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => _registry.TryGet(null!, out _)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => _registry.Remove(null!)).ParamName);
        Assert.Equal("optionsName", Assert.Throws<ArgumentNullException>(() => _registry.Reconfigure(null!)).ParamName);
        Assert.Empty(_added);
    }

    [Fact]
    public void Events_AreRaisedOncePerBreakerAddedOrRemoved_NotForOneFoundAgainOrKept()
    {
        _registry.Add("kept");
        _registry.GetOrAdd("on-demand");
        _registry.GetOrAdd("ON-DEMAND"); // found, not made
        Assert.Equal(["kept", "on-demand"], _added);

        Assert.False(_registry.Remove("kept")); // kept breakers stay as long as the registry
        Assert.True(_registry.Remove("On-Demand"));
        Assert.False(_registry.Remove("on-demand"));
        Assert.Equal(["on-demand"], _removed);
    }

    [Fact]
    public void Add_ANameMadeOnDemand_ThrowsNamingIt()
    {
        _registry.GetOrAdd("Tenant");

        var error = Assert.Throws<ArgumentException>(() => _registry.Add("tenant"));

        Assert.Equal("name", error.ParamName);
        Assert.Contains("'Tenant'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EvictIdle_ReturnsHowManyItEvicted_AndRaisesBreakerRemovedForEach()
    {
        _registry.GetOrAdd("a");
        _registry.GetOrAdd("b");
        _clock.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(2, _registry.EvictIdle());

        Assert.Equal(["a", "b"], _removed.Order());
        Assert.Equal(0, _registry.EvictIdle());
    }

    [Fact]
    public void GetOrAdd_WithAConfigureAction_AppliesItAfterTheFactory()
    {
        var breaker = _registry.GetOrAdd("tuned", configure: o => o.Tripper = Tripper.FailureStreak(1));

        breaker.Fail(_clock);

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Reconfigure_TwoBreakersWhoseOptionsFail_ReportsBoth()
    {
        _registry.Add("x", template: "shared");
        _registry.Add("y", template: "shared");
        _optionsFail = true;

        var error = Assert.Throws<AggregateException>(() => _registry.Reconfigure("shared"));

        Assert.Equal(["x", "y"], error.InnerExceptions.Cast<CircuitBreakerReconfigurationException>().Select(e => e.CircuitName).Order());
    }
}
