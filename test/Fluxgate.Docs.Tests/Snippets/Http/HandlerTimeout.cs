using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Http;

internal static class HandlerTimeout
{
    public static void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddHttpClient<InventoryClient>(c => c.BaseAddress = new Uri("https://inventory.internal/"))
            #region snippet
            .AddCircuitBreaker("inventory", configure: null, configureHandler: h => h.Timeout = TimeSpan.FromSeconds(2));
            #endregion
    }
}
