namespace Fluxgate.Docs;

// The application's own types the snippets use, as a reader's code would have them.
internal sealed record Receipt(string Id);

internal sealed record Data(string Value);

internal sealed record Payment(decimal Amount);

internal sealed class InventoryClient(HttpClient http)
{
    public Task<string> GetStockAsync(string sku, CancellationToken cancellationToken) => http.GetStringAsync(new Uri($"stock/{sku}", UriKind.Relative), cancellationToken);
}
