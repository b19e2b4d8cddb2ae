#region snippet
using Fluxgate;
using Fluxgate.Prometheus;
using Prometheus;
#endregion

namespace Fluxgate.Docs.Snippets.Prometheus;

internal static class MeterExporter
{
    public static void Run()
    {
        #region snippet
        // prometheus-net publishes every .NET meter by itself, misnamed (fluxgate_fluxgate_circuit_breaker_calls, typed gauge):
        // keep the Fluxgate meter out of it, before anything is measured.
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = i => i.Meter.Name != FluxgateMetrics.MeterName);
        using var exporter = new FluxgateMeterExporter(Metrics.DefaultRegistry);
        #endregion
    }
}
