using System.Collections.Concurrent;
using Fluxgate;
using Fluxgate.DependencyInjection;
using Fluxgate.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a circuit breaker to clients built by IHttpClientFactory.</summary>
public static class FluxgateHttpClientBuilderExtensions
{
    /// <summary>Sends the client's requests through a circuit breaker named after the client, with handler settings (per-authority breakers, a timeout of the handler's own).</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configureHandler">Configures the handler; run once per client name by the options system.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configureHandler"/> is <see langword="null"/>.</exception>
    public static IHttpClientBuilder AddCircuitBreaker(this IHttpClientBuilder builder, Action<HttpCircuitBreakerHandlerOptions> configureHandler)
    {
        ArgumentNullException.ThrowIfNull(configureHandler);
        return builder.AddCircuitBreaker(null, null, configureHandler);
    }

    /// <summary>
    /// Sends the client's requests through the circuit breaker <paramref name="name"/>. By default 5xx, 408 and 429 responses,
    /// <see cref="HttpRequestException"/> and the handler's timeout count as failures (the response is still returned);
    /// a rejected request throws <see cref="CallNotPermittedException"/> from <c>SendAsync</c> without touching the network.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="name">The breaker's name (with <see cref="HttpCircuitBreakerHandlerOptions.PerAuthority"/>, the name of the options every per-authority breaker is made from); the client's name when <see langword="null"/>. Clients naming the same breaker share it.</param>
    /// <param name="configure">Configures the breaker's options, after the HTTP defaults and any configuration section of the same name.</param>
    /// <param name="configureHandler">Configures the handler (per-authority breakers, a timeout of its own; named options of the client's name); run once per client name by the options system.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or blank.</exception>
    /// <remarks>
    /// The HTTP defaults (<see cref="HttpCircuitBreakerDefaults.Apply"/>) are the starting values of the breaker's options:
    /// a configuration section and <paramref name="configure"/> override them, whatever the order of registration. The handler
    /// goes where this call puts it among the client's handlers.
    /// </remarks>
    public static IHttpClientBuilder AddCircuitBreaker(this IHttpClientBuilder builder, string? name = null, Action<CircuitBreakerOptions>? configure = null, Action<HttpCircuitBreakerHandlerOptions>? configureHandler = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
        }

        var breakerName = name ?? builder.Name;
        var clientName = builder.Name;
        var services = builder.Services;
        var handlerOptions = services.AddOptions<HttpCircuitBreakerHandlerOptions>(clientName);
        if (configureHandler is not null)
        {
            handlerOptions.Configure(configureHandler);
        }

        // The HTTP rules are starting values, so a configuration section or `configure` overrides them in any order; with
        // per-authority breakers the name only templates the breakers made for each authority.
        services.AddCircuitBreaker(new CircuitBreakerRegistration(breakerName, $"HTTP client '{clientName}'")
        {
            StartingValues = HttpCircuitBreakerDefaults.Apply,
            IsTemplate = sp => sp.GetRequiredService<IOptionsMonitor<HttpCircuitBreakerHandlerOptions>>().Get(clientName).PerAuthority,
        });
        if (configure is not null)
        {
            services.AddCircuitBreaker(breakerName, configure);
        }

        services.TryAddSingleton<AuthoritySelectors>();
        return builder.AddHttpMessageHandler(sp =>
        {
            var registry = sp.GetRequiredService<CircuitBreakerRegistry>();
            var settings = sp.GetRequiredService<IOptionsMonitor<HttpCircuitBreakerHandlerOptions>>().Get(clientName);
            var timeProvider = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            if (!settings.PerAuthority)
            {
                var breaker = registry.Get(breakerName);
                return new CircuitBreakerHandler(_ => breaker, settings.Timeout, timeProvider);
            }

            return new CircuitBreakerHandler(sp.GetRequiredService<AuthoritySelectors>().For(registry, breakerName), settings.Timeout, timeProvider);
        });
    }

    /// <summary>One per-authority selector per breaker name, shared by the handler instances IHttpClientFactory recycles, so their name caches survive.</summary>
    private sealed class AuthoritySelectors
    {
        private readonly ConcurrentDictionary<string, Func<HttpRequestMessage, CircuitBreaker>> _selectors = new(StringComparer.OrdinalIgnoreCase);

        public Func<HttpRequestMessage, CircuitBreaker> For(CircuitBreakerRegistry registry, string template) =>
            _selectors.GetOrAdd(template, static (t, r) => CircuitBreakerHandler.SelectByAuthority(r, t), registry);
    }
}
