using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Fluxgate.Slack;

/// <summary>
/// An async listener that posts each transition to a Slack channel with <c>chat.postMessage</c>, with a title,
/// colour and fields for each transition (see <see cref="GetTemplate(CircuitState, CircuitState)"/>), threaded per
/// failure cycle.
/// </summary>
/// <remarks>
/// <para>
/// Threading: a message for →open starts a thread and the following messages reply in it; →closed replies
/// with <c>reply_broadcast: true</c> and ends the thread; →disabled and →metrics_only end it too;
/// →forced_open keeps it. If the →open message fails, later messages of that cycle go top-level; a failed
/// message that ends the thread still ends it. One listener may serve many breakers: threads are kept per
/// breaker name.
/// </para>
/// <para>
/// It posts to <c>{httpClient.BaseAddress}chat.postMessage</c> when the given client has a base address,
/// else to <c>https://slack.com/api/chat.postMessage</c>, with <c>Authorization: Bearer &lt;token&gt;</c>.
/// A failed post (HTTP error, <c>ok: false</c>, timeout, unreadable answer) throws
/// <see cref="SlackApiException"/>, which the breaker reports to its failure hooks and never to a
/// protected call. The token appears in no message, log or exception.
/// </para>
/// </remarks>
public sealed class SlackListener : IAsyncCircuitBreakerListener, IDisposable
{
    /// <summary>Slack's Web API base address, used when the HTTP client has none.</summary>
    public static readonly Uri DefaultApiBaseAddress = new("https://slack.com/api/");

    /// <summary>The default <see cref="Timeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest finite <see cref="Timeout"/>: 4,294,967,294 ms (about 49.7 days), the longest a .NET timer can wait.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private static readonly SlackTemplate s_defaultFallback = new("ℹ️ Circuit Breaker State Changed", "#808080", "Circuit breaker state has been changed.");

    private readonly string _channel;
    private readonly AuthenticationHeaderValue _authorization;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _endpoint;
    private readonly Dictionary<(CircuitState, CircuitState), SlackTemplate> _templates = new()
    {
        [(CircuitState.Closed, CircuitState.Open)] = new("🚨 Circuit Breaker Triggered", "#FF4C4C", "The request failure rate exceeded the threshold."),
        [(CircuitState.Open, CircuitState.HalfOpen)] = new("🔄 Attempting Circuit Breaker Recovery", "#FFA500", "Testing service status with partial requests."),
        [(CircuitState.HalfOpen, CircuitState.Open)] = new("⚠️ Circuit Breaker Re-triggered", "#FF4C4C", "Test request failed, reverting to open state."),
        [(CircuitState.HalfOpen, CircuitState.Closed)] = new("✅ Circuit Breaker Recovered", "#36a64f", "Test request succeeded, service is now healthy."),
    };

    // Thread of the current failure cycle, per breaker name. Deliveries for one breaker are sequential;
    // the lock guards against one listener serving several breakers at once.
    private readonly Dictionary<string, string> _threads = new(StringComparer.Ordinal);
    private SlackTemplate _fallback = s_defaultFallback;
    private TimeSpan _timeout = DefaultTimeout;
    private TimeZoneInfo _timeZone = TimeZoneInfo.Local;
    private TimeProvider _timeProvider = TimeProvider.System;

    /// <summary>Creates a listener that posts to <paramref name="channel"/> with the bot <paramref name="token"/>.</summary>
    /// <param name="channel">A channel ID (<c>C1234567890</c>) or name (<c>#alerts</c>).</param>
    /// <param name="token">A bot token with <c>chat:write</c>.</param>
    /// <param name="httpClient">The client to post with (not disposed by the listener); its base address, if any, replaces Slack's. <see langword="null"/> for a client of the listener's own.</param>
    /// <exception cref="ArgumentException"><paramref name="channel"/> or <paramref name="token"/> is null, empty or blank, or the token contains characters an HTTP header cannot carry.</exception>
    public SlackListener(string channel, string token, HttpClient? httpClient = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(channel);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        if (token.Any(c => c < 0x21 || c > 0x7E))
        {
            // Never echo the token itself.
            throw new ArgumentException("Must be printable ASCII without spaces, as an HTTP header value.", nameof(token));
        }

        _channel = channel;
        _authorization = new AuthenticationHeaderValue("Bearer", token);
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var baseAddress = _http.BaseAddress?.ToString() ?? DefaultApiBaseAddress.ToString();
        _endpoint = new Uri((baseAddress.EndsWith('/') ? baseAddress : baseAddress + "/") + "chat.postMessage");
    }

