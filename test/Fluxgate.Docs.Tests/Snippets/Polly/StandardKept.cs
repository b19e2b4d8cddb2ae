using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Fluxgate.Docs.Snippets.PollyDocs;

internal static class StandardKept
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddHttpClient<InventoryClient>(c => c.BaseAddress = new Uri("https://inventory.internal/"))
            .AddStandardResilienceHandler(options => options.CircuitBreaker.ShouldHandle = _ => PredicateResult.False()); // Polly's breaker never opens

        // A second handler, inside the first: Fluxgate sees each attempt (but not the attempt timeout, see below).
        builder.Services.AddHttpClient<InventoryClient>()
            .AddResilienceHandler("fluxgate", (pipeline, context) => pipeline
                .AddFluxgate(context.ServiceProvider.GetRequiredKeyedService<CircuitBreaker>("inventory")));
        #endregion
    }
}
