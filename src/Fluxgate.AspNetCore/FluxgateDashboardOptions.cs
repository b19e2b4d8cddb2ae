using System.Collections.ObjectModel;
using System.Globalization;

namespace Fluxgate.AspNetCore;

/// <summary>
/// How the dashboard mapped by <c>MapFluxgate</c> behaves: whether it may control breakers, which breakers it shows
/// besides the container's, and the bounds of its live stream. Set through <c>AddFluxgateDashboard</c>; without it the
/// defaults apply (read-only, every breaker of the container's registry).
/// </summary>
public sealed class FluxgateDashboardOptions
{
    private string? _controlPolicy;
    private TimeSpan _sampleInterval = TimeSpan.FromSeconds(1);
    private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(15);
    private int _maxStreams = 32;
    private int _maxQueuedEventsPerStream = 256;

    /// <summary>
    /// Gets or sets the name of the authorization policy a user must satisfy to control breakers; control is on only when
    /// it is set. Default <see langword="null"/>: the dashboard is read-only, the control endpoints do not exist (404) and
    /// the page shows no buttons.
    /// </summary>
    /// <remarks>
    /// The policy must be registered (<c>AddAuthorization(o =&gt; o.AddPolicy(name, …))</c>): <c>MapFluxgate</c> fails
    /// with an <see cref="InvalidOperationException"/> otherwise, so a typo stops the application at start-up instead of
    /// leaving control open or silently off.
    /// </remarks>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string? ControlPolicy
    {
        get => _controlPolicy;
        set
        {
            if (value is not null && string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException("Must be the name of an authorization policy, or null for a read-only dashboard.", nameof(ControlPolicy));
            }

            _controlPolicy = value;
        }
    }

    /// <summary>
    /// Gets the breakers made outside the container (with <see langword="new"/>) that the dashboard shows besides those of
    /// the container's <see cref="CircuitBreakerRegistry"/>. Names are compared ignoring case; of two breakers with one
    /// name, the first one found is shown and the other is logged.
    /// </summary>
    public Collection<CircuitBreaker> Breakers { get; } = new NotNullCollection();

    /// <summary>
    /// Gets or sets how often the dashboard reads every breaker (<see cref="CircuitBreaker.GetInfo"/>) while at least one
    /// page is connected: the delay before a transition shows, and the resolution of the figures. Default 1 second; from
    /// 100 ms to 10 seconds (heartbeats go out with samples, so a page never waits longer than
    /// <see cref="HeartbeatInterval"/> plus this, at most 40 seconds, under the 45 after which it reconnects). Nothing is
    /// read while no page is connected (30 seconds after the last one left), and nothing is ever added to a call.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [100 ms, 10 s].</exception>
    public TimeSpan SampleInterval
    {
        get => _sampleInterval;
        set => _sampleInterval = CheckRange(value, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), nameof(SampleInterval));
    }

    /// <summary>
    /// Gets or sets how often a connected page hears from the server when nothing else happens (an <c>event: heartbeat</c>),
    /// so that proxies keep the connection open and the page notices a dead one. Heartbeats go out with the first sample
    /// after the interval. Default 15 seconds; from 1 to 30 seconds (the page reconnects after 45 silent seconds).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1 s, 30 s].</exception>
    public TimeSpan HeartbeatInterval
    {
        get => _heartbeatInterval;
        set => _heartbeatInterval = CheckRange(value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), nameof(HeartbeatInterval));
    }

    /// <summary>Gets or sets how many live streams (connected pages) may be open at once; one more is answered 503. Default 32; from 1 to 10,000.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1, 10,000].</exception>
    public int MaxStreams
    {
        get => _maxStreams;
        set => _maxStreams = CheckRange(value, 1, 10_000, nameof(MaxStreams));
    }

    /// <summary>
    /// Gets or sets how many events may wait for one stream whose client does not read them fast enough; when one more
    /// comes, that stream is closed (the page reconnects and resumes, or starts again from a snapshot) instead of being
    /// buffered without limit. Default 256; from 16 to 100,000.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [16, 100,000].</exception>
    public int MaxQueuedEventsPerStream
    {
        get => _maxQueuedEventsPerStream;
        set => _maxQueuedEventsPerStream = CheckRange(value, 16, 100_000, nameof(MaxQueuedEventsPerStream));
    }

    private static TimeSpan CheckRange(TimeSpan value, TimeSpan min, TimeSpan max, string parameter) => value >= min && value <= max
        ? value
        : throw new ArgumentOutOfRangeException(parameter, value, $"Must be from {Describe(min)} to {Describe(max)}.");

    private static int CheckRange(int value, int min, int max, string parameter) => value >= min && value <= max
        ? value
        : throw new ArgumentOutOfRangeException(parameter, value, string.Create(CultureInfo.InvariantCulture, $"Must be from {min:N0} to {max:N0}."));

    private static string Describe(TimeSpan value) => DurationText.Format(value);

    /// <summary>A collection that refuses <see langword="null"/>, so a mistake shows where it is made.</summary>
    private sealed class NotNullCollection : Collection<CircuitBreaker>
    {
        protected override void InsertItem(int index, CircuitBreaker item)
        {
            ArgumentNullException.ThrowIfNull(item);
            base.InsertItem(index, item);
        }

        protected override void SetItem(int index, CircuitBreaker item)
        {
            ArgumentNullException.ThrowIfNull(item);
            base.SetItem(index, item);
        }
    }
}
