using System.Text.Json;

namespace Fluxgate.AspNetCore.Tests.Support;

/// <summary>One Server-Sent Event: its id (if any), type and JSON data.</summary>
public sealed record SseEvent(long? Id, string Type, JsonElement Data);

/// <summary>A client of the dashboard's stream that reads events one at a time, as a browser's EventSource parses them.</summary>
public sealed class SseClient : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public HttpResponseMessage Response => _response;

    public static async Task<SseClient> ConnectAsync(HttpClient http, string path = "fluxgate/api/events", long? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        return new SseClient(response, new StreamReader(stream));
    }

    /// <summary>Reads the next event (comments and blank keep-alives skipped).</summary>
    public async Task<SseEvent> NextAsync()
    {
        long? id = null;
        string? type = null;
        string? data = null;
        while (true)
        {
            var line = await _reader.ReadLineAsync().WaitAsync(Patience)
                ?? throw new EndOfStreamException("The stream ended.");
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    using var document = JsonDocument.Parse(data);
                    return new SseEvent(id, type ?? "message", document.RootElement.Clone());
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id":
                    id = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data = data is null ? value : data + "\n" + value;
                    break;
            }
        }
    }

    /// <summary>Reads events until one of <paramref name="type"/> comes (metrics and heartbeats in between are skipped).</summary>
    public async Task<SseEvent> NextOfTypeAsync(string type)
    {
        while (true)
        {
            var next = await NextAsync();
            if (next.Type == type)
            {
                return next;
            }
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
