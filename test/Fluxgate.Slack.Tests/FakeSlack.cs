using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace Fluxgate.Slack.Tests;

/// <summary>
/// A real HTTP server on 127.0.0.1 (a <see cref="LoopbackServer"/>) that behaves like Slack's <c>chat.postMessage</c>:
/// it answers with a <c>ts</c>, or as scripted (<c>ok: false</c>, HTTP 500, garbage, a hang), and records every request.
/// </summary>
public sealed class FakeSlack : IDisposable
{
    private readonly LoopbackServer _server = new();
    private readonly ConcurrentQueue<Answer> _script = new();
    private int _messages;

    public FakeSlack()
    {
        BaseAddress = new Uri(_server.BaseAddress, "api/");
        _server.RespondToAsync = AnswerAsync;
    }

    public enum Answer
    {
        Ok,
        OkFalse,
        OkWithoutTs,
        ServerError,
        Garbage,
        Hang,
    }

    public Uri BaseAddress { get; }

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Completes when a request arrives that the server will not answer (<see cref="Answer.Hang"/>).</summary>
    public TaskCompletionSource Hanging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    /// <summary>Answers the next requests as given, in order; then <see cref="Answer.Ok"/>.</summary>
    public void Script(params Answer[] answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }
    }

    /// <summary>Stops listening: Slack becomes unreachable (connection refused).</summary>
    public void Stop() => _server.Stop();

    public void Dispose() => _server.Dispose();

    private async Task<(int Status, string Body)> AnswerAsync(HttpListenerRequest http, string body)
    {
        Requests.Enqueue(new Request(http.HttpMethod, http.Url!.AbsolutePath, http.Headers["Authorization"], http.ContentType, JsonDocument.Parse(body).RootElement.Clone()));
        var answer = _script.TryDequeue(out var scripted) ? scripted : Answer.Ok;
        if (answer == Answer.Hang)
        {
            // Never answered: held until the server is disposed, then the connection is aborted.
            Hanging.TrySetResult();
            await TestKit.UntilCancelled(_server.Stopping);
        }

        return answer switch
        {
            Answer.OkFalse => (200, "{\"ok\":false,\"error\":\"channel_not_found\"}"),
            Answer.OkWithoutTs => (200, "{\"ok\":true}"),
            Answer.ServerError => (500, "upstream broke"),
            Answer.Garbage => (200, "<html>definitely not json"),
            _ => (200, $"{{\"ok\":true,\"channel\":\"C1\",\"ts\":\"1767225600.{Interlocked.Increment(ref _messages):D6}\"}}"),
        };
    }

    public sealed record Request(string Method, string Path, string? Authorization, string? ContentType, JsonElement Json)
    {
        public string? ThreadTs => Json.TryGetProperty("thread_ts", out var ts) ? ts.GetString() : null;

        public bool Broadcast => Json.TryGetProperty("reply_broadcast", out var b) && b.GetBoolean();

        public JsonElement Attachment => Json.GetProperty("attachments")[0];

        public string Title => Attachment.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;

        public string[] Fields => [.. Attachment.GetProperty("blocks")[1].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()!)];

        public string Transition => Fields[1]["*State Transition:*\n".Length..];
    }
}
