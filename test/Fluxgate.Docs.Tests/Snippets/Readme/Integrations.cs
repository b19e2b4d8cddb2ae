using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Readme;

internal static class Integrations
{
    public static void Configure(WebApplicationBuilder builder, Uri inventoryUrl)
    {
        #region snippet
        // dotnet add package Fluxgate.DependencyInjection
        builder.Services.AddCircuitBreakers(builder.Configuration.GetSection("Fluxgate"));   // appsettings.json
        builder.Services.AddHttpClient<InventoryClient>(c => c.BaseAddress = inventoryUrl)
            .AddCircuitBreaker("inventory", configure: null, configureHandler: h => h.Timeout = TimeSpan.FromSeconds(1));
        builder.Services.AddHealthChecks().AddCircuitBreakers();
        #endregion
    }
}
