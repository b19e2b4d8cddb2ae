using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Fluxgate.Docs.Snippets.PollyDocs;

internal static class StandardRebuilt
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        // The standard handler's five strategies, in its order and with its defaults, Fluxgate in the circuit breaker's place.
        builder.Services.AddHttpClient<InventoryClient>(c => c.BaseAddress = new Uri("https://inventory.internal/"))
            .AddResilienceHandler("standard", (pipeline, context) => pipeline
                .AddRateLimiter(new HttpRateLimiterStrategyOptions())
                .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(30) })
                .AddRetry(new HttpRetryStrategyOptions())
                .AddFluxgate(context.ServiceProvider.GetRequiredKeyedService<CircuitBreaker>("inventory"))
                .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(10) }));
        #endregion
    }
}
