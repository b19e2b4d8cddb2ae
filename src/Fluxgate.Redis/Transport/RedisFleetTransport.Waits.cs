using System.Globalization;
using StackExchange.Redis;

namespace Fluxgate.Redis.Transport;

/// <summary>The transport's waits and one-line descriptions: bounds on every operation, and what a warning says.</summary>
internal sealed partial class RedisFleetTransport
{
    /// <summary>Twice the client's own timeout (at least a second): what the transport waits for one operation.</summary>
    private static TimeSpan Bound(int clientTimeoutMs) => TimeSpan.FromMilliseconds(2 * Math.Max(clientTimeoutMs, 500));

    /// <summary>
    /// Waits for <paramref name="operation"/> at most <see cref="_bound"/>: the client times its commands out itself, but
    /// one it never completes (a lost subscription reply during a restart, say) would hold the heartbeat, and every round
    /// after it, forever. Given up, it fails with a <see cref="TimeoutException"/>; its own fault later is observed.
    /// </summary>
    private async Task<T> Bounded<T>(Task<T> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await operation.WaitAsync(_bound, cancellationToken).ConfigureAwait(false);
        }
        catch when (!operation.IsCompleted)
        {
            Observe(operation);
            throw;
        }
    }

    /// <inheritdoc cref="Bounded{T}(Task{T}, CancellationToken)"/>
    private async Task Bounded(Task operation, CancellationToken cancellationToken)
    {
        try
        {
            await operation.WaitAsync(_bound, cancellationToken).ConfigureAwait(false);
        }
        catch when (!operation.IsCompleted)
        {
            Observe(operation);
            throw;
        }
    }

    private static void Observe(Task abandoned) =>
        _ = abandoned.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>Stops <paramref name="queue"/> at once (its handler ends) and tells Redis without waiting; never throws.</summary>
    private static void Drop(ChannelMessageQueue queue)
    {
        try
        {
            queue.Unsubscribe(CommandFlags.FireAndForget);
        }
#pragma warning disable CA1031 // The queue is completed before the client sends anything; an UNSUBSCRIBE that cannot be sent now is of no interest (a subscription is renewed only when the old one delivers nothing).
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static void CloseWithoutWaiting(IConnectionMultiplexer connection)
    {
        try
        {
            connection.Close(allowCommandsToComplete: false);
            connection.Dispose();
        }
#pragma warning disable CA1031 // Closing a connection to a server that is gone may throw; there is nothing left to do about it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>One line for a warning: the endpoint and what went wrong, without the client's diagnostics.</summary>
    /// <remarks>
    /// The client's own messages carry its counters and, on timeouts, thread-pool figures whatever its options say; the
    /// failure type and the underlying cause (the server's refusal, the socket's error) are what an operator needs.
    /// </remarks>
    public static string Describe(Exception exception, string endpoint) => exception switch
    {
        RedisConnectionException connection => string.Create(CultureInfo.InvariantCulture, $"{endpoint}: {connection.FailureType}{Cause(connection.InnerException)}"),
        RedisTimeoutException => $"{endpoint}: no answer in time",
        TimeoutException => $"{endpoint}: no answer in time",
        RedisServerException server => $"{endpoint}: the server refused: {Shorten(server.Message)}",
        _ => $"{endpoint}: {exception.GetType().Name} ({Shorten(exception.Message)})",
    };

    /// <summary>" (the cause)" from an inner exception's message, or nothing.</summary>
    private static string Cause(Exception? inner) => inner is null ? "" : $" ({Shorten(inner.Message)})";

    /// <summary>The client's message up to its diagnostic details, at most 120 characters, on one line.</summary>
    private static string Shorten(string message)
    {
        var end = message.Length;

        // Where the client's diagnostics begin: after "; ", or, in a connection failure's message, at the connection's
        // state dump (", last: SUBSCRIBE, origin: ReadFromPipe, outstanding: 0, …").
        foreach (var marker in new[] { "; ", ", mc:", ", mgr:", ", last:", ", origin:", ", outstanding:", "\n", "\r" })
        {
            var at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at > 0 && at < end)
            {
                end = at;
            }
        }

        return end > 120 ? message[..120] + "…" : message[..end];
    }

    private static string FormatEndPoint(System.Net.EndPoint? endpoint) => endpoint switch
    {
        System.Net.DnsEndPoint dns => string.Create(CultureInfo.InvariantCulture, $"{dns.Host}:{dns.Port}"),
        null => "(unknown)",
        _ => endpoint.ToString() ?? "(unknown)",
    };
}
