using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Fluxgate.Slack.Tests;

/// <summary>
/// A real HTTP server on 127.0.0.1 that behaves like Slack's <c>chat.postMessage</c>: it answers with a
/// <c>ts</c>, or as scripted (<c>ok: false</c>, HTTP 500, garbage, a hang), and records every request.
/// </summary>
public sealed class FakeSlack : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<Answer> _script = new();
    private int _messages;

    public FakeSlack()
    {
        var port = LoopbackServer.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/api/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
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

    public void Stop() => _listener.Stop();

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Close();
        _stopping.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var request = new Request(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.Headers["Authorization"], context.Request.ContentType, JsonDocument.Parse(body).RootElement.Clone());
        Requests.Enqueue(request);
        var answer = _script.TryDequeue(out var scripted) ? scripted : Answer.Ok;
        var (status, text) = answer switch
        {
            Answer.OkFalse => (200, "{\"ok\":false,\"error\":\"channel_not_found\"}"),
            Answer.OkWithoutTs => (200, "{\"ok\":true}"),
            Answer.ServerError => (500, "upstream broke"),
            Answer.Garbage => (200, "<html>definitely not json"),
            _ => (200, $"{{\"ok\":true,\"channel\":\"C1\",\"ts\":\"1767225600.{Interlocked.Increment(ref _messages):D6}\"}}"),
        };

        if (answer == Answer.Hang)
        {
            Hanging.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
            }

            context.Response.Abort();
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        try
        {
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (HttpListenerException)
        {
        }
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
