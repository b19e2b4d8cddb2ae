#region snippet
using Fluxgate;
using OpenTelemetry.Metrics;
#endregion
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.OpenTelemetry;

internal static class Hosting
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(FluxgateMetrics.MeterName)
                .AddPrometheusExporter()          // or .AddOtlpExporter()
            );
        #endregion
    }
}
