using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fluxgate.DependencyInjection.Tests.Configuration;

/// <summary>
/// A misnamed <c>Fluxgate</c> section, an unknown key in it, or a breaker the code registers that no section describes:
/// the application starts (they are not errors) and the host logs a warning saying what it found and what it expected.
/// </summary>
public sealed class ConfigurationCheckTests
{
    private readonly CapturingLoggerProvider _logs = new();

    private async Task<IReadOnlyList<CapturingLoggerProvider.Entry>> StartAsync(Dictionary<string, string?> settings, Action<HostApplicationBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(_logs);
        configure(builder);
        using var host = builder.Build();
        await host.StartAsync();                                      // the check runs here, before anything resolves a breaker
        var warnings = _logs.Entries.Where(e => e.Category == "Fluxgate.CircuitBreaker" && e.Level == LogLevel.Warning).ToList();
        await host.StopAsync();
        return warnings;
    }

    [Fact]
    public async Task MisnamedSection_IsAWarningAtStartUp()
    {
        var warnings = await StartAsync(
            new() { ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(2)" },
            b => b.Services.AddCircuitBreakers(b.Configuration.GetSection("Fluxgat")));

        var warning = Assert.Single(warnings);
        Assert.Equal("FluxgateSectionMissing", warning.EventId.Name);
        Assert.Contains("'Fluxgat'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("usually 'Fluxgate'", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownKeyOfTheSection_IsAWarningSuggestingBreakers()
    {
        var warnings = await StartAsync(
            new() { ["Fluxgate:Breaker:payments:Tripper"] = "FailureStreak(2)" },
            b => b.Services.AddCircuitBreakers(b.Configuration.GetSection("Fluxgate")));

        var warning = Assert.Single(warnings);
        Assert.Equal("FluxgateSectionUnknownKey", warning.EventId.Name);
        Assert.Equal("The configuration section 'Fluxgate' has a key 'Breaker' that Fluxgate does not read; its keys are 'Breakers' (and 'Fleet', read by Fluxgate.Redis). Did you mean 'Breakers'?", warning.Message);
    }

    [Fact]
    public async Task TheBreakersSectionGivenInsteadOfFluxgate_IsAWarningSayingSo()
    {
        var warnings = await StartAsync(
            new() { ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(2)" },
            b => b.Services.AddCircuitBreakers(b.Configuration.GetSection("Fluxgate:Breakers")));

        var warning = Assert.Single(warnings);
        Assert.Contains("'payments' looks like a breaker", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpClientBreakerWithoutASection_IsAWarningListingTheConfiguredOnes()
    {
        var warnings = await StartAsync(
            new() { ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(2)" },
            b =>
            {
                b.Services.AddCircuitBreakers(b.Configuration.GetSection("Fluxgate"));
                b.Services.AddHttpClient("downstrem").AddCircuitBreaker();
                b.Services.AddCircuitBreaker("search", _ => { });
            });

        Assert.Equal(
            [
                "Circuit Breaker 'downstrem' (HTTP client 'downstrem') has no section under 'Fluxgate:Breakers'; it runs on the options given in code. Configured breakers: payments",
                "Circuit Breaker 'search' (registered with AddCircuitBreaker) has no section under 'Fluxgate:Breakers'; it runs on the options given in code. Configured breakers: payments",
            ],
            warnings.Select(w => w.Message).Order());
    }

    [Fact]
    public async Task EverythingConfigured_InAnyCase_StartsWithoutWarnings()
    {
        var warnings = await StartAsync(
            new()
            {
                ["Fluxgate:Breakers:Downstream:Tripper"] = "FailureStreak(2)",
                ["Fluxgate:Breakers:partners:Tripper"] = "FailureStreak(2)",
                ["Fluxgate:Fleet:Application"] = "shop",
            },
            b =>
            {
                b.Services.AddCircuitBreakers(b.Configuration.GetSection("Fluxgate"));
                b.Services.AddHttpClient("downstream").AddCircuitBreaker();
                b.Services.AddHttpClient("partners").AddCircuitBreaker(h => h.PerAuthority = true);
            });

        Assert.Empty(warnings);
    }

    [Fact]
    public async Task NoFluxgateSectionAtAll_AndBreakersOnlyInCode_StartsWithoutWarnings()
    {
        var warnings = await StartAsync([], b => b.Services.AddCircuitBreaker("payments", o => o.Tripper = Tripper.FailureStreak(2)));

        Assert.Empty(warnings);
    }

    [Fact]
    public void WithoutAHost_TheWarningsAreLoggedWhenTheRegistryIsFirstBuilt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(2)" }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(_logs));
        services.AddCircuitBreakers(configuration.GetSection("Fluxgat"));
        using var provider = services.BuildServiceProvider();
        Assert.Empty(_logs.Entries);

        _ = provider.GetRequiredService<CircuitBreakerRegistry>();

        Assert.Single(_logs.Entries, e => e.EventId.Name == "FluxgateSectionMissing");
    }
}
