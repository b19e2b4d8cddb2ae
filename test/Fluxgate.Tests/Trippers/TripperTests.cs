using static Fluxgate.Tripper;

namespace Fluxgate.Tests.Trippers;

public class TripperTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static CallContext Context(int total, int failures, TimeSpan totalDuration = default, CircuitState state = CircuitState.Closed, int streak = 0, (TimeSpan Threshold, int Count)[]? slow = null)
    {
        slow ??= [];
        var metric = new Metric(total, failures, totalDuration, slow.Select(s => s.Threshold).ToArray(), slow.Select(s => s.Count).ToArray());
        return new CallContext(metric, state, streak);
    }

    [Fact]
    public void ClosedAndHalfOpened_ReadTheStateBeingDecidedIn()
    {
        Assert.True(Closed().Evaluate(Context(0, 0)));
        Assert.False(Closed().Evaluate(Context(0, 0, state: CircuitState.HalfOpen)));
        Assert.True(HalfOpened().Evaluate(Context(0, 0, state: CircuitState.HalfOpen)));
        Assert.False(HalfOpened().Evaluate(Context(0, 0)));
    }

    [Fact]
    public void MinRequests_IsTotalCountAtLeastCount()
    {
        Assert.False(MinRequests(3).Evaluate(Context(2, 0)));
        Assert.True(MinRequests(3).Evaluate(Context(3, 0)));
        Assert.True(MinRequests(3).Evaluate(Context(4, 0)));
    }

    [Fact]
    public void FailureRate_ComparesWithGreaterOrEqualAndIsFalseOnAnEmptyWindow()
    {
        Assert.False(FailureRate(0.5).Evaluate(Context(0, 0)));
        Assert.False(FailureRate(0.5).Evaluate(Context(10, 4)));
        Assert.True(FailureRate(0.5).Evaluate(Context(10, 5)));
        Assert.True(FailureRate(1).Evaluate(Context(1, 1)));
    }

    [Fact]
    public void AvgLatency_ComparesWithGreaterOrEqualAndIsFalseOnAnEmptyWindow()
    {
        Assert.False(AvgLatency(Second).Evaluate(Context(0, 0)));
        Assert.False(AvgLatency(Second).Evaluate(Context(2, 0, TimeSpan.FromMilliseconds(1999))));
        Assert.True(AvgLatency(Second).Evaluate(Context(2, 1, TimeSpan.FromSeconds(2))));
    }

    [Fact]
    public void SlowRate_ComparesWithGreaterOrEqualAndIsFalseOnAnEmptyWindow()
    {
        Assert.False(SlowRate(0.5, Second).Evaluate(Context(0, 0)));
        Assert.False(SlowRate(0.5, Second).Evaluate(Context(10, 0, slow: [(Second, 4)])));
        Assert.True(SlowRate(0.5, Second).Evaluate(Context(10, 0, slow: [(Second, 5)])));
        Assert.False(SlowRate(0.5, Second).Evaluate(Context(10, 0, slow: [(TimeSpan.FromSeconds(2), 10)])));
    }

    [Fact]
    public void FailureStreak_IsConsecutiveFailuresAtLeastCount()
    {
        Assert.False(FailureStreak(3).Evaluate(Context(5, 5, streak: 2)));
        Assert.True(FailureStreak(3).Evaluate(Context(0, 0, streak: 3)));
    }

    [Fact]
    public void Operators_CombineLikeBooleanLogicAndShortCircuit()
    {
        var production = MinRequests(20) & ((Closed() & FailureRate(0.6)) | (HalfOpened() & FailureRate(0.5)));

        Assert.False(production.Evaluate(Context(19, 19)));
        Assert.True(production.Evaluate(Context(20, 12)));
        Assert.False(production.Evaluate(Context(20, 11)));
        Assert.True(production.Evaluate(Context(20, 10, state: CircuitState.HalfOpen)));
        Assert.True(FailureStreak(1).Or(MinRequests(1)).Evaluate(Context(1, 0)));
        Assert.False(FailureStreak(1).And(MinRequests(1)).Evaluate(Context(1, 0)));
    }

    [Fact]
    public void Negation_InvertsAndExposesItsOperandToTheThresholdWalk()
    {
        var gentle = HalfOpened() & ((MinRequests(10) & FailureRate(0.2)) | (~MinRequests(60) & !FailureStreak(1)));

        Assert.True(gentle.Evaluate(Context(5, 1, state: CircuitState.HalfOpen, streak: 0)));     // early success: keep probing
        Assert.False(gentle.Evaluate(Context(5, 1, state: CircuitState.HalfOpen, streak: 1)));    // early failure: stay, do not reopen
        Assert.True(gentle.Evaluate(Context(10, 2, state: CircuitState.HalfOpen, streak: 1)));    // 20% of 10 probes failed: reopen
        Assert.False(gentle.Evaluate(Context(60, 5, state: CircuitState.HalfOpen, streak: 0)));   // 60 probes, under 20%: close
        Assert.True(MinRequests(5).Not().Evaluate(Context(4, 0)));
        Assert.Equal([Second], (~SlowRate(0.5, Second)).GetSlowThresholds());
        Assert.Equal("~MinRequests(3)", (~MinRequests(3)).ToString());
        Assert.Throws<ArgumentNullException>(() => ~(Tripper)null!);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(int.MinValue)]
    public void CountFactories_CountBelowOne_ThrowNamingCount(int count)
    {
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => MinRequests(count)).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => FailureStreak(count)).ParamName);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.0000001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void RatioFactories_RatioOutsideZeroToOne_ThrowNamingRatioAndRange(double ratio)
    {
        var failure = Assert.Throws<ArgumentOutOfRangeException>(() => FailureRate(ratio));
        Assert.Equal("ratio", failure.ParamName);
        Assert.Contains("greater than 0 and at most 1", failure.Message, StringComparison.Ordinal);
        Assert.Equal("ratio", Assert.Throws<ArgumentOutOfRangeException>(() => SlowRate(ratio, Second)).ParamName);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public void DurationFactories_NonPositiveDuration_ThrowNamingThreshold(long ticks)
    {
        var threshold = TimeSpan.FromTicks(ticks);
        var latency = Assert.Throws<ArgumentOutOfRangeException>(() => AvgLatency(threshold));
        Assert.Equal("threshold", latency.ParamName);
        Assert.Contains("greater than zero", latency.Message, StringComparison.Ordinal);
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => SlowRate(0.5, threshold)).ParamName);
    }

    [Fact]
    public void Operators_NullOperand_ThrowArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => Closed() & null!);
        Assert.Throws<ArgumentNullException>(() => null! | Closed());
    }

    [Fact]
    public void CollectSlowThresholds_WalksTheWholeTreeAndIgnoresCycles()
    {
        var tree = MinRequests(5) & ((SlowRate(0.5, Second) | FailureRate(0.5)) & (HalfOpened() | SlowRate(0.2, TimeSpan.FromSeconds(3))));
        var custom = new Composite();
        custom.Children.Add(tree);
        custom.Children.Add(custom);
        custom.Children.Add(SlowRate(0.9, Second));

        Assert.Equal([Second, TimeSpan.FromSeconds(3)], custom.GetSlowThresholds());
        Assert.Empty(FailureRate(0.5).GetSlowThresholds());
    }

    [Fact]
    public void ReadsDurations_TreeWithAvgLatencyOrSlowRateAnywhere_IsTrue()
    {
        var custom = new Composite();
        custom.Children.Add(custom);
        custom.Children.Add(FailureRate(0.5) | ~AvgLatency(Second));

        Assert.True(custom.ReadsDurations());
        Assert.True((MinRequests(5) & (Closed() | SlowRate(0.5, Second))).ReadsDurations());
        Assert.False((MinRequests(5) & (FailureRate(0.5) | FailureStreak(3)) & ~HalfOpened()).ReadsDurations());
        Assert.False(new NullChildren().ReadsDurations());
    }

    [Fact]
    public void CompositeConstructor_ExposesTheChildrenToTheThresholdWalk()
    {
        var either = new Either(SlowRate(0.5, Second), SlowRate(0.2, TimeSpan.FromSeconds(3)));

        Assert.Equal([Second, TimeSpan.FromSeconds(3)], either.GetSlowThresholds());
        Assert.Equal("children", Assert.Throws<ArgumentNullException>(() => new Either(Closed(), null!)).ParamName);
    }

    private sealed class Either(Tripper left, Tripper right) : Tripper(left, right)
    {
        public override bool Evaluate(CallContext context) => left.Evaluate(context) || right.Evaluate(context);
    }

    [Fact]
    public void CollectSlowThresholds_CustomTripperReturningNullChildren_IsALeaf()
    {
        var tripper = new NullChildren() | SlowRate(0.5, Second);

        Assert.Equal([Second], tripper.GetSlowThresholds());
        Assert.Empty(new NullChildren().GetSlowThresholds());
    }

    [Fact]
    public void Breaker_SlowRateInsideACustomComposite_HasItsThresholdCounted()
    {
        var clock = Support.TestKit.NewClock();
        var custom = new Composite();
        custom.Children.Add(SlowRate(0.5, Second));
        var breaker = new CircuitBreaker(Support.TestKit.Options(clock, custom));

        Support.TestKit.Succeed(breaker, clock, TimeSpan.FromSeconds(2));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void ToString_DescribesTheExpression() =>
        Assert.Equal("MinRequests(20) & (Closed() & FailureRate(0.6) | HalfOpened() & SlowRate(0.5, 1s))", (MinRequests(20) & ((Closed() & FailureRate(0.6)) | (HalfOpened() & SlowRate(0.5, Second)))).ToString());

    /// <summary>A user-written tripper that breaks GetChildren's contract by returning null.</summary>
    private sealed class NullChildren : Tripper
    {
        public override bool Evaluate(CallContext context) => false;

        protected override IEnumerable<Tripper> GetChildren() => null!;
    }

    /// <summary>A user-written composite that exposes its children.</summary>
    private sealed class Composite : Tripper
    {
        public List<Tripper> Children { get; } = [];

        public override bool Evaluate(CallContext context) => Children.Where(c => c != this).Any(c => c.Evaluate(context));

        protected override IEnumerable<Tripper> GetChildren() => Children;
    }
}
