using Fluxgate.Http;

namespace Fluxgate.Docs.Snippets.Http;

internal static class WithoutContainer
{
    public static HttpClient Run(CircuitBreaker breaker)
    {
        #region snippet
        var client = new HttpClient(new CircuitBreakerHandler(breaker) { InnerHandler = new HttpClientHandler() });
        #endregion
        return client;
    }
}
