using static Fluxgate.Tripper;

namespace Fluxgate.Docs.Snippets.Readme;

internal static class AsyncSupport
{
    public static Func<Task<string>> Run(HttpClient http)
    {
        #region snippet
        var cb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "async_api",
            Window = new CountWindow(size: 100),
            Tracker = Tracker.TypeOf<HttpRequestException>(),
            Tripper = Closed() & MinRequests(10) & FailureRate(0.5),
            Retry = Retry.Cooldown(TimeSpan.FromSeconds(60)),
            Permit = Permit.Random(ratio: 0.5),
            MaxHalfOpenCalls = 5,
        });

        Func<Task<string>> callAsyncApi = cb.Decorate(() => http.GetStringAsync("https://api.example.com/data"));
        #endregion
        return callAsyncApi;
    }
}
