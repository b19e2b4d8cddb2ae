using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Breaker;

public class CircuitBreakerOptionsTests
{
    [Fact]
    public void Defaults_MatchTheSpecification()
    {
        var options = new CircuitBreakerOptions();

        Assert.Equal("default", options.Name);
        Assert.Equal(100, Assert.IsType<CountWindow>(options.Window).Size);
        Assert.Same(Tracker.All(), options.Tracker);
        Assert.Equal("MinRequests(100) & FailureRate(0.5)", options.Tripper.ToString());
        Assert.Equal(TimeSpan.FromSeconds(60), options.Retry.GetWaitDuration(5));
        Assert.Equal("Cooldown(1m)", options.Retry.ToString());
        Assert.Equal("RampUp(0.1, 1, 1m)", options.Permit.ToString());
        Assert.Equal("Count(100)", options.Window.ToString());
        Assert.Equal(10, options.MaxHalfOpenCalls);
        Assert.Empty(options.Listeners);
        Assert.Same(TimeProvider.System, options.TimeProvider);
        Assert.Null(options.ResultTracker);
        Assert.Equal(TimeSpan.FromSeconds(30), options.AsyncListenerTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.ProbeLease);
    }

    [Fact]
    public void Defaults_BehaveAsTheSpecificationSays()
    {
        var clock = TestKit.NewClock();
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { TimeProvider = clock });

        for (var i = 0; i < 99; i++)
        {
            Assert.Throws<InvalidOperationException>(() => breaker.Execute(() => throw new InvalidOperationException()));
        }

