using System.Net.Http.Json;

namespace Fluxgate.Docs.Snippets.Readme;

internal static class DirectCalls
{
    public static async Task RunAsync(CircuitBreaker cb, HttpClient client, Uri url)
    {
        #region snippet
        var receipt = cb.Execute(() => Charge(100m));                                     // sync
        var data    = await cb.ExecuteAsync(ct => client.GetFromJsonAsync<Data>(url, ct));   // async
        var cached  = cb.Execute(() => Fetch(), fallback: ex => Cache());                 // fallback
        if (!cb.TryExecute(() => Charge(100m), out var r)) { /* rejected: nothing ran, nothing thrown */ }
        #endregion
    }

    private static Receipt Charge(decimal amount) => new($"receipt {amount}");

    private static Data Fetch() => new("fresh");

    private static Data Cache() => new("cached");
}
