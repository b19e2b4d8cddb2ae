using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Dashboard;

internal static class ReadOnly
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddCircuitBreakers(builder.Configuration.GetSection("Fluxgate"));

        var app = builder.Build();
        app.MapFluxgate().RequireAuthorization();   // the page, its JSON and its live stream under /fluxgate/, read-only
        #endregion
    }
}
