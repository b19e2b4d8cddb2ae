using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Configuration;

internal static class HealthChecks
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddHealthChecks().AddCircuitBreakers();
        #endregion
    }

    public static void Map(WebApplication app)
    {
        #region snippet
        app.MapHealthChecks("/health");
        #endregion
    }
}
