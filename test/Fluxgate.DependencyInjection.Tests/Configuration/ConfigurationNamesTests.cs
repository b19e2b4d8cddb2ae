using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fluxgate.DependencyInjection.Tests.Configuration;

/// <summary>
/// Keys and breaker names are matched ignoring case, as everywhere in .NET configuration: upper-case environment
/// variables configure the breaker the code names, and never make a second one. Real typos are still errors.
/// </summary>
public sealed class ConfigurationNamesTests : IDisposable
{
    private readonly string _prefix = $"FLUXGATETEST{Guid.NewGuid():N}__";
    private readonly List<string> _variables = [];
    private readonly LoopbackServer _server = new();
    private ServiceProvider? _provider;

    public void Dispose()
    {
        foreach (var variable in _variables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        _provider?.Dispose();
        _server.Dispose();
    }

    private IConfiguration Configuration(string json, params (string Name, string Value)[] environment)
    {
        foreach (var (name, value) in environment)
        {
            _variables.Add(_prefix + name);
            Environment.SetEnvironmentVariable(_prefix + name, value);
        }

        return new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)))
            .AddEnvironmentVariables(_prefix)
            .Build();
    }

    [Fact]
    public void UpperCaseEnvironmentVariables_ConfigureTheBreaker()
    {
        var configuration = Configuration(
            """{ "Fluxgate": { "Breakers": { "payments": { "Tripper": "FailureStreak(2)" } } } }""",
            ("FLUXGATE__BREAKERS__PAYMENTS__WINDOW", "Count(5)"),
            ("FLUXGATE__BREAKERS__PAYMENTS__MAXHALFOPENCALLS", "3"));
        var services = new ServiceCollection();

        services.AddCircuitBreakers(configuration.GetSection("Fluxgate"));
        _provider = services.BuildServiceProvider();

        var options = _provider.GetRequiredService<IOptionsMonitor<CircuitBreakerOptions>>().Get("payments");
        Assert.Equal("Count(5)", options.Window.ToString());
        Assert.Equal("FailureStreak(2)", options.Tripper.ToString());
        Assert.Equal(3, options.MaxHalfOpenCalls);
        Assert.Single(_provider.GetRequiredService<CircuitBreakerRegistry>().Breakers);
    }

    [Fact]
    public async Task BreakerNameInAnotherCase_ConfiguresTheHttpClientsBreaker_AndMakesNoSecondOne()
    {
        var configuration = Configuration(
            """{ "Fluxgate": { "Breakers": { "downstream": { "Window": "Count(20)", "Tripper": "FailureStreak(2)" } } } }""",
            ("Fluxgate__Breakers__Downstream__Retry", "Cooldown(5m)"));
        var services = new ServiceCollection();
        services.AddCircuitBreakers(configuration.GetSection("Fluxgate"));
        services.AddHttpClient("downstream", c => c.BaseAddress = _server.BaseAddress).AddCircuitBreaker();
        _provider = services.BuildServiceProvider();
        _server.Respond = _ => (503, "{}");
        using var client = _provider.GetRequiredService<IHttpClientFactory>().CreateClient("downstream");

        for (var i = 0; i < 2; i++)
        {
            using var failed = await client.GetAsync(new Uri("x", UriKind.Relative));
        }

        var registry = _provider.GetRequiredService<CircuitBreakerRegistry>();
        var breaker = Assert.Single(registry.Breakers);
        Assert.Equal("downstream", breaker.Name);                             // the code's spelling
        Assert.Equal(CircuitState.Open, breaker.State);                       // FailureStreak(2) from appsettings
        Assert.InRange(Assert.Throws<CallNotPermittedException>(() => breaker.Execute(() => 0)).RetryAfter!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));  // Cooldown(5m) from the variable
        Assert.Same(breaker, _provider.GetRequiredKeyedService<CircuitBreaker>("downstream"));
        Assert.Same(breaker, registry.Get("Downstream"));
    }

    [Fact]
    public void Reload_OfASectionInAnotherCase_ReconfiguresTheBreaker()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Fluxgate:Breakers:Payments:Tripper"] = "FailureStreak(5)" }).Build();
        var services = new ServiceCollection();
        services.AddCircuitBreakers(configuration.GetSection("Fluxgate"));
        services.AddCircuitBreaker("payments", o => o.Tracker = Tracker.All());
        _provider = services.BuildServiceProvider();
        var breaker = _provider.GetRequiredKeyedService<CircuitBreaker>("payments");

        configuration["Fluxgate:Breakers:Payments:Tripper"] = "FailureStreak(1)";
        configuration.Reload();
        breaker.Execute(() => throw new InvalidOperationException(), _ => 0);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal("payments", breaker.Name);
    }

    [Theory]
    [InlineData("Tripped")]
    [InlineData("TRIPPED")]
    [InlineData("Windows")]
    public void MisspelledKeys_AreStillErrorsInAnyCase(string key)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Fluxgate:Breakers:payments:{key}"] = "FailureStreak(2)" }).Build();

        _provider = new ServiceCollection().AddCircuitBreakers(configuration.GetSection("Fluxgate")).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => _provider.GetRequiredKeyedService<CircuitBreaker>("payments"));
        Assert.Equal($"Fluxgate configuration, 'Fluxgate:Breakers:payments:{key}': Unknown key; expected one of Window, Tracker, Tripper, Retry, Permit, MaxHalfOpenCalls, MeasureDurations.", Assert.Single(error.Failures));
    }

    [Fact]
    public void KeysInAnyCase_AreAccepted()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["fluxgate:breakers:payments:tripper"] = "FailureStreak(2)",
            ["FLUXGATE:BREAKERS:PAYMENTS:PERMIT"] = "All()",
            ["Fluxgate:Breakers:payments:retry"] = "Never()",
        }).Build();
        var services = new ServiceCollection();

        services.AddCircuitBreakers(configuration.GetSection("Fluxgate"));
        _provider = services.BuildServiceProvider();

        var options = _provider.GetRequiredService<IOptionsMonitor<CircuitBreakerOptions>>().Get("payments");
        Assert.Equal("FailureStreak(2)", options.Tripper.ToString());
        Assert.Equal("All()", options.Permit.ToString());
        Assert.Equal("Never()", options.Retry.ToString());
    }
}
