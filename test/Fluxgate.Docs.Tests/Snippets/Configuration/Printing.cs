namespace Fluxgate.Docs.Snippets.Configuration;

internal static class Printing
{
    public static string[] Run()
    {
        #region snippet
        var tripper = (Tripper.MinRequests(20) & (Tripper.FailureRate(0.6) | Tripper.SlowRate(0.5, TimeSpan.FromSeconds(1)))).ToString();
        // "MinRequests(20) & (FailureRate(0.6) | SlowRate(0.5, 1s))"
        var retry = Retry.Backoff(TimeSpan.FromSeconds(10), jitterRatio: 0.1).ToString();  // "Backoff(10s, 2, 5m, 0.1)"
        var window = new TimeWindow(TimeSpan.FromSeconds(60)).ToString();                 // "Time(1m)"
        var parsed = Tripper.Parse(tripper);                                              // reads back as the same tripper
        #endregion
        return [tripper, retry, window, parsed.ToString()!];
    }
}
