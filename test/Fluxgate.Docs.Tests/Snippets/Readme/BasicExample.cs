#region snippet
using System.Net.Http.Json;
using Fluxgate;
using static Fluxgate.Tripper;
#endregion

namespace Fluxgate.Docs.Snippets.Readme;

internal static class BasicExample
{
    public static Func<decimal, HttpResponseMessage> Run()
    {
        #region snippet
        var http = new HttpClient { BaseAddress = new Uri("https://api.example.com/") };
        var cb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "payment_api",
            Window = new CountWindow(size: 100),
            Tracker = Tracker.TypeOf<HttpRequestException>(),
            Tripper = Closed() & MinRequests(10) & FailureRate(0.5),
            Retry = Retry.Cooldown(TimeSpan.FromSeconds(60)),
            Permit = Permit.Random(ratio: 0.5),
        });

        // Like a decorator: a delegate of the same shape whose calls go through the breaker.
        Func<decimal, HttpResponseMessage> callPaymentApi = cb.Decorate((decimal amount) =>
            http.Send(new HttpRequestMessage(HttpMethod.Post, "pay") { Content = JsonContent.Create(new { amount }) }));
        #endregion
        return callPaymentApi;
    }
}
