#region snippet
// dotnet add package Fluxgate.Logging; dotnet add package Fluxgate.Prometheus
using System.Net.Http.Json;
using Fluxgate;
using Fluxgate.Logging;
using Fluxgate.Prometheus;
using Microsoft.Extensions.Logging;
using static Fluxgate.Tripper;
#endregion

namespace Fluxgate.Docs.Snippets.Readme;

internal static class ProductionExample
{
    public static Func<decimal, Receipt?> Run(HttpClient http, ILogger logger)
    {
        #region snippet
        static bool IsRetriableError(Exception e) => e switch
        {
            HttpRequestException { StatusCode: { } status } => (int)status >= 500,
            HttpRequestException => true,                     // no status: the connection failed
            TimeoutException or TaskCanceledException => true,
            _ => false,
        };

        var paymentCb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "payment_api",
            Window = new CountWindow(size: 100),
            Tracker = Tracker.Custom(IsRetriableError),
            Tripper = MinRequests(20) & ((Closed() & FailureRate(0.6)) | (HalfOpened() & FailureRate(0.5))),
            Retry = Retry.Backoff(initial: TimeSpan.FromSeconds(10), multiplier: 2.0, maxDuration: TimeSpan.FromSeconds(300), jitterRatio: 0.1),
            Permit = Permit.RampUp(initial: 0.1, final: 0.5, duration: TimeSpan.FromSeconds(60)),
            Listeners = { new LogListener(logger), new PrometheusListener() },
        });

        var chargePayment = paymentCb.Decorate((decimal amount) =>
        {
            var response = http.Send(new HttpRequestMessage(HttpMethod.Post, "charge") { Content = JsonContent.Create(new { amount }) });
            response.EnsureSuccessStatusCode();
            return response.Content.ReadFromJsonAsync<Receipt>().GetAwaiter().GetResult();
        });
        #endregion
        return chargePayment;
    }
}
