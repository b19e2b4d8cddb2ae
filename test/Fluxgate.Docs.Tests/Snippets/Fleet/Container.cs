using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Fleet;

internal static class Container
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddCircuitBreakers(builder.Configuration.GetSection("Fluxgate"));
        builder.Services.AddCircuitBreakerFleet(builder.Configuration.GetSection("Fluxgate:Fleet"));
        #endregion
    }
}
