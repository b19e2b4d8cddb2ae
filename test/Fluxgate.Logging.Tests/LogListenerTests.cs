using Microsoft.Extensions.Logging;

namespace Fluxgate.Logging.Tests;

public sealed class LogListenerTests : IDisposable
{
    private readonly CapturingLoggerProvider _provider = new();
    private readonly ILoggerFactory _factory;
    private readonly ILogger _logger;
    private readonly FakeTimeProvider _clock = TestKit.NewClock();

    public LogListenerTests()
    {
        _factory = LoggerFactory.Create(builder => builder.AddProvider(_provider).SetMinimumLevel(LogLevel.Trace));
        _logger = _factory.CreateLogger("Fluxgate.CircuitBreaker");
    }

    public void Dispose() => _factory.Dispose();

    private CircuitBreaker Breaker(LogListener listener, string name = "payment_api")
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Name = name;
        options.Listeners.Add(listener);
        return new CircuitBreaker(options);
    }

    [Fact]
    public void Transition_IsLoggedOnceAsAStructuredEntryWithWireNames()
    {
        var breaker = Breaker(new LogListener(_logger));

        breaker.Fail(_clock);                                   // logged before the call returns

        var entry = Assert.Single(_provider.Entries);
        Assert.Equal("Circuit Breaker 'payment_api' transitioned from closed to open", entry.Message);
        Assert.Equal("Fluxgate.CircuitBreaker", entry.Category);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(new EventId(1, "CircuitBreakerTransitioned"), entry.EventId);
        Assert.Equal("payment_api", entry.State["CircuitName"]);
        Assert.Equal("closed", entry.State["OldState"]);
        Assert.Equal("open", entry.State["NewState"]);
        Assert.Equal("Circuit Breaker '{CircuitName}' transitioned from {OldState} to {NewState}", entry.State["{OriginalFormat}"]);
    }

    [Fact]
    public void DefaultLevels_AreWarningForOpenAndForcedOpenAndInformationOtherwise()
    {
        var breaker = Breaker(new LogListener(_logger));

        breaker.Fail(_clock);                                   // → open
        _clock.Advance(TimeSpan.FromSeconds(10));
        breaker.FailUntracked();                                // → half_open
        breaker.Reset();                                        // → closed
        breaker.MetricsOnly();
        breaker.Disable();
        breaker.ForceOpen();

        Assert.Equal(
            [("open", LogLevel.Warning), ("half_open", LogLevel.Information), ("closed", LogLevel.Information), ("metrics_only", LogLevel.Information), ("disabled", LogLevel.Information), ("forced_open", LogLevel.Warning)],
            _provider.Entries.Select(e => ((string)e.State["NewState"]!, e.Level)));
    }

    [Fact]
    public void LevelOverrides_ReplaceTheDefaultsForTheirStatesOnly()
    {
        var listener = new LogListener(_logger, new Dictionary<CircuitState, LogLevel> { [CircuitState.Open] = LogLevel.Critical, [CircuitState.Closed] = LogLevel.Debug });
        var breaker = Breaker(listener);

        breaker.Fail(_clock);
        breaker.Reset();
        breaker.ForceOpen();

        Assert.Equal([LogLevel.Critical, LogLevel.Debug, LogLevel.Warning], _provider.Entries.Select(e => e.Level));
        Assert.Equal(LogLevel.Information, listener.LevelFor(CircuitState.HalfOpen));
    }

    [Fact]
    public void DisabledLevel_WritesNothing()
    {
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(_provider).SetMinimumLevel(LogLevel.Warning));
        var breaker = Breaker(new LogListener(factory.CreateLogger("quiet")));

        breaker.Fail(_clock);
        breaker.Reset();

        Assert.Equal(["open"], _provider.Entries.Select(e => (string)e.State["NewState"]!));
    }

    [Fact]
    public void FailuresOfOtherListeners_AreLoggedAsErrorsWithTheException()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Listeners.Add(new ThrowingListener());
        options.Listeners.Add(new LogListener(_logger));
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);

        var failure = Assert.Single(_provider.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal($"Listener {typeof(ThrowingListener).FullName} of Circuit Breaker 'test' failed on the transition from closed to open", failure.Message);
        Assert.Equal("dashboard is down", failure.Exception!.Message);
        Assert.Equal(new EventId(2, "CircuitBreakerListenerFailed"), failure.EventId);
        Assert.Single(_provider.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public void Constructor_InvalidArguments_ThrowNamingTheParameter()
    {
        Assert.Equal("logger", Assert.Throws<ArgumentNullException>(() => new LogListener(null!)).ParamName);
        Assert.Equal("levels", Assert.Throws<ArgumentOutOfRangeException>(() => new LogListener(_logger, new Dictionary<CircuitState, LogLevel> { [(CircuitState)9] = LogLevel.Error })).ParamName);
        var level = Assert.Throws<ArgumentOutOfRangeException>(() => new LogListener(_logger, new Dictionary<CircuitState, LogLevel> { [CircuitState.Open] = (LogLevel)42 }));
        Assert.Equal("levels", level.ParamName);
        Assert.Contains("The level for open must be a defined LogLevel", level.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FaultyParts_AreLoggedAsErrorsWithWhatTheBreakerDidInstead()
    {
        var options = TestKit.Options(TestKit.NewClock(), new ThrowingTripper());
        options.Listeners.Add(new LogListener(_logger));
        var breaker = new CircuitBreaker(options);

        Assert.Equal(7, breaker.Execute(() => 7));

        var entry = Assert.Single(_provider.Entries, e => e.EventId.Id == 3);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal($"Tripper.Evaluate of {typeof(ThrowingTripper).FullName} in Circuit Breaker 'test' threw; the tripper's answer was taken as false (no transition)", entry.Message);
        Assert.IsType<InvalidOperationException>(entry.Exception);
        Assert.Equal(new EventId(3, "CircuitBreakerComponentFailed"), entry.EventId);
    }

    private sealed class ThrowingTripper : Tripper
    {
        public override bool Evaluate(CallContext context) => throw new InvalidOperationException("tripper bug");
    }

    private sealed class ThrowingListener : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => throw new InvalidOperationException("dashboard is down");
    }
}
