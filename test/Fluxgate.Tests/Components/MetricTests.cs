namespace Fluxgate.Tests.Components;

public class MetricTests
{
    [Fact]
    public void Empty_HasNullRatesAndAverage()
    {
        var metric = new Metric(0, 0, TimeSpan.Zero);

        Assert.Null(metric.FailureRate);
        Assert.Null(metric.AvgDuration);
        Assert.Null(metric.SlowRate(TimeSpan.FromSeconds(1)));
        Assert.Equal(0, metric.SlowCount(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void AvgDuration_DividesTotalDurationByTotalCount()
    {
        var metric = new Metric(4, 1, TimeSpan.FromMilliseconds(100));

        Assert.Equal(TimeSpan.FromMilliseconds(25), metric.AvgDuration);
        Assert.Equal(0.25, metric.FailureRate);
    }

    [Fact]
    public void SlowCounts_AreReadByThresholdInAnyOrder()
    {
        TimeSpan[] thresholds = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4)];
        var metric = new Metric(10, 0, TimeSpan.FromSeconds(30), thresholds, [1, 9, 7, 5, 3]);

        Assert.Equal(9, metric.SlowCount(TimeSpan.FromSeconds(1)));
        Assert.Equal(1, metric.SlowCount(TimeSpan.FromSeconds(5)));
        Assert.Equal(0.3, metric.SlowRate(TimeSpan.FromSeconds(4)));
        Assert.Equal(0, metric.SlowCount(TimeSpan.FromSeconds(6)));
    }

    [Fact]
    public void Equality_ComparesCountsDurationAndSlowCounts()
    {
        var a = new Metric(3, 1, TimeSpan.FromSeconds(1), [TimeSpan.FromSeconds(1)], [1]);
        var b = new Metric(3, 1, TimeSpan.FromSeconds(1), [TimeSpan.FromSeconds(1)], [1]);
        var c = new Metric(3, 1, TimeSpan.FromSeconds(1), [TimeSpan.FromSeconds(1)], [2]);

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.True(a != c);
        Assert.NotEqual(a, new Metric(3, 1, TimeSpan.FromSeconds(1)));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Constructor_InvalidArguments_ThrowNamingTheParameter()
    {
        Assert.Equal("totalCount", Assert.Throws<ArgumentOutOfRangeException>(() => new Metric(-1, 0, TimeSpan.Zero)).ParamName);
        Assert.Equal("failureCount", Assert.Throws<ArgumentOutOfRangeException>(() => new Metric(1, 2, TimeSpan.Zero)).ParamName);
        Assert.Equal("failureCount", Assert.Throws<ArgumentOutOfRangeException>(() => new Metric(1, -1, TimeSpan.Zero)).ParamName);
        Assert.Equal("totalDuration", Assert.Throws<ArgumentOutOfRangeException>(() => new Metric(1, 0, TimeSpan.FromTicks(-1))).ParamName);
        Assert.Equal("slowCounts", Assert.Throws<ArgumentException>(() => new Metric(1, 0, TimeSpan.Zero, [TimeSpan.FromSeconds(1)], [])).ParamName);
        Assert.Equal("slowCounts", Assert.Throws<ArgumentOutOfRangeException>(() => new Metric(1, 0, TimeSpan.Zero, [TimeSpan.FromSeconds(1)], [2])).ParamName);
        Assert.Equal("slowThresholds", Assert.Throws<ArgumentException>(() => new Metric(1, 0, TimeSpan.Zero, [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)], [0, 0])).ParamName);
    }

    [Fact]
    public void ToString_SummarisesTheSnapshot() =>
        Assert.Equal("total=4 failures=1 (25%) avg=00:00:00.2500000 slow[00:00:00.5000000]=1", new Metric(4, 1, TimeSpan.FromSeconds(1), [TimeSpan.FromMilliseconds(500)], [1]).ToString().Replace("25 %", "25%", StringComparison.Ordinal));
}
