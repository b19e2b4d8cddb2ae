using System.Collections.Concurrent;
using static Fluxgate.Slack.Tests.FakeSlack;

namespace Fluxgate.Slack.Tests;

public sealed class SlackListenerTests : IDisposable
{
    private const string Token = "xoxb-123-456-s3cr3tT0k3n";

    private readonly FakeSlack _slack = new();
    private readonly HttpClient _http;
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly ConcurrentQueue<CircuitBreakerFailure> _failures = new();

    public SlackListenerTests() => _http = _slack.CreateClient();

    public void Dispose()
    {
        _http.Dispose();
        _slack.Dispose();
    }

    private SlackListener Listener()
    {
        return new SlackListener("#alerts", Token, _http) { TimeZone = TimeZoneInfo.Utc };
    }

    private CircuitBreaker Breaker(SlackListener listener, string name = "payment_api")
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Name = name;
        options.Listeners.Add(listener);
        options.Listeners.Add(new FailureRecorder(_failures.Enqueue));

        // The breaker measures listener timeouts on its own (fake) clock; these tests move it while real HTTP
        // is in flight, so the breaker-level timeout is off and the listener's own is tested explicitly.
        options.AsyncListenerTimeout = Timeout.InfiniteTimeSpan;
        return new CircuitBreaker(options);
    }

    private List<Request> Sent => [.. _slack.Requests];

    [Fact]
    public async Task Open_PostsTheOriginalsMessageWithBearerTokenAsJson()
    {
        var breaker = Breaker(Listener());

        breaker.Fail(_clock);
        await breaker.FlushListenersAsync();

        var request = Assert.Single(Sent);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/chat.postMessage", request.Path);
        Assert.Equal($"Bearer {Token}", request.Authorization);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        Assert.Equal("#alerts", request.Json.GetProperty("channel").GetString());
        Assert.Equal("#FF4C4C", request.Attachment.GetProperty("color").GetString());
        Assert.Equal("*🚨 Circuit Breaker Triggered*", request.Title);
        Assert.Equal(
            ["*Circuit Breaker:*\npayment_api", "*State Transition:*\nclosed → open", "*Transition Time:*\n2026-01-01 00:00:00", "*Description:*\nThe request failure rate exceeded the threshold."],
            request.Fields);
        Assert.Null(request.ThreadTs);
        Assert.False(request.Json.TryGetProperty("reply_broadcast", out _));
        Assert.Empty(_failures);
    }

    [Fact]
    public async Task FailureCycle_IsOneThreadEndedByABroadcastReplyOnClose()
    {
        var breaker = Breaker(Listener());

        breaker.Fail(_clock);                                       // closed → open: starts the thread
        _clock.Advance(TimeSpan.FromSeconds(10));
        breaker.Fail(_clock);                                       // → half_open, → open: replies
        _clock.Advance(TimeSpan.FromSeconds(10));
        breaker.Succeed(_clock);                                    // → half_open, → closed: broadcast reply, ends it
        breaker.Fail(_clock);                                       // closed → open: a new thread
        _clock.Advance(TimeSpan.FromSeconds(10));
        breaker.Succeed(_clock);
        await breaker.FlushListenersAsync();

        Assert.True(_failures.IsEmpty, string.Join("\n", _failures.Select(f => f.Exception.ToString())));
        var sent = Sent;
        Assert.Equal(["closed → open", "open → half_open", "half_open → open", "open → half_open", "half_open → closed", "closed → open", "open → half_open", "half_open → closed"], sent.Select(r => r.Transition));
        var first = "1767225600.000001";
        Assert.Equal([null, first, first, first, first, null, "1767225600.000006", "1767225600.000006"], sent.Select(r => r.ThreadTs));
        Assert.Equal([false, false, false, false, true, false, false, true], sent.Select(r => r.Broadcast));
        Assert.Equal(["*🚨 Circuit Breaker Triggered*", "*🔄 Attempting Circuit Breaker Recovery*", "*⚠️ Circuit Breaker Re-triggered*"], sent.Take(3).Select(r => r.Title));
        Assert.Equal(["#FF4C4C", "#FFA500", "#FF4C4C", "#FFA500", "#36a64f"], sent.Take(5).Select(r => r.Attachment.GetProperty("color").GetString()));
    }

    [Theory]
    [InlineData(CircuitState.Disabled)]
    [InlineData(CircuitState.MetricsOnly)]
    public async Task DisabledOrMetricsOnly_EndTheThread(CircuitState ending)
    {
        var breaker = Breaker(Listener());
        breaker.Fail(_clock);

        if (ending == CircuitState.Disabled)
        {
            breaker.Disable();
        }
        else
        {
            breaker.MetricsOnly();
        }

        breaker.ForceOpen();
        await breaker.FlushListenersAsync();

        Assert.Equal([null, "1767225600.000001", null], Sent.Select(r => r.ThreadTs));
        Assert.Equal("*ℹ️ Circuit Breaker State Changed*", Sent[1].Title);
        Assert.Equal("#808080", Sent[1].Attachment.GetProperty("color").GetString());
    }

    [Fact]
    public async Task ForcedOpen_KeepsTheThread()
    {
        var breaker = Breaker(Listener());
        breaker.Fail(_clock);

        breaker.ForceOpen();
        breaker.Reset();
        await breaker.FlushListenersAsync();

        Assert.Equal([null, "1767225600.000001", "1767225600.000001"], Sent.Select(r => r.ThreadTs));
        Assert.True(Sent[2].Broadcast);
    }

    [Fact]
    public async Task Templates_AreOverridablePerTransitionWithAFallback()
    {
        var listener = Listener();
        listener.SetTemplate(CircuitState.Closed, CircuitState.Open, new SlackTemplate("🚨 서킷 브레이커 작동", "danger", "요청 실패율이 임계값을 초과했습니다."));
        listener.FallbackTemplate = new SlackTemplate("Changed", "#000000", "Something changed.");
        listener.SetTemplate(CircuitState.HalfOpen, CircuitState.Closed, null);
        var breaker = Breaker(listener);

        breaker.Fail(_clock);
        breaker.MetricsOnly();
        await breaker.FlushListenersAsync();

        Assert.Equal(["*🚨 서킷 브레이커 작동*", "*Changed*"], Sent.Select(r => r.Title));
        Assert.Equal("*Description:*\n요청 실패율이 임계값을 초과했습니다.", Sent[0].Fields[3]);
        Assert.Equal("danger", Sent[0].Attachment.GetProperty("color").GetString());
        Assert.Same(listener.FallbackTemplate, listener.GetTemplate(CircuitState.HalfOpen, CircuitState.Closed));
    }

    [Fact]
    public async Task FailedOpenMessage_IsReportedAndLaterMessagesOfTheCycleGoTopLevel()
    {
        _slack.Script(Answer.OkFalse);
        var breaker = Breaker(Listener());

        breaker.Fail(_clock);                                       // the caller only ever sees its own exception
        breaker.ForceOpen();
        await breaker.FlushListenersAsync();

        var failure = Assert.Single(_failures);
        var error = Assert.IsType<SlackApiException>(failure.Exception);
        Assert.Equal("channel_not_found", error.Error);
        Assert.Equal(CircuitState.Open, failure.Signal!.Value.NewState);
        Assert.Equal([null, null], Sent.Select(r => r.ThreadTs));
    }

    [Fact]
    public async Task FailedClosedMessage_StillEndsTheThreadAndTheNextOpenStartsANewOne()
    {
        var breaker = Breaker(Listener());
        breaker.Fail(_clock);
        await breaker.FlushListenersAsync();
        _slack.Script(Answer.ServerError);

        breaker.Reset();                                            // → closed: fails with HTTP 500
        breaker.Fail(_clock);                                       // → open: a new thread
        breaker.ForceOpen();
        await breaker.FlushListenersAsync();

        Assert.Equal(500, Assert.IsType<SlackApiException>(Assert.Single(_failures).Exception).StatusCode);
        Assert.Equal([null, "1767225600.000001", null, "1767225600.000002"], Sent.Select(r => r.ThreadTs));
    }

    [Fact]
    public async Task FailedReplyInTheCycle_KeepsTheThread()
    {
        var breaker = Breaker(Listener());
        breaker.Fail(_clock);
        await breaker.FlushListenersAsync();
        _slack.Script(Answer.Garbage);

        breaker.ForceOpen();                                        // reply fails: garbage answer
        breaker.Reset();
        await breaker.FlushListenersAsync();

        Assert.IsType<System.Text.Json.JsonException>(Assert.IsType<SlackApiException>(Assert.Single(_failures).Exception).InnerException, exactMatch: false);
        Assert.Equal([null, "1767225600.000001", "1767225600.000001"], Sent.Select(r => r.ThreadTs));
    }

    [Fact]
    public async Task Timeout_IsReportedAsASlackApiExceptionAndDeliveryMovesOn()
    {
        _slack.Script(Answer.Hang);
        var listener = Listener();
        listener.TimeProvider = _clock;
        var breaker = Breaker(listener);

        breaker.Fail(_clock);
        await _slack.Hanging.Task;                                  // the request is in flight, its timeout armed
        _clock.Advance(SlackListener.DefaultTimeout);
        breaker.Reset();
        await breaker.FlushListenersAsync();

        var error = Assert.IsType<SlackApiException>(Assert.Single(_failures).Exception);
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Contains("within 00:00:05", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, Sent.Count);
    }

    [Fact]
    public async Task EveryKindOfFailure_IsReportedAndNeverCarriesTheToken()
    {
        _slack.Script(Answer.OkFalse, Answer.OkWithoutTs, Answer.ServerError, Answer.Garbage);
        var breaker = Breaker(Listener());

        breaker.Fail(_clock);
        breaker.Reset();
        breaker.Fail(_clock);
        breaker.Reset();
        await breaker.FlushListenersAsync();
        _slack.Stop();                                              // Slack unreachable: connection refused
        breaker.Fail(_clock);
        await breaker.FlushListenersAsync();

        Assert.Equal(5, _failures.Count);
        Assert.All(_failures, f => Assert.IsType<SlackApiException>(f.Exception));
        Assert.All(_failures, f => Assert.DoesNotContain(Token, f.Exception.ToString(), StringComparison.Ordinal));
        Assert.IsType<HttpRequestException>(_failures.Last().Exception.InnerException);
        Assert.DoesNotContain(Token, Listener().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SyncAndAsyncCallers_BothGetTheirTransitionsPosted()
    {
        var breaker = Breaker(Listener());

        breaker.Fail(_clock);
        breaker.Reset();
        await Assert.ThrowsAsync<TrackedException>(async () => await breaker.ExecuteAsync<int>(async _ => { await Task.Yield(); throw new TrackedException(); }));
        await breaker.FlushListenersAsync();

        Assert.Equal(["closed → open", "open → closed", "closed → open"], Sent.Select(r => r.Transition));
    }

    [Fact]
    public async Task OneListenerForManyBreakers_KeepsAThreadPerBreaker()
    {
        var listener = Listener();
        var payments = Breaker(listener, "payments");
        var search = Breaker(listener, "search <&> co");

        payments.Fail(_clock);
        await payments.FlushListenersAsync();
        search.Fail(_clock);
        await search.FlushListenersAsync();
        payments.Reset();
        search.Reset();
        await Task.WhenAll(payments.FlushListenersAsync(), search.FlushListenersAsync());

        var sent = Sent;
        Assert.Equal("1767225600.000001", sent.Single(r => r.Fields[0].EndsWith("payments", StringComparison.Ordinal) && r.Transition == "open → closed").ThreadTs);
        Assert.Equal("1767225600.000002", sent.Single(r => r.Fields[0].Contains("search", StringComparison.Ordinal) && r.Transition == "open → closed").ThreadTs);
        Assert.Contains("*Circuit Breaker:*\nsearch &lt;&amp;&gt; co", sent.Select(r => r.Fields[0]));
    }

    [Fact]
    public void Endpoint_WithoutABaseAddress_IsSlacksPublicApi()
    {
        using var listener = new SlackListener("C1234567890", Token);
        using var noSlash = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1/slack/api") };

        Assert.Equal(new Uri("https://slack.com/api/chat.postMessage"), listener.Endpoint);
        Assert.Equal(new Uri("http://127.0.0.1:1/slack/api/chat.postMessage"), new SlackListener("C1", Token, noSlash).Endpoint);
        Assert.Equal(new Uri(_slack.BaseAddress, "chat.postMessage"), Listener().Endpoint);
    }

    [Fact]
    public void Validation_BadArgumentsThrowNamingTheParameterWithoutEchoingTheToken()
    {
        Assert.Equal("channel", Assert.Throws<ArgumentNullException>(() => new SlackListener(null!, Token)).ParamName);
        Assert.Equal("channel", Assert.Throws<ArgumentException>(() => new SlackListener(" ", Token)).ParamName);
        Assert.Equal("token", Assert.Throws<ArgumentException>(() => new SlackListener("#a", "")).ParamName);
        var spaced = Assert.Throws<ArgumentException>(() => new SlackListener("#a", "xoxb secret"));
        Assert.Equal("token", spaced.ParamName);
        Assert.DoesNotContain("secret", spaced.Message, StringComparison.Ordinal);
        using var listener = Listener();
        Assert.Equal("Timeout", Assert.Throws<ArgumentOutOfRangeException>(() => listener.Timeout = TimeSpan.Zero).ParamName);
        Assert.Contains("49.7 days", Assert.Throws<ArgumentOutOfRangeException>(() => listener.Timeout = TimeSpan.FromDays(50)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => listener.Timeout = TimeSpan.MaxValue);
        listener.Timeout = SlackListener.MaxTimeout;
        Assert.Throws<ArgumentNullException>(() => listener.TimeZone = null!);
        Assert.Throws<ArgumentNullException>(() => listener.FallbackTemplate = null!);
        Assert.Equal("color", Assert.Throws<ArgumentException>(() => new SlackTemplate("t", "red", "d")).ParamName);
        Assert.Equal("title", Assert.Throws<ArgumentException>(() => new SlackTemplate(" ", "#FFFFFF", "d")).ParamName);
        Assert.Equal("#abcdef", new SlackTemplate("t", "#abcdef", "d").Color);
    }
}
