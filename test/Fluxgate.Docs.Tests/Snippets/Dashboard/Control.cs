using Fluxgate;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Dashboard;

internal static class Control
{
    public static void Configure(WebApplicationBuilder builder, CircuitBreaker legacySoap)
    {
        #region snippet
        builder.Services.AddAuthorization(o => o.AddPolicy("breaker-operators", p => p.RequireRole("sre")));
        builder.Services.AddFluxgateDashboard(o =>
        {
            o.ControlPolicy = "breaker-operators";   // control on, for this policy's users only
            o.Breakers.Add(legacySoap);              // a breaker made with new, outside the container
        });

        var app = builder.Build();
        app.MapFluxgate("/ops/breakers").RequireAuthorization();
        #endregion
    }
}
