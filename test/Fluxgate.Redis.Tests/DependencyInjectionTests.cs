using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fluxgate.Redis.Tests;

/// <summary>The fleet from configuration: it joins the container's breakers when the host starts, and refuses a bad section clearly.</summary>
public sealed class DependencyInjectionTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private readonly string _application = "di-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task FleetFromConfiguration_JoinsTheRegisteredBreakersWhenTheHostStarts()
    {
        await using var provider = Build(new()
        {
            ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(1)",
            ["Fluxgate:Breakers:inventory:Tripper"] = "FailureStreak(1)",
            ["Fluxgate:Fleet:ConnectionString"] = redis.Server.ConnectionString,
            ["Fluxgate:Fleet:Application"] = _application,
            ["Fluxgate:Fleet:ReplicaId"] = "web-1",
            ["Fluxgate:Fleet:HeartbeatInterval"] = "250ms",
            ["Fluxgate:Fleet:QuorumMinimum"] = "3",
        });

        await StartAsync(provider);
        var fleet = provider.GetRequiredService<CircuitBreakerFleet>();
        await fleet.TickAsync();

        Assert.Equal(("web-1", _application), (fleet.ReplicaId, fleet.Application));
        Assert.Equal(["inventory", "payments"], fleet.Breakers.Select(b => b.Name).Order());
        Assert.Same(provider.GetRequiredKeyedService<CircuitBreaker>("payments"), fleet.Breakers.Single(b => b.Name == "payments"));
        var view = await fleet.GetViewAsync("payments");
        Assert.Equal(("web-1", 3), (Assert.Single(view.Replicas).ReplicaId, view.Quorum));
    }

    [Fact]
    public async Task Breakers_ListsWhichBreakersJoin()
    {
        await using var provider = Build(new()
        {
            ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(1)",
            ["Fluxgate:Breakers:inventory:Tripper"] = "FailureStreak(1)",
            ["Fluxgate:Fleet:ConnectionString"] = redis.Server.ConnectionString,
            ["Fluxgate:Fleet:Application"] = _application,
            ["Fluxgate:Fleet:Breakers:0"] = "Payments",
        });

        await StartAsync(provider);

        Assert.Equal(["payments"], provider.GetRequiredService<CircuitBreakerFleet>().Breakers.Select(b => b.Name));
    }

    [Theory]
    [InlineData("Fluxgate:Fleet:Quorum", "2", "'Fluxgate:Fleet:Quorum': unknown key")]
    [InlineData("Fluxgate:Fleet:HeartbeatInterval", "soon", "'Fluxgate:Fleet:HeartbeatInterval': invalid value 'soon'")]
    [InlineData("Fluxgate:Fleet:HeartbeatInterval", "5ms", "Must be from 10 ms to 1 h")]
    [InlineData("Fluxgate:Fleet:QuorumMinimum", "1", "one replica alone never opens the others")]
    [InlineData("Fluxgate:Fleet:QuorumFraction", "2", "Must be in (0, 1]")]
    [InlineData("Fluxgate:Fleet:Application", "my app", "'Fluxgate:Fleet:Application': invalid value 'my app'")]
    [InlineData("Fluxgate:Fleet:Breakers:0", "nowhere", "no breaker named 'nowhere' is registered")]
    public async Task ABadSection_StopsTheStartNamingTheKey(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(1)",
            ["Fluxgate:Fleet:ConnectionString"] = redis.Server.ConnectionString,
            ["Fluxgate:Fleet:Application"] = _application,
            [key] = value,
        };
        await using var provider = Build(settings);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(provider));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Fluxgate:Fleet:ConnectionString", "'Fluxgate:Fleet:ConnectionString': required")]
    [InlineData("Fluxgate:Fleet:Application", "'Fluxgate:Fleet:Application': required")]
    public async Task ARequiredKeyMissing_StopsTheStart(string missing, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Fluxgate:Fleet:ConnectionString"] = redis.Server.ConnectionString,
            ["Fluxgate:Fleet:Application"] = _application,
        };
        settings.Remove(missing);
        settings["Fluxgate:Fleet:ReplicaId"] = "x";
        await using var provider = Build(settings);

        Assert.Contains(expected, (await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(provider))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FleetInCode_JoinsEveryBreakerOfTheRegistry()
    {
        var services = new ServiceCollection();
        services.AddCircuitBreaker("payments", o => o.Tripper = Tripper.FailureStreak(1));
        services.AddCircuitBreakerFleet(redis.Server.ConnectionString, o => o.Application = _application);
        await using var provider = services.BuildServiceProvider();

        await StartAsync(provider);

        Assert.Equal(["payments"], provider.GetRequiredService<CircuitBreakerFleet>().Breakers.Select(b => b.Name));
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("00:00:02", 2000)]
    public void Duration_ReadsFluxgatesAndTimeSpansNotations(string text, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), FluxgateFleetServiceCollectionExtensions.Duration(text));

    [Fact]
    public void AddCircuitBreakerFleet_NullArguments_Throw()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentNullException>(() => services.AddCircuitBreakerFleet((IConfiguration)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddCircuitBreakerFleet(null!, _ => { }));
        Assert.Throws<ArgumentNullException>(() => services.AddCircuitBreakerFleet("localhost", null!));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddCircuitBreakers(configuration.GetSection("Fluxgate"));
        services.AddCircuitBreakerFleet(configuration.GetSection("Fluxgate:Fleet"));
        return services.BuildServiceProvider();
    }

    private static async Task StartAsync(IServiceProvider provider)
    {
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }
    }
}
