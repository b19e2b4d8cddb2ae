using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
        await fleet.WhenConnectAttemptedAsync();
        await FleetKit.UntilCoordinatingAsync(fleet);

        Assert.Equal(("web-1", _application), (fleet.ReplicaId, fleet.Application));
        Assert.Equal(["inventory", "payments"], fleet.Breakers.Select(b => b.Name).Order());
        Assert.Same(provider.GetRequiredKeyedService<CircuitBreaker>("payments"), fleet.Breakers.Single(b => b.Name == "payments"));
        var view = await fleet.GetViewAsync("payments");
        Assert.Equal(("web-1", 3), (Assert.Single(view.Replicas).ReplicaId, view.Quorum));
    }

    [Fact]
    public async Task FleetFromConfiguration_BreakersListed_JoinsOnlyThose()
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
    [InlineData("Fluxgate:Fleet:Quorum", "2", "Fluxgate configuration, 'Fluxgate:Fleet:Quorum': Unknown key; expected one of ConnectionString, Application,")]
    [InlineData("Fluxgate:Fleet:HeartbeatInterval", "soon", "'Fluxgate:Fleet:HeartbeatInterval' = 'soon': Expected one duration with a unit")]
    [InlineData("Fluxgate:Fleet:HeartbeatInterval", "5", "'Fluxgate:Fleet:HeartbeatInterval' = '5': Expected one duration with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5m) at position 1, found '5' without a unit.")]
    [InlineData("Fluxgate:Fleet:HeartbeatInterval", "00:00:01", "'Fluxgate:Fleet:HeartbeatInterval' = '00:00:01': Expected one duration with a unit")]
    [InlineData("Fluxgate:Fleet:HeartbeatInterval", "5ms", "'Fluxgate:Fleet:HeartbeatInterval' = '5ms': Must be from 10ms to 1h.")]
    [InlineData("Fluxgate:Fleet:ReplicaTimeout", "1500ms", "'Fluxgate:Fleet:ReplicaTimeout' = '1500ms': Must be at least two heartbeats (2s with HeartbeatInterval 1s)")]
    [InlineData("Fluxgate:Fleet:QuorumMinimum", "1", "'Fluxgate:Fleet:QuorumMinimum' = '1': Must be from 2 to 10,000: one replica alone never opens the others.")]
    [InlineData("Fluxgate:Fleet:QuorumFraction", "2", "'Fluxgate:Fleet:QuorumFraction' = '2': Must be in (0, 1].")]
    [InlineData("Fluxgate:Fleet:Application", "my app", "'Fluxgate:Fleet:Application' = 'my app': 'my app' is not a valid Application")]
    [InlineData("Fluxgate:Fleet:MaxOnDemandBreakers", "0", "'Fluxgate:Fleet:MaxOnDemandBreakers' = '0': Must be from 1 to 10,000.")]
    [InlineData("Fluxgate:Fleet:JoinOnDemandBreakers", "yes", "'Fluxgate:Fleet:JoinOnDemandBreakers' = 'yes'")]
    [InlineData("Fluxgate:Fleet:ConnectionString", "127.0.0.1:6379,conectTimeout=100", "'Fluxgate:Fleet:ConnectionString': Not a valid StackExchange.Redis configuration string: Keyword 'conectTimeout' is not supported.")]
    [InlineData("Fluxgate:Fleet:ConnectionString", "redis://127.0.0.1:6391", "'Fluxgate:Fleet:ConnectionString': A URL such as 'redis://host:port' is not a StackExchange.Redis configuration string")]
    [InlineData("Fluxgate:Fleet:Breakers:0", "nowhere", "Fluxgate configuration, 'Fluxgate:Fleet:Breakers:0' = 'nowhere': No breaker of this name is registered;")]
    public async Task FleetFromConfiguration_BadValue_StopsTheStartNamingTheKey(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(1)",
            ["Fluxgate:Fleet:ConnectionString"] = redis.Server.ConnectionString,
            ["Fluxgate:Fleet:Application"] = _application,
            [key] = value,
        };
        await using var provider = Build(settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(provider));

        Assert.Contains(expected, Assert.Single(error.Failures), StringComparison.Ordinal);
        Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CircuitBreakerFleet>);   // never half made
    }

    [Theory]
    [InlineData("Fluxgate:Fleet:ConnectionString", "Fluxgate configuration, 'Fluxgate:Fleet:ConnectionString': Required: a StackExchange.Redis configuration string")]
    [InlineData("Fluxgate:Fleet:Application", "Fluxgate configuration, 'Fluxgate:Fleet:Application': Required: the name shared")]
    public async Task FleetFromConfiguration_RequiredKeyMissing_StopsTheStart(string missing, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Fluxgate:Fleet:ConnectionString"] = redis.Server.ConnectionString,
            ["Fluxgate:Fleet:Application"] = _application,
        };
        settings.Remove(missing);
        settings["Fluxgate:Fleet:ReplicaId"] = "x";
        await using var provider = Build(settings);

        Assert.StartsWith(expected, Assert.Single((await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(provider))).Failures), StringComparison.Ordinal);
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

    [Fact]
    public async Task FleetInCode_KeepsTheLoggerAndClockSetInConfigure()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var clock = TestKit.NewClock();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(TimeProvider.System);
        services.AddCircuitBreaker("payments", o => o.Tripper = Tripper.FailureStreak(1));
        services.AddCircuitBreakerFleet(redis.Server.ConnectionString, o =>
        {
            o.Application = _application;
            o.Logger = factory.CreateLogger("mine");
            o.TimeProvider = clock;
        });
        await using var provider = services.BuildServiceProvider();

        await StartAsync(provider);

        Assert.Contains(logs.Entries, e => e.Category == "mine" && e.EventId.Name == "FleetJoined");
    }

    [Fact]
    public async Task StartAsync_WithRedisHung_ReturnsAtOnce_AndTheBreakersWorkAlone()
    {
        // Defect: the registration connected inside the singleton's factory, so a hung Redis held the host's start for
        // connectTimeout × connectRetry (15 s measured). A listener that accepts and never answers stands in for it.
        using var hung = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        hung.Start();
        var port = ((System.Net.IPEndPoint)hung.LocalEndpoint).Port;
        await using var provider = Build(new()
        {
            ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(1)",
            ["Fluxgate:Fleet:ConnectionString"] = $"127.0.0.1:{port},connectTimeout=5000,connectRetry=3",
            ["Fluxgate:Fleet:Application"] = _application,
        });

        var start = StartAsync(provider);

        Assert.True(start.IsCompletedSuccessfully, "the host's start must not wait for Redis");
        var breaker = provider.GetRequiredKeyedService<CircuitBreaker>("payments");
        Assert.Equal(42, breaker.Execute(() => 42));
        var fleet = provider.GetRequiredService<CircuitBreakerFleet>();
        Assert.False(fleet.IsCoordinating);
        // Nor does stopping: the client would hold it for connectTimeout × connectRetry (15 s); the bound only turns a hang into a failure.
        await fleet.StopAsync().WaitAsync(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task JoinOnDemandBreakers_JoinsThemAsTheRegistryCreatesThem_UpToTheBound()
    {
        await using var provider = Build(new()
        {
            ["Fluxgate:Breakers:api:Tripper"] = "FailureStreak(1)",
            ["Fluxgate:Fleet:ConnectionString"] = redis.Server.ConnectionString,
            ["Fluxgate:Fleet:Application"] = _application,
            ["Fluxgate:Fleet:JoinOnDemandBreakers"] = "true",
            ["Fluxgate:Fleet:MaxOnDemandBreakers"] = "2",
        });
        await StartAsync(provider);
        var fleet = provider.GetRequiredService<CircuitBreakerFleet>();
        var registry = provider.GetRequiredService<CircuitBreakerRegistry>();

        registry.GetOrAdd("api/a.example", "api");
        registry.GetOrAdd("api/b.example", "api");
        registry.GetOrAdd("api/c.example", "api"); // past the bound: works alone
        Assert.Equal(["api", "api/a.example", "api/b.example"], fleet.Breakers.Select(b => b.Name).Order());

        registry.Remove("api/a.example");
        registry.GetOrAdd("api/d.example", "api");
        Assert.Equal(["api", "api/b.example", "api/d.example"], fleet.Breakers.Select(b => b.Name).Order());
    }

    [Fact]
    public async Task FleetFromConfiguration_OnDemandBreakers_AreNotJoinedByDefault()
    {
        await using var provider = Build(new()
        {
            ["Fluxgate:Breakers:api:Tripper"] = "FailureStreak(1)",
            ["Fluxgate:Fleet:ConnectionString"] = redis.Server.ConnectionString,
            ["Fluxgate:Fleet:Application"] = _application,
        });
        await StartAsync(provider);

        provider.GetRequiredService<CircuitBreakerRegistry>().GetOrAdd("api/a.example", "api");

        Assert.Equal(["api"], provider.GetRequiredService<CircuitBreakerFleet>().Breakers.Select(b => b.Name));
    }

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

    /// <summary>Starts as the host does: validates the options that ask for it, then starts the hosted services.</summary>
    private static async Task StartAsync(IServiceProvider provider)
    {
        provider.GetService<IStartupValidator>()?.Validate();
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }
    }
}
