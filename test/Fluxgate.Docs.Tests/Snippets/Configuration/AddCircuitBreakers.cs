using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Configuration;

internal static class AddCircuitBreakersFromConfiguration
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddCircuitBreakers(builder.Configuration.GetSection("Fluxgate"));
        #endregion
    }
}
