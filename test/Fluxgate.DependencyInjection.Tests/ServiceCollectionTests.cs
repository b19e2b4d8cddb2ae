using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fluxgate.DependencyInjection.Tests;

public sealed class ServiceCollectionTests : IDisposable
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly CapturingLoggerProvider _logs = new();
    private ServiceProvider? _provider;

    public void Dispose() => _provider?.Dispose();

    private ServiceProvider Build(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        configure(services);
        return _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public void AddCircuitBreaker_RegistersAKeyedSingletonNamedByItsKey()
    {
        var sp = Build(s => s
            .AddCircuitBreaker("payments", o => o.Tripper = Tripper.FailureStreak(2))
            .AddCircuitBreaker("search", o => o.Tripper = Tripper.FailureStreak(9)));

        var payments = sp.GetRequiredKeyedService<CircuitBreaker>("payments");

        Assert.Equal("payments", payments.Name);
        Assert.Same(payments, sp.GetRequiredKeyedService<CircuitBreaker>("payments"));
        Assert.Same(payments, sp.GetRequiredService<CircuitBreakerRegistry>().Get("payments"));
        Assert.NotSame(payments, sp.GetRequiredKeyedService<CircuitBreaker>("search"));
        Assert.Null(sp.GetKeyedService<CircuitBreaker>("unknown"));
        payments.Fail(_clock);
        payments.Fail(_clock);
        Assert.Equal(CircuitState.Open, payments.State);
    }

    [Fact]
    public void AddCircuitBreaker_TakesTimeAndLoggingFromTheContainer()
    {
        var sp = Build(s => s.AddCircuitBreaker("payments", o =>
        {
            o.Tripper = Tripper.FailureStreak(1);
            o.Retry = Retry.Cooldown(TimeSpan.FromSeconds(30));
            o.Permit = Permit.All();
        }));
        var breaker = sp.GetRequiredKeyedService<CircuitBreaker>("payments");

        breaker.Fail(_clock);
        _clock.Advance(TimeSpan.FromSeconds(30));                 // the container's fake clock drives the cooldown
        breaker.Succeed(_clock);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(TestKit.Epoch + TimeSpan.FromSeconds(30), breaker.GetInfo().ChangedAt);
        Assert.Equal(
            ["Circuit Breaker 'payments' transitioned from closed to open", "Circuit Breaker 'payments' transitioned from open to half_open", "Circuit Breaker 'payments' transitioned from half_open to closed"],
            _logs.Entries.Where(e => e.Category == "Fluxgate.CircuitBreaker").Select(e => e.Message));
    }

    [Fact]
    public void Logging_FilteredOutForTheCategory_LogsNothingForTransitions()
    {
        var sp = Build(s => s.AddCircuitBreaker("quiet", o => o.Tripper = Tripper.FailureStreak(1)).AddLogging(b => b.AddFilter("Fluxgate.CircuitBreaker", LogLevel.None)));

        sp.GetRequiredKeyedService<CircuitBreaker>("quiet").Fail(_clock);

        Assert.Empty(_logs.Entries);
    }

    [Fact]
    public void AddCircuitBreaker_InvalidArguments_Throw()
    {
        var services = new ServiceCollection();
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => services.AddCircuitBreaker(" ", _ => { })).ParamName);
        Assert.Equal("configure", Assert.Throws<ArgumentNullException>(() => services.AddCircuitBreaker("x", null!)).ParamName);
        Assert.Equal("section", Assert.Throws<ArgumentNullException>(() => services.AddCircuitBreakers(null!)).ParamName);
    }

    [Fact]
    public void AddCircuitBreakers_FromAppSettingsJson_BuildsEachBreakerWrittenLikeTheFactories()
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(Json("""
            { "Fluxgate": { "Breakers": {
                "payment_api": {
                    "Window": "Count(100)",
                    "Tracker": "TypeOf(System.Net.Http.HttpRequestException) | TypeOf(System.TimeoutException)",
                    "Tripper": "MinRequests(20) & ((Closed() & FailureRate(0.6)) | (HalfOpened() & FailureRate(0.5)))",
                    "Retry": "Backoff(10s, 2.0, 300s, 0.1)",
                    "Permit": "RampUp(0.1, 0.5, 60s)",
                    "MaxHalfOpenCalls": 5 },
                "search": { "Tripper": "FailureStreak(2)", "MeasureDurations": false } } } }
            """)).Build();
        var sp = Build(s => s.AddCircuitBreakers(configuration.GetSection("Fluxgate")));

        var options = sp.GetRequiredService<IOptionsMonitor<CircuitBreakerOptions>>().Get("payment_api");
        Assert.Equal("payment_api", options.Name);
        Assert.Equal(100, Assert.IsType<CountWindow>(options.Window).Size);
        Assert.Equal("TypeOf(System.Net.Http.HttpRequestException) | TypeOf(System.TimeoutException)", options.Tracker.ToString());
        Assert.Equal("MinRequests(20) & (Closed() & FailureRate(0.6) | HalfOpened() & FailureRate(0.5))", options.Tripper.ToString());
        Assert.Equal("Backoff(10s, 2, 5m, 0.1)", options.Retry.ToString());
        Assert.Equal("RampUp(0.1, 0.5, 1m)", options.Permit.ToString());
        Assert.Equal(5, options.MaxHalfOpenCalls);
        Assert.True(options.MeasureDurations);
        Assert.False(sp.GetRequiredService<IOptionsMonitor<CircuitBreakerOptions>>().Get("search").MeasureDurations);

        var search = sp.GetRequiredKeyedService<CircuitBreaker>("search");
        search.Execute(() => throw new InvalidOperationException(), _ => 0);   // defaults: Tracker.All()
        search.Execute(() => throw new InvalidOperationException(), _ => 0);
        Assert.Equal(CircuitState.Open, search.State);
        Assert.Equal(["payment_api", "search"], sp.GetRequiredService<CircuitBreakerRegistry>().Breakers.Select(b => b.Name).Order());
    }

    public static TheoryData<string, string> InvalidConfigurations => new()
    {
        {
            """{ "Tripper": "MinRequests(20 & FailureRate(0.5)" }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:Tripper' = 'MinRequests(20 & FailureRate(0.5)': Expected ',' or ')' at position 16, found '&'."
        },
        {
            """{ "Window": "Count(0)" }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:Window' = 'Count(0)': Expected size between 1 and 10,000,000 calls at position 7, found '0'."
        },
        {
            """{ "Tracker": "TypeOf(HttpRequestException)" }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:Tracker' = 'TypeOf(HttpRequestException)': Expected the full name of an exception type at position 8, found 'HttpRequestException', which names no loaded or framework type (a trimmed or Native AOT application names its exception types: Tracker.Parse(expression, types), or AddCircuitBreakerExceptionType<T>() with a container)."
        },
        {
            """{ "Retry": "Backoff(10)" }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:Retry' = 'Backoff(10)': Expected a duration with a unit (ms, s, m or h) for 'initial' at position 9, found '10'."
        },
        {
            """{ "Permit": "RampUp(0.1, 2, 60s)" }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:Permit' = 'RampUp(0.1, 2, 60s)': Expected final between initial (0.1) and 1 at position 13, found '2'."
        },
        {
            """{ "MaxHalfOpenCalls": "many" }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:MaxHalfOpenCalls' = 'many': Expected a whole number of at least 1."
        },
        {
            """{ "MaxHalfOpenCalls": 0 }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:MaxHalfOpenCalls' = '0': Expected a whole number of at least 1."
        },
        {
            """{ "Tripped": "FailureRate(0.5)" }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:Tripped': Unknown key; expected one of Window, Tracker, Tripper, Retry, Permit, MaxHalfOpenCalls, MeasureDurations."
        },
        {
            """{ "MeasureDurations": "sometimes" }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:MeasureDurations' = 'sometimes': Expected true or false."
        },
        {
            """{ "Tripper": "MinRequests(10) & SlowRate(0.5, 2s)", "MeasureDurations": false }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:MeasureDurations' = 'False': The tripper (MinRequests(10) & SlowRate(0.5, 2s)) decides on call durations, which a breaker with MeasureDurations false does not measure; set MeasureDurations to true or use a tripper that reads no durations (no AvgLatency or SlowRate)."
        },
        {
            """{ "Tripper": { "Min": 5 } }""",
            "Fluxgate configuration, 'Fluxgate:Breakers:payment_api:Tripper': Expected a string value, found a section."
        },
    };

    [Theory]
    [MemberData(nameof(InvalidConfigurations))]
    public async Task AddCircuitBreakers_InvalidValue_FailsHostStartNamingPathValueAndRule(string breakerJson, string message)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddJsonStream(Json($$"""{ "Fluxgate": { "Breakers": { "payment_api": {{breakerJson}} } } }"""));
        builder.Services.AddCircuitBreakers(builder.Configuration.GetSection("Fluxgate"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal([message], error.Failures);
        Assert.Equal("payment_api", error.OptionsName);
    }

    [Fact]
    public async Task AddCircuitBreakers_UntimedInConfigurationWithADurationTripperFromCode_FailsHostStartNamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddJsonStream(Json("""{ "Fluxgate": { "Breakers": { "payment_api": { "MeasureDurations": false } } } }"""));
        builder.Services
            .AddCircuitBreaker("payment_api", o => o.Tripper = Tripper.MinRequests(10) & Tripper.AvgLatency(TimeSpan.FromSeconds(1)))
            .AddCircuitBreakers(builder.Configuration.GetSection("Fluxgate"));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            ["Fluxgate configuration, 'Fluxgate:Breakers:payment_api:MeasureDurations' = 'False': The tripper (MinRequests(10) & AvgLatency(1s)) decides on call durations, which a breaker with MeasureDurations false does not measure; set MeasureDurations to true or use a tripper that reads no durations (no AvgLatency or SlowRate)."],
            error.Failures);
    }

    [Fact]
    public void AddCircuitBreakers_InvalidValueWithoutAHost_FailsWhenTheBreakerIsMade()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Fluxgate:Breakers:payments:Window"] = "Count(0)" }).Build();
        var sp = Build(s => s.AddCircuitBreakers(configuration.GetSection("Fluxgate")));

        var error = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredKeyedService<CircuitBreaker>("payments"));

        Assert.StartsWith("Fluxgate configuration, 'Fluxgate:Breakers:payments:Window' = 'Count(0)': Expected size between 1", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_ReconfiguresTheBreakerKeepingItsState()
    {
        var source = new Dictionary<string, string?>
        {
            ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(3)",
            ["Fluxgate:Breakers:payments:Retry"] = "Cooldown(60s)",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(source).Build();
        var sp = Build(s => s.AddCircuitBreakers(configuration.GetSection("Fluxgate")));
        var breaker = sp.GetRequiredKeyedService<CircuitBreaker>("payments");
        breaker.Fail(_clock);
        breaker.Fail(_clock);

        configuration["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(2) | FailureRate(0.9)";
        configuration.Reload();

        Assert.Equal(2, breaker.GetInfo().ConsecutiveFailures);          // counters kept
        breaker.Fail(_clock);                                            // 3 ≥ 2: the new tripper decides
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Contains(_logs.Entries, e => e.Message == "Circuit Breaker 'payments' was reconfigured; its state and counters are kept");

        configuration["Fluxgate:Breakers:payments:Retry"] = "Cooldown(5s)";
        configuration.Reload();
        Assert.Equal(CircuitState.Open, breaker.State);                  // state kept; the open wait stays as drawn
        Assert.Equal(TimeSpan.FromSeconds(60), Assert.Throws<CallNotPermittedException>(() => breaker.Execute(() => 0)).RetryAfter);
    }

    [Fact]
    public void Reload_WithAnInvalidValue_IsLoggedAndTheBreakerKeepsItsSettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(2)" }).Build();
        var sp = Build(s => s.AddCircuitBreakers(configuration.GetSection("Fluxgate")));
        var breaker = sp.GetRequiredKeyedService<CircuitBreaker>("payments");

        configuration["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(";
        configuration.Reload();
        breaker.Fail(_clock);
        breaker.Fail(_clock);

        Assert.Equal(CircuitState.Open, breaker.State);
        var error = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal("Circuit Breaker 'payments' keeps its settings: the new configuration is invalid", error.Message);
        var failure = Assert.Single(Assert.IsType<OptionsValidationException>(error.Exception).Failures);
        Assert.Equal("Fluxgate configuration, 'Fluxgate:Breakers:payments:Tripper' = 'FailureStreak(': Expected a whole number for 'count' at position 15, found end of input.", failure);
    }

    [Fact]
    public void AddCircuitBreakerExceptionType_NamedInConfiguration_IsFoundWithoutReflection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Fluxgate:Breakers:payments:Tracker"] = $"TypeOf({typeof(DeclinedException).FullName})",
            ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(1)",
        }).Build();
        var sp = Build(s => s.AddCircuitBreakerExceptionType<DeclinedException>().AddCircuitBreakers(configuration.GetSection("Fluxgate")));
        var breaker = sp.GetRequiredKeyedService<CircuitBreaker>("payments");

        Assert.Throws<DeclinedException>(() => breaker.Execute(() => throw new DeclinedException()));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    /// <summary>An application's exception, named in configuration.</summary>
    public sealed class DeclinedException : Exception;

    [Fact]
    public void AddCircuitBreaker_Registration_StartsFromItsStartingValuesWhichConfigureOverrides()
    {
        var sp = Build(s => s
            .AddCircuitBreaker("grpc", o => o.Retry = Retry.Never())
            .AddCircuitBreaker(new CircuitBreakerRegistration("grpc", "gRPC client 'grpc'")
            {
                StartingValues = o => { o.Tripper = Tripper.FailureStreak(1); o.Retry = Retry.Cooldown(TimeSpan.FromSeconds(9)); },
            }));

        var breaker = sp.GetRequiredKeyedService<CircuitBreaker>("grpc");

        var policy = breaker.GetInfo().Policy;
        Assert.Contains("Tripper=FailureStreak(1)", policy, StringComparison.Ordinal);   // the starting value, not overridden
        Assert.Contains("Retry=Never()", policy, StringComparison.Ordinal);              // configure overrides the starting value
    }

    [Fact]
    public void AddCircuitBreaker_TemplateRegistration_KeepsNoBreakerOfItsName()
    {
        var sp = Build(s => s
            .AddCircuitBreaker("tenants", o => o.Tripper = Tripper.FailureStreak(1))
            .AddCircuitBreaker(new CircuitBreakerRegistration("tenants", "tenant clients") { IsTemplate = _ => true }));
        var registry = sp.GetRequiredService<CircuitBreakerRegistry>();

        var made = registry.GetOrAdd("tenants/acme", template: "tenants");

        Assert.Equal(["tenants/acme"], registry.Breakers.Select(b => b.Name));
        Assert.Contains("Tripper=FailureStreak(1)", made.GetInfo().Policy, StringComparison.Ordinal);
    }

    [Fact]
    public void CodeConfiguration_AddsListenersToConfiguredBreakers()
    {
        var listener = new RecordingListener();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Fluxgate:Breakers:payments:Tripper"] = "FailureStreak(1)" }).Build();
        var sp = Build(s => s
            .AddCircuitBreakers(configuration.GetSection("Fluxgate"))
            .ConfigureAll<CircuitBreakerOptions>(o => o.Listeners.Add(listener)));

        sp.GetRequiredKeyedService<CircuitBreaker>("payments").Fail(_clock);

        Assert.Equal([(CircuitState.Closed, CircuitState.Open)], listener.Transitions);
    }

    private static MemoryStream Json(string json) => new(System.Text.Encoding.UTF8.GetBytes(json));
}
