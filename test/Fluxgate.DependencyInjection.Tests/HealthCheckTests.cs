using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fluxgate.DependencyInjection.Tests;

public sealed class HealthCheckTests : IDisposable
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly ServiceProvider _provider;

    public HealthCheckTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddLogging();
        services.AddCircuitBreaker("payments", o => { o.Tripper = Tripper.FailureStreak(1); o.Tracker = Tracker.TypeOf<TrackedException>(); o.Permit = Permit.All(); o.Retry = Retry.Cooldown(TimeSpan.FromSeconds(10)); });
        services.AddCircuitBreaker("search", o => o.Tripper = Tripper.FailureStreak(1));
        services.AddHealthChecks().AddCircuitBreakers();
        _provider = services.BuildServiceProvider();
    }

    public void Dispose() => _provider.Dispose();

    private CircuitBreaker Breaker(string name) => _provider.GetRequiredKeyedService<CircuitBreaker>(name);

    private Task<HealthReport> Check() => _provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    [Fact]
    public async Task Status_FollowsTheWorstBreaker()
    {
        Assert.Equal(HealthStatus.Healthy, (await Check()).Status);

        Breaker("search").Disable();
        Breaker("payments").MetricsOnly();
        Assert.Equal(HealthStatus.Healthy, (await Check()).Status);         // bypassed breakers are healthy

        Breaker("payments").Reset();
        Breaker("payments").Fail(_clock);
        var open = await Check();
        Assert.Equal(HealthStatus.Unhealthy, open.Status);
        Assert.Equal("1 of 2 circuit breakers open: payments.", open.Entries["circuit_breakers"].Description);

        _clock.Advance(TimeSpan.FromSeconds(10));
        Breaker("payments").FailUntracked();                             // moves to half-open, records nothing
        var degraded = await Check();
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal("1 of 2 circuit breakers half-open: payments.", degraded.Entries["circuit_breakers"].Description);

        Breaker("search").ForceOpen();
        Assert.Equal(HealthStatus.Unhealthy, (await Check()).Status);
        Breaker("search").Reset();
        Breaker("payments").Reset();
        Assert.Equal("All 2 circuit breakers closed or bypassed.", (await Check()).Entries["circuit_breakers"].Description);
    }

    [Fact]
    public async Task Data_NamesEveryBreakersStateAndFailureRate()
    {
        Breaker("payments").Fail(_clock);
        Breaker("search").Succeed(_clock);

        var data = (await Check()).Entries["circuit_breakers"].Data;

        var payments = Assert.IsType<Dictionary<string, object?>>(data["payments"]);
        var search = Assert.IsType<Dictionary<string, object?>>(data["search"]);
        Assert.Equal("open", payments["state"]);
        Assert.Null(payments["failure_rate"]);                          // the window is cleared on opening
        Assert.Equal("closed", search["state"]);
        Assert.Equal(0.0, search["failure_rate"]);
        Assert.Equal(1, search["calls"]);
        Assert.Equal(TestKit.Epoch, search["since"]);
    }

    [Fact]
    public async Task FailureStatus_CanBeDegradedInsteadOfUnhealthy()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddLogging();
        services.AddCircuitBreaker("only", o => o.Tripper = Tripper.FailureStreak(1));
        services.AddHealthChecks().AddCircuitBreakers("breakers", HealthStatus.Degraded, ["ready"]);
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredKeyedService<CircuitBreaker>("only").ForceOpen();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal(["ready"], report.Entries["breakers"].Tags);
    }
}
