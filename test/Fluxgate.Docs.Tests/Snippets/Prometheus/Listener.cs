#region snippet
using Fluxgate.Prometheus;
#endregion
using Prometheus;

namespace Fluxgate.Docs.Snippets.Prometheus;

internal static class Listener
{
    public static void Run()
    {
        #region snippet
        var prometheus = new PrometheusListener();                 // prometheus-net's default registry
        // or: new PrometheusListener(Metrics.NewCustomRegistry());

        var cb = new CircuitBreaker(new CircuitBreakerOptions { Name = "payment_api", Listeners = { prometheus } });
        prometheus.Track(cb);                                      // optional: publish "closed" before the first transition
        #endregion
    }
}
