using static Fluxgate.Tripper;

namespace Fluxgate.Tests.Expressions;

/// <summary>
/// Every built-in part prints as the expression the configuration binding reads (a policy can be logged and pasted
/// into appsettings.json): durations in the largest whole unit, numbers as short as they read back, and only the
/// parentheses that <c>&amp;</c> binding tighter than <c>|</c> requires.
/// </summary>
public class PrintingTests
{
    public static TheoryData<string, object> Parts() => new()
    {
        { "Count(100)", new CountWindow(100) },
        { "Time(1m)", new TimeWindow(TimeSpan.FromSeconds(60)) },
        { "Time(90s)", new TimeWindow(TimeSpan.FromSeconds(90)) },
        { "Time(2h)", new TimeWindow(TimeSpan.FromHours(2)) },
        { "All()", Tracker.All() },
        { "TypeOf(System.TimeoutException)", Tracker.TypeOf<TimeoutException>() },
        { "TypeOf(System.IO.IOException, System.TimeoutException)", Tracker.TypeOf(typeof(IOException), typeof(TimeoutException)) },
        { "Custom(...)", Tracker.Custom(_ => true) },
        { "~(All() | Custom(...))", ~(Tracker.All() | Tracker.Custom(_ => true)) },
        { "~(TypeOf(System.IO.IOException) & ~TypeOf(System.IO.FileNotFoundException))", ~(Tracker.TypeOf<IOException>() & !Tracker.TypeOf<FileNotFoundException>()) },
        { "When<Int32>(...) | When<String>(...)", ResultTracker.When<int>(r => r < 0) | ResultTracker.When<string>(r => r.Length == 0) },
        { "Closed()", Closed() },
        { "HalfOpened()", HalfOpened() },
        { "MinRequests(20)", MinRequests(20) },
        { "FailureRate(0.5)", FailureRate(0.5) },
        { "FailureRate(1)", FailureRate(1) },
        { "AvgLatency(250ms)", AvgLatency(TimeSpan.FromMilliseconds(250)) },
        { "AvgLatency(0.5ms)", AvgLatency(TimeSpan.FromTicks(5_000)) },
        { "SlowRate(0.3, 1s)", SlowRate(0.3, TimeSpan.FromSeconds(1)) },
        { "FailureStreak(5)", FailureStreak(5) },
        { "Closed() & MinRequests(10) & FailureRate(0.5)", Closed() & MinRequests(10) & FailureRate(0.5) },
        { "MinRequests(10) & (FailureRate(0.5) | FailureStreak(3))", MinRequests(10) & (FailureRate(0.5) | FailureStreak(3)) },
        { "FailureRate(0.5) | FailureStreak(3) & Closed()", FailureRate(0.5) | (FailureStreak(3) & Closed()) },
        { "~MinRequests(60) & ~(Closed() & FailureStreak(1))", ~MinRequests(60) & !(Closed() & FailureStreak(1)) },
        { "Always()", Retry.Always() },
        { "Never()", Retry.Never() },
        { "Cooldown(1m)", Retry.Cooldown(TimeSpan.FromSeconds(60)) },
        { "Cooldown(1500ms, 0.25)", Retry.Cooldown(TimeSpan.FromMilliseconds(1500), 0.25) },
        { "Backoff(10s, 2, 5m)", Retry.Backoff(TimeSpan.FromSeconds(10)) },
        { "Backoff(10s, 1.5, 1m, 0.1)", Retry.Backoff(TimeSpan.FromSeconds(10), 1.5, TimeSpan.FromMinutes(1), 0.1) },
        { "Backoff(10m, 2, 10m)", Retry.Backoff(TimeSpan.FromMinutes(10)) },
        { "All()", Permit.All() },
        { "Random(0.5)", Permit.Random(0.5) },
        { "RampUp(0.1, 1, 1m)", Permit.RampUp(0.1, 1.0, TimeSpan.FromSeconds(60)) },
        { "RampUp(0.5, 0.5, 30s)", Permit.RampUp(0.5, 0.5, TimeSpan.FromSeconds(30)) },
    };

    [Theory]
    [MemberData(nameof(Parts))]
    public void ToString_BuiltInPart_IsItsConfigurationExpression(string expected, object part) =>
        Assert.Equal(expected, part.ToString());

    [Fact]
    public void ToString_SignalAndRejection_DescribeThemselves()
    {
        var at = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

        Assert.Equal("payments: closed → open at 2026-11-27T10:00:00.0000000+00:00", new Signal("payments", CircuitState.Closed, CircuitState.Open, at).ToString());
        Assert.Equal("payments: closed → open (coordinator) at 2026-11-27T10:00:00.0000000+00:00", new Signal("payments", CircuitState.Closed, CircuitState.Open, at, TransitionCause.Coordinator, 1, default).ToString());
        Assert.Equal("Circuit breaker 'a' did not permit the call (metrics_only).", new CallNotPermittedException("a", CircuitState.MetricsOnly, null).Message);
        Assert.Equal(string.Empty, new CallNotPermittedException("custom").CircuitName);
        Assert.Equal(string.Empty, new CallNotPermittedException("custom", null).CircuitName);
        Assert.Equal("a", new CallNotPermittedException("a", CircuitState.Open, null).CircuitName);
    }
}
