using System.Net;

namespace Fluxgate.Http;

/// <summary>What an HTTP breaker counts as a failure unless configured otherwise.</summary>
public static class HttpCircuitBreakerDefaults
{
    /// <summary>Gets the default tracker: <see cref="HttpRequestException"/> (the connection failed) and <see cref="TimeoutException"/> (the handler's own timeout).</summary>
    public static Tracker Tracker { get; } = Tracker.TypeOf<HttpRequestException>() | Tracker.TypeOf<TimeoutException>();

    /// <summary>Gets the default result tracker: responses for which <see cref="IsFailure"/> is true. They are still returned to the caller.</summary>
    public static ResultTracker ResultTracker { get; } = ResultTracker.When<HttpResponseMessage>(IsFailure);

    /// <summary>Returns whether a response counts as a failure: any 5xx, 408 Request Timeout, or 429 Too Many Requests.</summary>
    /// <param name="response">The response.</param>
    /// <returns><see langword="true"/> for a failure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> is <see langword="null"/>.</exception>
    public static bool IsFailure(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        return status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
    }

    /// <summary>Sets <see cref="Tracker"/> and <see cref="ResultTracker"/> on <paramref name="options"/>.</summary>
    /// <param name="options">The options.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public static void Apply(CircuitBreakerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Tracker = Tracker;
        options.ResultTracker = ResultTracker;
    }
}
