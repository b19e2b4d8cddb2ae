using Fluxgate;
using Fluxgate.DependencyInjection;
using Fluxgate.Http;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a circuit breaker to clients built by IHttpClientFactory.</summary>
public static class FluxgateHttpClientBuilderExtensions
{
    /// <summary>
    /// Sends the client's requests through the circuit breaker <paramref name="name"/>. By default 5xx, 408 and 429 responses,
    /// <see cref="HttpRequestException"/> and the handler's timeout count as failures (the response is still returned);
    /// a rejected request throws <see cref="CallNotPermittedException"/> from <c>SendAsync</c> without touching the network.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="name">The breaker's name; the client's name when <see langword="null"/>. Clients naming the same breaker share it.</param>
    /// <param name="configure">Configures the breaker's options, after the HTTP defaults and any configuration section of the same name.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IHttpClientBuilder AddCircuitBreaker(this IHttpClientBuilder builder, string? name = null, Action<CircuitBreakerOptions>? configure = null) =>
        builder.AddCircuitBreaker(name, configure, null);

    /// <summary>Sends the client's requests through the circuit breaker <paramref name="name"/>, with handler settings (per-authority breakers, a timeout of the handler's own).</summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="name">The breaker's name (with <see cref="HttpCircuitBreakerHandlerOptions.PerAuthority"/>, the options every per-authority breaker is built from); the client's name when <see langword="null"/>.</param>
    /// <param name="configure">Configures the breaker's options, after the HTTP defaults and any configuration section of the same name.</param>
    /// <param name="configureHandler">Configures the handler.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or blank.</exception>
    public static IHttpClientBuilder AddCircuitBreaker(this IHttpClientBuilder builder, string? name, Action<CircuitBreakerOptions>? configure, Action<HttpCircuitBreakerHandlerOptions>? configureHandler)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
        }

        var breakerName = name ?? builder.Name;
        var services = builder.Services;

        // HTTP defaults go first of all configure actions, so configuration sections and configure delegates override them.
        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<CircuitBreakerOptions>>(new ConfigureNamedOptions<CircuitBreakerOptions>(breakerName, HttpCircuitBreakerDefaults.Apply)));
        var handlerOptions = services.AddOptions<HttpCircuitBreakerHandlerOptions>(builder.Name);
        if (configureHandler is not null)
        {
            handlerOptions.Configure(configureHandler);
        }

        // Breakers of the same name are shared by every client naming it; the per-authority template is not a breaker itself.
        var perAuthority = new HttpCircuitBreakerHandlerOptions();
        configureHandler?.Invoke(perAuthority);
        if (perAuthority.PerAuthority)
        {
            services.AddCircuitBreakerRegistry();
            if (configure is not null)
            {
                services.AddOptions<CircuitBreakerOptions>(breakerName).Configure(configure);
            }
        }
        else
        {
            services.AddCircuitBreaker(breakerName, configure ?? (static _ => { }));
        }

        var clientName = builder.Name;
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

            return new CircuitBreakerHandler(request => registry.GetOrAdd(AuthorityName(breakerName, request), template: breakerName), settings.Timeout, timeProvider);
        });
    }

    private static string AuthorityName(string breakerName, HttpRequestMessage request) =>
        request.RequestUri is { IsAbsoluteUri: true } uri ? $"{breakerName}/{uri.IdnHost}:{uri.Port}" : breakerName;
}
