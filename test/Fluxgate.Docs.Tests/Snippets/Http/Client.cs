using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Http;

internal static class Client
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddHttpClient<InventoryClient>(c => c.BaseAddress = new Uri("https://inventory.internal/"))
            .AddCircuitBreaker("inventory", o => o.Tripper = Tripper.MinRequests(20) & Tripper.FailureRate(0.5));
        #endregion
    }
}
