#region snippet
using Fluxgate;
using Fluxgate.Http;
#endregion

namespace Fluxgate.Docs.Snippets.Http;

internal static class Standalone
{
    public static HttpClient Run()
    {
        #region snippet
        var options = new CircuitBreakerOptions
        {
            Name = "inventory",
            Tripper = Tripper.MinRequests(20) & Tripper.FailureRate(0.5),
        };
        HttpCircuitBreakerDefaults.Apply(options);   // 5xx, 408, 429, HttpRequestException and timeouts are failures
        var breaker = new CircuitBreaker(options);

        var client = new HttpClient(new CircuitBreakerHandler(breaker) { InnerHandler = new HttpClientHandler() })
        {
            BaseAddress = new Uri("https://inventory.internal/"),
        };
        #endregion
        return client;
    }
}
