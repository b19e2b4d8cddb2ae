using Fluxgate.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Timeout;

namespace Fluxgate.Docs.Snippets.PollyDocs;

internal static class ResilienceHandler
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddCircuitBreaker("inventory", options =>
        {
            HttpCircuitBreakerDefaults.Apply(options);                      // 5xx, 408, 429, HttpRequestException, TimeoutException
            options.Tracker |= Tracker.TypeOf<TimeoutRejectedException>();  // and Polly's attempt timeout
            options.Tripper = Tripper.MinRequests(20) & Tripper.FailureRate(0.5);
        });

        builder.Services.AddHttpClient<InventoryClient>(c => c.BaseAddress = new Uri("https://inventory.internal/"))
            .AddResilienceHandler("inventory", (pipeline, context) => pipeline
                .AddFluxgate(context.ServiceProvider.GetRequiredKeyedService<CircuitBreaker>("inventory"))
                .AddTimeout(TimeSpan.FromSeconds(2)));
        #endregion
    }
}