        Assert.Equal(CircuitState.Closed, breaker.State);           // MinRequests(100)
        Assert.Throws<InvalidOperationException>(() => breaker.Execute(() => throw new InvalidOperationException()));
        Assert.Equal(CircuitState.Open, breaker.State);              // Tracker.All & FailureRate(0.5)
        Assert.Equal(TimeSpan.FromSeconds(60), breaker.AssertRejects().RetryAfter);
    }

    [Fact]
    public void Listeners_CollectionInitializer_AddsBothKinds()
    {
        var sync = new RecordingListener();
        var async = new NullAsyncListener();

        var options = new CircuitBreakerOptions { Listeners = { sync, async } };

        Assert.Equal([sync, async], options.Listeners);
        Assert.True(options.Listeners.Remove(sync));
        Assert.False(options.Listeners.Remove(sync));
        options.Listeners.Clear();
        Assert.Equal(0, options.Listeners.Count);
    }

    [Fact]
    public void Setters_NullValues_ThrowNamingTheProperty()
    {
        var options = new CircuitBreakerOptions();

        Assert.Equal("Name", Assert.Throws<ArgumentNullException>(() => options.Name = null!).ParamName);
        Assert.Equal("Window", Assert.Throws<ArgumentNullException>(() => options.Window = null!).ParamName);
        Assert.Equal("Tracker", Assert.Throws<ArgumentNullException>(() => options.Tracker = null!).ParamName);
        Assert.Equal("Tripper", Assert.Throws<ArgumentNullException>(() => options.Tripper = null!).ParamName);
        Assert.Equal("Retry", Assert.Throws<ArgumentNullException>(() => options.Retry = null!).ParamName);
        Assert.Equal("Permit", Assert.Throws<ArgumentNullException>(() => options.Permit = null!).ParamName);
        Assert.Equal("TimeProvider", Assert.Throws<ArgumentNullException>(() => options.TimeProvider = null!).ParamName);
        Assert.Throws<ArgumentNullException>(() => options.Listeners.Add((ICircuitBreakerListener)null!));
        Assert.Throws<ArgumentNullException>(() => options.Listeners.Add((IAsyncCircuitBreakerListener)null!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Name_Blank_ThrowsNamingName(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new CircuitBreakerOptions { Name = name });
        Assert.Equal("Name", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void MaxHalfOpenCalls_BelowOne_ThrowsNamingItAndTheRange(int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerOptions { MaxHalfOpenCalls = value });
        Assert.Equal("MaxHalfOpenCalls", error.ParamName);
        Assert.Contains("at least 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(-2)]
    public void ProbeLease_UnderOneSecond_ThrowsNamingItAndTheRange(int milliseconds)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerOptions { ProbeLease = TimeSpan.FromMilliseconds(milliseconds) });

        Assert.Equal("ProbeLease", error.ParamName);
        Assert.Contains("at least 1 second", error.Message, StringComparison.Ordinal);
        Assert.Equal(Timeout.InfiniteTimeSpan, new CircuitBreakerOptions { ProbeLease = Timeout.InfiniteTimeSpan }.ProbeLease);
        Assert.Equal(TimeSpan.FromSeconds(1), new CircuitBreakerOptions { ProbeLease = TimeSpan.FromSeconds(1) }.ProbeLease);
    }

    [Fact]
    public void AsyncListenerTimeout_ZeroOrNegative_ThrowsButInfiniteIsAccepted()
    {
        Assert.Equal("AsyncListenerTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerOptions { AsyncListenerTimeout = TimeSpan.Zero }).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerOptions { AsyncListenerTimeout = TimeSpan.FromSeconds(-5) });
        Assert.Equal(Timeout.InfiniteTimeSpan, new CircuitBreakerOptions { AsyncListenerTimeout = Timeout.InfiniteTimeSpan }.AsyncListenerTimeout);
    }

    [Theory]
    [InlineData(50)]
    [InlineData(365)]
    public void AsyncListenerTimeout_LongerThanATimerCanWait_ThrowsNamingTheLimit(int days)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerOptions { AsyncListenerTimeout = TimeSpan.FromDays(days) });

        Assert.Equal("AsyncListenerTimeout", error.ParamName);
        Assert.Contains("49.7 days", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerOptions { AsyncListenerTimeout = TimeSpan.MaxValue });
        Assert.Equal(CircuitBreakerOptions.MaxAsyncListenerTimeout, new CircuitBreakerOptions { AsyncListenerTimeout = CircuitBreakerOptions.MaxAsyncListenerTimeout }.AsyncListenerTimeout);
    }

    [Fact]
    public void Options_WithTheDefaultWindow_ServeSeveralBreakersEachWithItsOwnWindow()
    {
        var options = new CircuitBreakerOptions { Name = "first", Tracker = Tracker.All(), Tripper = Tripper.FailureStreak(1) };
        var first = new CircuitBreaker(options);
        options.Name = "second";
        var second = new CircuitBreaker(options);

        Assert.Throws<InvalidOperationException>(() => first.Execute<int>(() => throw new InvalidOperationException()));

        Assert.Equal(CircuitState.Open, first.State);
        Assert.Equal(CircuitState.Closed, second.State);
        Assert.Equal(0, second.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Options_WithTheDefaultWindow_GiveTheSecondBreakerAWindowAttachedToIt()
    {
        // The second breaker's window is a fresh one: attached, it counts slow calls by the breaker's clock and thresholds.
        var clock = new FakeTimeProvider();
        var options = new CircuitBreakerOptions { Name = "first", TimeProvider = clock, Tripper = Tripper.MinRequests(10) & Tripper.SlowRate(0.5, TimeSpan.FromSeconds(1)) };
        _ = new CircuitBreaker(options);
        options.Name = "second";
        var second = new CircuitBreaker(options);

        second.Execute(() => clock.Advance(TimeSpan.FromSeconds(2)));

        Assert.Equal(1, second.GetInfo().Metrics.SlowCount(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Options_WithAWindowSetByTheUser_ForTwoUnnamedBreakers_SayTheOtherHasTheSameName()
    {
        var options = new CircuitBreakerOptions { Window = new CountWindow(20) };
        _ = new CircuitBreaker(options);

        var error = Assert.Throws<ArgumentException>(() => new CircuitBreaker(options));

        Assert.Contains("already serves another circuit breaker also named 'default'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reconfigure_WithTheWindowTheBreakerAlreadyUses_SaysItServesThisBreaker()
    {
        var options = new CircuitBreakerOptions { Window = new CountWindow(20) };
        var breaker = new CircuitBreaker(options);

        var error = Assert.Throws<ArgumentException>(() => breaker.Reconfigure(options));

        Assert.Contains("already serves this circuit breaker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_WithAWindowSetByTheUser_CannotServeASecondBreaker_AndTheErrorNamesBoth()
    {
        var options = new CircuitBreakerOptions { Name = "payments", Window = new CountWindow(20) };
        _ = new CircuitBreaker(options);
        options.Name = "refunds";

        var error = Assert.Throws<ArgumentException>(() => new CircuitBreaker(options));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("already serves circuit breaker 'payments'", error.Message, StringComparison.Ordinal);
        Assert.Contains("give 'refunds' a window of its own", error.Message, StringComparison.Ordinal);
        Assert.Contains("Count(20)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WithoutOptions_UsesTheDefaults()
    {
        var breaker = new CircuitBreaker();

        Assert.Equal("default", breaker.Name);
        for (var i = 0; i < 99; i++)
        {
            Assert.Throws<InvalidOperationException>(() => breaker.Execute(() => throw new InvalidOperationException()));
        }

        Assert.Equal(CircuitState.Closed, breaker.State);           // MinRequests(100)
        Assert.Throws<InvalidOperationException>(() => breaker.Execute(() => throw new InvalidOperationException()));
        Assert.Equal(CircuitState.Open, breaker.State);             // Tracker.All & FailureRate(0.5)
    }

    [Fact]
    public void Constructor_NullOptions_Throws() =>
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new CircuitBreaker(null!)).ParamName);

    [Fact]
    public void Breaker_CopiesTheOptions_LaterChangesDoNotReachIt()
    {
        var clock = TestKit.NewClock();
        var options = TestKit.Options(clock, Tripper.FailureStreak(1));
        var breaker = new CircuitBreaker(options);

        options.Name = "changed";
        options.Tripper = Tripper.FailureStreak(100);
        breaker.Fail(clock);

        Assert.Equal("test", breaker.Name);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void ToWireName_EveryState_IsTheDocumentedNameAndParsesBack()
    {
        string[] expected = ["closed", "open", "half_open", "metrics_only", "disabled", "forced_open"];

        Assert.Equal(expected, Enum.GetValues<CircuitState>().Select(s => s.ToWireName()));
        foreach (var state in Enum.GetValues<CircuitState>())
        {
            Assert.True(CircuitStateExtensions.TryParseWireName(state.ToWireName(), out var parsed));
            Assert.Equal(state, parsed);
        }

        Assert.False(CircuitStateExtensions.TryParseWireName("Half_Open", out _));
        Assert.False(CircuitStateExtensions.TryParseWireName(null, out _));
        Assert.Equal("state", Assert.Throws<ArgumentOutOfRangeException>(() => ((CircuitState)42).ToWireName()).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentOutOfRangeException>(() => ((CircuitState)6).ToWireName()).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentOutOfRangeException>(() => ((CircuitState)(-1)).ToWireName()).ParamName);
    }

    private sealed class NullAsyncListener : IAsyncCircuitBreakerListener
    {
        public ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
