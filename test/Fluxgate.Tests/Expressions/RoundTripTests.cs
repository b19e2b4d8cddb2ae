using CsCheck;
using Fluxgate.Tests.Support;
using Xunit.Abstractions;

namespace Fluxgate.Tests.Expressions;

/// <summary>
/// What a part prints reads back as the same part: for every factory, over random arguments across their whole ranges
/// (one tick, <see cref="TimeSpan.MaxValue"/>, ratios with 17 digits), <c>Parse(part.ToString()).ToString() == part.ToString()</c>,
/// and the part read back behaves as the original.
/// </summary>
public class RoundTripTests(ITestOutputHelper output)
{
    private static readonly TimeSpan[] EdgeDurations =
    [
        TimeSpan.FromTicks(1), TimeSpan.FromTicks(9_999), TimeSpan.FromTicks(10_001), TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1.5),
        TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(90), TimeSpan.FromHours(1), TimeSpan.FromDays(10_000), TimeSpan.MaxValue,
        TimeSpan.MaxValue - TimeSpan.FromTicks(1), TimeSpan.FromTicks(long.MaxValue / 3),
    ];

    private static readonly Gen<TimeSpan> Durations = Gen.OneOf(
        Gen.OneOfConst(EdgeDurations),
        Gen.Long[1, long.MaxValue].Select(TimeSpan.FromTicks),
        Gen.Long[1, 100_000_000].Select(TimeSpan.FromTicks),
        Gen.Int[1, 100_000].Select(ms => TimeSpan.FromMilliseconds(ms)));

    private static readonly Gen<double> Ratios = Gen.OneOf(Gen.Double[double.Epsilon, 1], Gen.OneOfConst(1.0, 0.1, 1.0 / 3, 0.5, double.Epsilon, 1e-300));

    private static readonly Gen<double> Jitters = Gen.OneOf(Gen.Double[0, 0.999999999], Gen.OneOfConst(0.0, 0.1, 1 - 1e-15));

    private static readonly Gen<Tripper> Leaves = Gen.OneOf(
        Gen.Const(Tripper.Closed()),
        Gen.Const(Tripper.HalfOpened()),
        Gen.Int[1, int.MaxValue].Select(Tripper.MinRequests),
        Ratios.Select(Tripper.FailureRate),
        Durations.Select(Tripper.AvgLatency),
        Gen.Select(Ratios, Durations, Tripper.SlowRate),
        Gen.Int[1, int.MaxValue].Select(Tripper.FailureStreak));

    private static readonly Gen<Tripper> Trippers = Gen.Recursive<Tripper>((depth, tree) => depth >= 4
        ? Leaves
        : Gen.Frequency(
            (3, Leaves),
            (1, Gen.Select(tree, tree, (l, r) => l & r)),
            (1, Gen.Select(tree, tree, (l, r) => l | r)),
            (1, tree.Select(t => ~t))));

    private static readonly Gen<Retry> Retries = Gen.OneOf(
        Gen.Const(Retry.Always()),
        Gen.Const(Retry.Never()),
        Gen.Select(Durations, Jitters, (d, j) => Retry.Cooldown(d, j)),
        from initial in Durations
        from multiplier in Gen.Double[1.000001, 1e6]
        from extra in Gen.Long[0, long.MaxValue]
        from jitter in Jitters
        select Retry.Backoff(initial, multiplier, TimeSpan.FromTicks(initial.Ticks + (extra % (long.MaxValue - initial.Ticks + 1))), jitter));

    private static readonly Gen<Permit> Permits = Gen.OneOf(
        Gen.Const(Permit.All()),
        Gen.Double[0, 1].Select(r => Permit.Random(r)),
        from initial in Ratios
        from step in Gen.Double[0, 1]
        from duration in Durations
        select Permit.RampUp(initial, initial + ((1 - initial) * step), duration));

    private static readonly Gen<Window> Windows = Gen.OneOf(
        Gen.Int[1, 10_000].Select(s => (Window)new CountWindow(s)),
        Gen.Int[1, 1_000_000].Select(s => (Window)new TimeWindow(TimeSpan.FromSeconds(s))));

    [Fact]
    public void Cooldown_OfTheLongestDuration_PrintsWhatReadsBack()
    {
        var retry = Retry.Cooldown(TimeSpan.MaxValue);

        Assert.Equal("Cooldown(922337203685477.5807ms)", retry.ToString());
        Assert.Equal(TimeSpan.MaxValue, Retry.Parse(retry.ToString()!).GetWaitDuration(0));
    }

    [Theory]
    [InlineData(1, "0.0001ms")]
    [InlineData(5_000, "0.5ms")]
    [InlineData(10_000, "1ms")]
    [InlineData(15_000_000, "1500ms")]
    [InlineData(900_000_000, "90s")]
    [InlineData(36_000_000_000, "1h")]
    public void Durations_PrintExactlyInTheLargestWholeUnit(long ticks, string text)
    {
        var tripper = Tripper.AvgLatency(TimeSpan.FromTicks(ticks));

        Assert.Equal($"AvgLatency({text})", tripper.ToString());
        Assert.Equal(tripper.ToString(), Tripper.Parse(tripper.ToString()!).ToString());
    }

    [Fact]
    public void Trippers_ReadBackAsTheSameTree() => RoundTrip(Trippers, Tripper.Parse, 3_000);

    [Fact]
    public void Retries_ReadBackAsTheSameRetry() => RoundTrip(Retries, e => Retry.Parse(e), 3_000);

    [Fact]
    public void Permits_ReadBackAsTheSamePermit() => RoundTrip(Permits, e => Permit.Parse(e), 3_000);

    [Fact]
    public void Windows_ReadBackAsTheSameWindow() => RoundTrip(Windows, Window.Parse, 1_000);

    [Fact]
    public void Trackers_ReadBackAsTheSameTracker()
    {
        Tracker[] trackers =
        [
            Tracker.All(),
            Tracker.TypeOf<TimeoutException>(),
            Tracker.TypeOf(typeof(HttpRequestException), typeof(IOException)),
            ~Tracker.TypeOf<OperationCanceledException>() & (Tracker.TypeOf<IOException>() | Tracker.All()),
            !(Tracker.TypeOf<IOException>() & Tracker.TypeOf<FileNotFoundException>()),
        ];

        Assert.All(trackers, tracker => Assert.Equal(tracker.ToString(), Tracker.Parse(tracker.ToString()!).ToString()));
    }

    private void RoundTrip<T>(Gen<T> parts, Func<string, T> parse, int iterations)
        where T : class =>
        Assert.Equal(iterations, PropertyRun.Check(parts, part => Assert.Equal(part.ToString(), parse(part.ToString()!).ToString()), iterations, p => p.ToString()!, output.WriteLine));
}
