namespace Fluxgate.Http;

/// <summary>Settings of the <see cref="CircuitBreakerHandler"/> added to an HTTP client, named after the client.</summary>
public sealed class HttpCircuitBreakerHandlerOptions
{
    /// <summary>The longest finite <see cref="Timeout"/>: 4,294,967,294 ms (about 49.7 days), the longest a .NET timer can wait.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private TimeSpan _timeout = System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary>Gets or sets whether the handler keeps one breaker per authority (<c>host:port</c>), named <c>{name}/{host}:{port}</c> and built from the named options, so one failing host does not block the others.</summary>
    /// <value>The default value is <see langword="false"/>: one breaker for every request of the client.</value>
    public bool PerAuthority { get; set; }

    /// <summary>Gets or sets how long one request may take inside the handler before it is abandoned with a <see cref="TimeoutException"/>, which counts as a failure.</summary>
    /// <value>The default value is <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> (no limit of the handler's own). Must be positive and at most <see cref="MaxTimeout"/> (about 49.7 days), or infinite.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative other than infinite, or longer than <see cref="MaxTimeout"/>.</exception>
    /// <remarks><see cref="HttpClient.Timeout"/> reaches handlers as cancellation, which cannot be told from the caller's own and is therefore never counted; use this timeout to count slow requests.</remarks>
    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            CheckTimeout(value, nameof(Timeout));

            _timeout = value;
        }
    }

    /// <summary>Checks a handler timeout: positive and timer-sized, or infinite.</summary>
    internal static void CheckTimeout(TimeSpan value, string paramName)
    {
        if ((value <= TimeSpan.Zero || value > MaxTimeout) && value != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "Must be greater than zero and at most 49.7 days (4,294,967,294 ms, the longest a timer can wait), or Timeout.InfiniteTimeSpan for no limit.");
        }
    }
}
