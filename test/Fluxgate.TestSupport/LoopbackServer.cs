using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Fluxgate.Tests.Support;

/// <summary>
/// A real HTTP server on 127.0.0.1 and a free port, answering every request with <see cref="Respond"/>;
/// it counts requests, and <see cref="Stop"/> makes further connections fail as a downed service would.
/// </summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _nextRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    public LoopbackServer()
    {
        Port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{Port}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int Requests => Volatile.Read(ref _requests);

    public ConcurrentQueue<(string Method, string Path, string Body)> Received { get; } = new();

    /// <summary>How to answer: a status code and a body. Set by the test at any time.</summary>
    public Func<HttpListenerRequest, (int Status, string Body)> Respond
    {
        set => RespondAsync = request => Task.FromResult(value(request));
    }

    /// <summary>How to answer, asynchronously: a slow dependency awaits something before answering.</summary>
    public Func<HttpListenerRequest, Task<(int Status, string Body)>> RespondAsync
    {
        set => RespondToAsync = (request, _) => value(request);
    }

    /// <summary>
    /// How to answer, given the request and its body (already read). A handler that throws
    /// <see cref="OperationCanceledException"/> leaves the request unanswered: the connection is aborted.
    /// </summary>
    public Func<HttpListenerRequest, string, Task<(int Status, string Body)>> RespondToAsync { get; set; } = (_, _) => Task.FromResult((200, "{}"));

    /// <summary>Completes when the next request arrives (and is replaced by a fresh one).</summary>
    public Task NextRequest => _nextRequest.Task;

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Stops listening: new connections are refused.</summary>
    public void Stop() => _listener.Stop();

    /// <summary>Cancelled when the server is disposed: slow answers should await it so nothing outlives the test.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stopping.Dispose();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
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
        Interlocked.Increment(ref _requests);
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var requestBody = await reader.ReadToEndAsync();
        Received.Enqueue((context.Request.HttpMethod, context.Request.Url!.AbsolutePath, requestBody));
        Interlocked.Exchange(ref _nextRequest, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        try
        {
            var (status, body) = await RespondToAsync(context.Request, requestBody);
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
        {
            context.Response.Abort();
        }
    }
}
