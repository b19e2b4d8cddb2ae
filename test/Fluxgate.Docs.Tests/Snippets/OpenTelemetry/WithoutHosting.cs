using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Fluxgate.Docs.Snippets.OpenTelemetry;

internal static class WithoutHosting
{
    public static void Run()
    {
        #region snippet
        using var meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(FluxgateMetrics.MeterName)
            .AddOtlpExporter()
            .Build();
        #endregion
    }
}
