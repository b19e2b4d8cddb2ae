namespace Fluxgate.AspNetCore.Internal;

/// <summary>A breaker's <see cref="CircuitBreakerInfo"/> as the dashboard's JSON shows it, with the figures derived from it.</summary>
/// <remarks>
/// <para>
/// Call rates are derived from the window, since the dashboard adds no work to calls: for a <see cref="TimeWindow"/>, the
/// window's count over its span (or over the state's age, when shorter); for a <see cref="CountWindow"/> that is not full,
/// the calls it gained since the previous look over the time between them (the first look: since the state began). A full
/// count window, or a custom one, says nothing about the rate: <see langword="null"/>, shown as "–".
/// </para>
/// <para>
/// The wait of an open circuit is the breaker's own <see cref="CircuitBreakerInfo.RetryAfter"/>: the wait it drew when it
/// opened (jitter included, whatever the retry) less the time since; <see langword="null"/> while open with
/// <c>Never()</c>.
/// </para>
/// </remarks>
internal static class BreakerReading
{
    /// <summary>The breaker as the read endpoints and the stream's snapshot show it.</summary>
    public static BreakerDto Breaker(CircuitBreaker breaker, in CircuitBreakerInfo info, DateTimeOffset now, bool inFleet, FleetDto? fleet)
    {
        var facts = PolicyFacts.Of(info.Policy);
        var (calls, failures) = Rates(info, facts, previous: null, now, elapsedSincePrevious: TimeSpan.Zero);
        return new BreakerDto(
            breaker.Name,
            info.State.ToWireName(),
            info.ChangedAt.UtcDateTime,
            info.Cause.ToWireName(),
            info.Sequence,
            info.Reopens,
            info.ConsecutiveFailures,
            Window(info.Metrics),
            calls,
            failures,
            RetryAfter(info),
            info.Policy,
            inFleet,
            fleet,
            [.. info.RecentTransitions.Select(Transition)]);
    }

    /// <summary>The figures of a <c>metrics</c> event; rates from the change since <paramref name="previous"/> when it is of the same state period.</summary>
    public static FiguresDto Figures(CircuitBreaker breaker, in CircuitBreakerInfo info, DateTimeOffset now, Previous? previous, TimeSpan elapsedSincePrevious)
    {
        var facts = PolicyFacts.Of(info.Policy);
        var (calls, failures) = Rates(info, facts, previous, now, elapsedSincePrevious);
        return new FiguresDto(
            breaker.Name,
            info.State.ToWireName(),
            info.ChangedAt.UtcDateTime,
            info.Cause.ToWireName(),
            info.Sequence,
            info.Reopens,
            info.ConsecutiveFailures,
            Window(info.Metrics),
            calls,
            failures,
            RetryAfter(info));
    }

    public static WindowDto Window(Metric metric) => new(
        metric.TotalCount,
        metric.FailureCount,
        metric.FailureRate is { } rate ? Math.Round(rate, 4) : null,
        metric.AvgDuration is { } average ? Math.Round(average.TotalMilliseconds, 3) : null,
        metric.DurationsMeasured);

    public static TransitionDto Transition(Signal signal) => new(
        signal.OldState.ToWireName(),
        signal.NewState.ToWireName(),
        signal.Cause.ToWireName(),
        signal.Timestamp.UtcDateTime,
        signal.Sequence,
        signal.Metrics.TotalCount,
        signal.Metrics.FailureCount);

    public static TransitionEvent TransitionEvent(string name, Signal signal, long missedBefore) => new(
        name,
        signal.OldState.ToWireName(),
        signal.NewState.ToWireName(),
        signal.Cause.ToWireName(),
        signal.Timestamp.UtcDateTime,
        signal.Sequence,
        signal.Metrics.TotalCount,
        signal.Metrics.FailureCount,
        missedBefore);

    /// <summary>Seconds until an open circuit lets a probe through (the breaker's own figure); <see langword="null"/> when not open or never.</summary>
    public static double? RetryAfter(in CircuitBreakerInfo info) => info.RetryAfter is { } left ? Math.Round(left.TotalSeconds, 3) : null;

    /// <summary>Calls and failures per second, when the window tells them (see the class remarks).</summary>
    private static (double? Calls, double? Failures) Rates(in CircuitBreakerInfo info, PolicyFacts facts, Previous? previous, DateTimeOffset now, TimeSpan elapsedSincePrevious)
    {
        var metric = info.Metrics;
        var age = now - info.ChangedAt;
        if (facts.TimeSize > TimeSpan.Zero)
        {
            var span = Clamp(age, TimeSpan.FromSeconds(1), facts.TimeSize);
            return (PerSecond(metric.TotalCount, span), PerSecond(metric.FailureCount, span));
        }

        if (facts.CountSize <= 0)
        {
            return (null, null);
        }

        if (previous is { } last && last.Sequence == info.Sequence && elapsedSincePrevious > TimeSpan.Zero)
        {
            var gained = metric.TotalCount - last.Total;
            var failed = metric.FailureCount - last.Failures;
            if (last.Total >= facts.CountSize || gained < 0 || failed < 0)
            {
                return (null, null); // full (or reconfigured): the window no longer says how many calls came
            }

            return (PerSecond(gained, elapsedSincePrevious), PerSecond(failed, elapsedSincePrevious));
        }

        if (metric.TotalCount >= facts.CountSize)
        {
            return (null, null);
        }

        var since = age < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : age;
        return (PerSecond(metric.TotalCount, since), PerSecond(metric.FailureCount, since));
    }

    private static double PerSecond(int count, TimeSpan span) => Math.Round(count / span.TotalSeconds, 2);

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

    /// <summary>What a previous look saw, for the rates of a count window.</summary>
    internal readonly record struct Previous(long Sequence, int Total, int Failures);
}
