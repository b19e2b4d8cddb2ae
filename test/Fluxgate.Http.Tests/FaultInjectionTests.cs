using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Fluxgate.Http.Tests;

/// <summary>
/// A downstream that fails every way an HTTP connection can, from a raw TCP server on 127.0.0.1: resets, garbage,
/// silence, truncated bodies. The caller sees only its own outcome (<see cref="HttpRequestException"/>, a response,
/// a timeout) or <see cref="CallNotPermittedException"/>, and the breaker counts what happened inside the handler.
/// </summary>
public sealed class FaultInjectionTests : IDisposable
{
    private readonly RawServer _server;
    private readonly CircuitBreaker _breaker;
    private readonly HttpClient _client;

    public FaultInjectionTests()
    {
        _server = new RawServer();
        var options = new CircuitBreakerOptions { Name = "flaky", Tripper = Tripper.FailureStreak(1000), Permit = Permit.All() };
        HttpCircuitBreakerDefaults.Apply(options);
        _breaker = new CircuitBreaker(options);
        _client = new HttpClient(new CircuitBreakerHandler(_breaker) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = new Uri($"http://127.0.0.1:{_server.Port}/") };
    }

    public enum Fault
    {
        Reset,
        Garbage,
        CloseWithoutAnswer,
        TruncatedBody,
        HeadersThenReset,
    }

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }

    [Theory]
    [InlineData(Fault.Reset, true)]
    [InlineData(Fault.Garbage, true)]
    [InlineData(Fault.CloseWithoutAnswer, true)]
    [InlineData(Fault.TruncatedBody, false)]
    [InlineData(Fault.HeadersThenReset, false)]
    public async Task BrokenDownstream_ReachesTheCallerOnlyAsHttpRequestExceptionAndIsCountedInsideTheHandler(Fault fault, bool failsBeforeHeaders)
    {
        _server.Fault = fault;

        var error = await Record.ExceptionAsync(() => _client.GetStringAsync(new Uri("data", UriKind.Relative)));

        Assert.IsAssignableFrom<HttpRequestException>(error);
        var metrics = _breaker.GetInfo().Metrics;
        Assert.Equal(1, metrics.TotalCount);
        // A failure before the response headers is the handler's (counted); one while reading the body happens after
        // the handler returned the response, so the breaker saw a 200.
        Assert.Equal(failsBeforeHeaders ? 1 : 0, metrics.FailureCount);
    }

    [Fact]
    public async Task RepeatedFaults_OpenTheBreakerAndLaterCallsAreRejectedWithoutConnecting()
    {
        _server.Fault = Fault.Reset;
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { Tracker = HttpCircuitBreakerDefaults.Tracker, Tripper = Tripper.FailureStreak(3), Retry = Retry.Never() });
        using var client = new HttpClient(new CircuitBreakerHandler(breaker) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = new Uri($"http://127.0.0.1:{_server.Port}/") };

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("x", UriKind.Relative)));
        }

        var connections = _server.Connections;
        await Assert.ThrowsAsync<CallNotPermittedException>(() => client.GetAsync(new Uri("x", UriKind.Relative)));
        Assert.Equal(connections, _server.Connections);
    }

    [Fact]
    public async Task PreCancelledCaller_NeverConnectsAndIsNotCounted()
    {
        _server.Fault = Fault.Reset;
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.GetAsync(new Uri("x", UriKind.Relative), cts.Token));

        Assert.Equal(0, _breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(0, _server.Connections);
    }

    /// <summary>A TCP server on 127.0.0.1 that reads a request and answers with the chosen fault.</summary>
    private sealed class RawServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public RawServer()
        {
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        public Fault Fault { get; set; }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref _connections);
                _ = Task.Run(() => AnswerAsync(socket));
            }
        }

        private async Task AnswerAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[8192];
                var received = new StringBuilder();
                while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                    if (n == 0)
                    {
                        return;
                    }

                    received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                switch (Fault)
                {
                    case Fault.Reset:
                        socket.LingerState = new LingerOption(true, 0);       // close with RST
                        break;
                    case Fault.Garbage:
                        await socket.SendAsync(Encoding.ASCII.GetBytes("SMTP READY?\r\n\r\n"), SocketFlags.None);
                        break;
                    case Fault.CloseWithoutAnswer:
                        socket.Shutdown(SocketShutdown.Both);
                        break;
                    case Fault.TruncatedBody:
                        await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\nonly ten b"), SocketFlags.None);
                        socket.Shutdown(SocketShutdown.Both);
                        break;
                    case Fault.HeadersThenReset:
                        await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"), SocketFlags.None);
                        socket.LingerState = new LingerOption(true, 0);
                        break;
                }
            }
        }
    }
}