    /// <summary>Gets the channel messages are posted to.</summary>
    public string Channel => _channel;

    /// <summary>Gets the URL messages are posted to.</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>Gets or sets how long one post may take before it is abandoned and reported.</summary>
    /// <value>The default value is 5 seconds. Must be positive and at most <see cref="MaxTimeout"/> (about 49.7 days), or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative other than infinite, or longer than <see cref="MaxTimeout"/>.</exception>
    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            if ((value <= TimeSpan.Zero || value > MaxTimeout) && value != System.Threading.Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(Timeout), value, "Must be greater than zero and at most 49.7 days (4,294,967,294 ms, the longest a timer can wait), or Timeout.InfiniteTimeSpan for no limit.");
            }

            _timeout = value;
        }
    }

    /// <summary>Gets or sets the time zone of the Transition Time field.</summary>
    /// <value>The default value is <see cref="TimeZoneInfo.Local"/>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TimeZoneInfo TimeZone
    {
        get => _timeZone;
        set => _timeZone = value ?? throw new ArgumentNullException(nameof(TimeZone));
    }

    /// <summary>Gets or sets the clock that measures <see cref="Timeout"/>.</summary>
    /// <value>The default value is <see cref="System.TimeProvider.System"/>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set => _timeProvider = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    }

    /// <summary>Gets or sets the template of transitions that have none of their own.</summary>
    /// <value>The default value is a grey <c>ℹ️ Circuit Breaker State Changed</c>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public SlackTemplate FallbackTemplate
    {
        get => _fallback;
        set => _fallback = value ?? throw new ArgumentNullException(nameof(FallbackTemplate));
    }

    /// <summary>Returns the template used for the transition from <paramref name="from"/> to <paramref name="to"/>.</summary>
    /// <param name="from">The state left.</param>
    /// <param name="to">The state entered.</param>
    /// <returns>The transition's own template, or <see cref="FallbackTemplate"/>.</returns>
    public SlackTemplate GetTemplate(CircuitState from, CircuitState to)
    {
        lock (_templates)
        {
            return _templates.TryGetValue((from, to), out var template) ? template : _fallback;
        }
    }

    /// <summary>Sets the template of the transition from <paramref name="from"/> to <paramref name="to"/>; <see langword="null"/> falls back to <see cref="FallbackTemplate"/>.</summary>
    /// <param name="from">The state left.</param>
    /// <param name="to">The state entered.</param>
    /// <param name="template">The template, or <see langword="null"/>.</param>
    public void SetTemplate(CircuitState from, CircuitState to, SlackTemplate? template)
    {
        lock (_templates)
        {
            if (template is null)
            {
                _templates.Remove((from, to));
            }
            else
            {
                _templates[(from, to)] = template;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken)
    {
        string? thread;
        lock (_threads)
        {
            thread = _threads.GetValueOrDefault(signal.CircuitName);
        }

        var endsThread = signal.NewState is CircuitState.Closed or CircuitState.Disabled or CircuitState.MetricsOnly;
        try
        {
            var ts = await PostAsync(BuildPayload(signal, GetTemplate(signal.OldState, signal.NewState), thread), cancellationToken).ConfigureAwait(false);
            if (signal.NewState == CircuitState.Open && thread is null)
            {
                SetThread(signal.CircuitName, ts);
            }
        }
        finally
        {
            // Even a failed message ends its cycle's thread; a failed →open leaves the cycle without one.
            if (endsThread)
            {
                SetThread(signal.CircuitName, null);
            }
        }
    }

    /// <summary>Disposes the HTTP client the listener created for itself; a client given to it is left alone.</summary>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    internal string BuildPayload(Signal signal, SlackTemplate template, string? thread)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("channel", _channel);
            json.WriteStartArray("attachments");
            json.WriteStartObject();
            json.WriteString("color", template.Color);
            json.WriteStartArray("blocks");

            json.WriteStartObject();
            json.WriteString("type", "section");
            WriteText(json, "text", $"*{Escape(template.Title)}*");
            json.WriteEndObject();

            json.WriteStartObject();
            json.WriteString("type", "section");
            json.WriteStartArray("fields");
            var time = TimeZoneInfo.ConvertTime(signal.Timestamp, _timeZone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            WriteText(json, null, $"*Circuit Breaker:*\n{Escape(signal.CircuitName)}");
            WriteText(json, null, $"*State Transition:*\n{signal.OldState.ToWireName()} → {signal.NewState.ToWireName()}");
            WriteText(json, null, $"*Transition Time:*\n{time}");
            WriteText(json, null, $"*Description:*\n{Escape(template.Description)}");
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            if (thread is not null)
            {
                json.WriteString("thread_ts", thread);
            }

            if (signal.NewState == CircuitState.Closed)
            {
                json.WriteBoolean("reply_broadcast", true);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteText(Utf8JsonWriter json, string? property, string text)
    {
        if (property is null)
        {
            json.WriteStartObject();
        }
        else
        {
            json.WriteStartObject(property);
        }

        json.WriteString("type", "mrkdwn");
        json.WriteString("text", text);
        json.WriteEndObject();
    }

    /// <summary>Escapes the three characters Slack's mrkdwn reserves.</summary>
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private void SetThread(string circuitName, string? ts)
    {
        lock (_threads)
        {
            if (ts is null)
            {
                _threads.Remove(circuitName);
            }
            else
            {
                _threads[circuitName] = ts;
            }
        }
    }

    /// <summary>Posts the payload and returns the message's <c>ts</c>.</summary>
    private async Task<string> PostAsync(string payload, CancellationToken cancellationToken)
    {
        using var timeout = _timeout == System.Threading.Timeout.InfiniteTimeSpan
            ? new CancellationTokenSource()
            : new CancellationTokenSource(_timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = _authorization;

        string body;
        int status;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new SlackApiException($"Slack answered HTTP {status} ({response.ReasonPhrase}) to chat.postMessage.", status, null, null);
            }
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Our timeout, or the HttpClient's own: either way Slack was too slow. The breaker's token propagates as is.
            var limit = timeout.IsCancellationRequested ? _timeout : _http.Timeout;
            throw new SlackApiException($"Slack did not answer chat.postMessage within {limit}.", null, null, new TimeoutException(exception.Message));
        }
        catch (HttpRequestException exception)
        {
            throw new SlackApiException($"Could not reach Slack at {_endpoint}: {exception.Message}", null, null, exception);
        }

        string? ts;
        bool ok;
        string? error;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            ok = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ok", out var okProperty) && okProperty.ValueKind == JsonValueKind.True;
            ts = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ts", out var tsProperty) && tsProperty.ValueKind == JsonValueKind.String ? tsProperty.GetString() : null;
            error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var errorProperty) && errorProperty.ValueKind == JsonValueKind.String ? errorProperty.GetString() : null;
        }
        catch (JsonException exception)
        {
            throw new SlackApiException($"Slack's answer to chat.postMessage (HTTP {status}) is not JSON.", status, null, exception);
        }

        if (!ok || string.IsNullOrEmpty(ts))
        {
            throw new SlackApiException($"Slack did not post the message: {error ?? (ok ? "no ts in the answer" : "ok is not true")}.", status, error, null);
        }

        return ts;
    }
}
