using System.Net.Http.Json;

namespace Fluxgate.WebApi;

/// <summary>A typed client for the inventory service; its HttpClient goes through the <c>inventory</c> circuit breaker.</summary>
internal sealed class InventoryClient(HttpClient http)
{
    /// <summary>Returns the stock, or <see langword="null"/> when the service answered with an error (which the breaker counted).</summary>
    public async Task<Stock?> GetStockAsync(string sku, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri($"inventory/{Uri.EscapeDataString(sku)}", UriKind.Relative), cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<Stock>(cancellationToken) : null;
    }
}
