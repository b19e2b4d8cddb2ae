namespace Fluxgate.Tests.Reliability;

/// <summary>
/// Every public factory and option of the core, fed NaN, ±∞, negative, zero, huge and null values: each value is either
/// inside the documented range and accepted, or rejected with an exception naming the parameter. Nothing else.
/// </summary>
public class HostileInputTests
{
    private static readonly double[] Doubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MinValue, -1, -double.Epsilon, 0, double.Epsilon, 0.5, 1, 1 + 1e-9, 2, double.MaxValue];
    private static readonly int[] Ints = [int.MinValue, -1, 0, 1, 2, 1_000_000, 10_000_001, int.MaxValue];
    private static readonly TimeSpan[] Durations = [TimeSpan.MinValue, TimeSpan.FromTicks(-1), TimeSpan.Zero, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1500), TimeSpan.FromDays(49), TimeSpan.FromDays(50), TimeSpan.FromDays(365), TimeSpan.MaxValue, Timeout.InfiniteTimeSpan];

    /// <summary>(name, parameter, value, action, accepted) for every probe.</summary>
    public static TheoryData<string, string, string> Probes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var probe in All())
        {
            data.Add(probe.Name, probe.Parameter, probe.Value);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Probes))]
    public void HostileValue_IsAcceptedInRangeOrRejectedNamingTheParameter(string name, string parameter, string value)
    {
        var probe = All().Single(p => p.Name == name && p.Parameter == parameter && p.Value == value);

        var error = Record.Exception(probe.Act);

        if (probe.Accepted)
        {
            Assert.Null(error);
        }
        else
        {
            var argument = Assert.IsAssignableFrom<ArgumentException>(error);
            Assert.Equal(parameter, argument.ParamName);
            Assert.False(string.IsNullOrWhiteSpace(argument.Message));
        }
    }

    private static IEnumerable<Probe> All()
    {
        foreach (var d in Doubles)
        {
            var ratio = d > 0 && d <= 1;
            var probability = d >= 0 && d <= 1;
            var jitter = d >= 0 && d < 1;
            yield return new("Tripper.FailureRate", "ratio", d, () => Tripper.FailureRate(d), ratio);
            yield return new("Tripper.SlowRate", "ratio", d, () => Tripper.SlowRate(d, TimeSpan.FromSeconds(1)), ratio);
            yield return new("Permit.Random", "ratio", d, () => Permit.Random(d), probability);
            yield return new("Permit.RampUp", "initial", d, () => Permit.RampUp(d, 1, TimeSpan.FromSeconds(1)), ratio);
            yield return new("Permit.RampUp", "final", d, () => Permit.RampUp(Math.Min(0.1, Math.Abs(d) is > 0 and < 0.1 ? Math.Abs(d) : 0.1), d, TimeSpan.FromSeconds(1)), d >= Math.Min(0.1, Math.Abs(d) is > 0 and < 0.1 ? Math.Abs(d) : 0.1) && d <= 1);
            yield return new("Retry.Cooldown", "jitterRatio", d, () => Retry.Cooldown(TimeSpan.FromSeconds(1), d), jitter);
            yield return new("Retry.Backoff", "jitterRatio", d, () => Retry.Backoff(TimeSpan.FromSeconds(1), jitterRatio: d), jitter);
            yield return new("Retry.Backoff", "multiplier", d, () => Retry.Backoff(TimeSpan.FromSeconds(1), d), d > 1 && !double.IsInfinity(d));
        }

        foreach (var i in Ints)
        {
            yield return new("CountWindow", "size", i, () => _ = new CountWindow(i), i >= 1 && i <= CountWindow.MaxSize);
            yield return new("Tripper.MinRequests", "count", i, () => Tripper.MinRequests(i), i >= 1);
            yield return new("Tripper.FailureStreak", "count", i, () => Tripper.FailureStreak(i), i >= 1);
            yield return new("CircuitBreakerOptions.MaxHalfOpenCalls", "MaxHalfOpenCalls", i, () => _ = new CircuitBreakerOptions { MaxHalfOpenCalls = i }, i >= 1);
            yield return new("Metric", "totalCount", i, () => _ = new Metric(i, 0, TimeSpan.Zero), i >= 0);
        }

        foreach (var t in Durations)
        {
            var positive = t > TimeSpan.Zero;
            var wholeSeconds = t >= TimeSpan.FromSeconds(1) && t <= TimeWindow.MaxSize && t.Ticks % TimeSpan.TicksPerSecond == 0;
            yield return new("TimeWindow", "size", t, () => _ = new TimeWindow(t), wholeSeconds);

            yield return new("Tripper.AvgLatency", "threshold", t, () => Tripper.AvgLatency(t), positive);
            yield return new("Tripper.SlowRate", "threshold", t, () => Tripper.SlowRate(0.5, t), positive);
            yield return new("Retry.Cooldown", "duration", t, () => Retry.Cooldown(t), positive);
            yield return new("Retry.Backoff", "initial", t, () => Retry.Backoff(t), positive);
            yield return new("Retry.Backoff", "maxDuration", t, () => Retry.Backoff(TimeSpan.FromSeconds(1), 2, t), t >= TimeSpan.FromSeconds(1));
            yield return new("Permit.RampUp", "duration", t, () => Permit.RampUp(0.1, 1, t), positive);
            yield return new("CircuitBreakerOptions.AsyncListenerTimeout", "AsyncListenerTimeout", t, () => _ = new CircuitBreakerOptions { AsyncListenerTimeout = t }, (positive && t <= CircuitBreakerOptions.MaxAsyncListenerTimeout) || t == Timeout.InfiniteTimeSpan);
            yield return new("Metric", "totalDuration", t, () => _ = new Metric(1, 0, t), t >= TimeSpan.Zero);
        }

        yield return new("Tracker.TypeOf", "types", "null", () => Tracker.TypeOf(null!), false);
        yield return new("Tracker.TypeOf", "types", "empty", () => Tracker.TypeOf(), false);
        yield return new("Tracker.TypeOf", "types", "null element", () => Tracker.TypeOf(typeof(Exception), null!), false);
        yield return new("Tracker.TypeOf", "types", "non-exception", () => Tracker.TypeOf(typeof(int)), false);
        yield return new("Tracker.Custom", "predicate", "null", () => Tracker.Custom(null!), false);
        yield return new("ResultTracker.When", "predicate", "null", () => ResultTracker.When<int>(null!), false);
        yield return new("CircuitBreaker", "options", "null", () => _ = new CircuitBreaker(null!), false);
        foreach (var property in new[] { "Name", "Window", "Tracker", "Tripper", "Retry", "Permit", "TimeProvider" })
        {
            yield return new($"CircuitBreakerOptions.{property}", property, "null", () => SetToNull(property), false);
        }

        yield return new("CircuitBreakerOptions.Name", "Name", "blank", () => _ = new CircuitBreakerOptions { Name = " \t" }, false);
        yield return new("CircuitBreakerOptions.Name", "Name", "huge", () => _ = new CircuitBreakerOptions { Name = new string('x', 100_000) }, true);
    }

    private static void SetToNull(string property)
    {
        try
        {
            typeof(CircuitBreakerOptions).GetProperty(property)!.SetValue(new CircuitBreakerOptions(), null);
        }
        catch (System.Reflection.TargetInvocationException wrapped) when (wrapped.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(wrapped.InnerException);
        }
    }

    private sealed record Probe(string Name, string Parameter, string Value, Action Act, bool Accepted)
    {
        public Probe(string name, string parameter, object value, Action act, bool accepted)
            : this(name, parameter, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!, act, accepted)
        {
        }
    }
}
