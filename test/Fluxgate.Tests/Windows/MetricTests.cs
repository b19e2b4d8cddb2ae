namespace Fluxgate.Tests.Windows;

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
    public void WithoutDurations_IsNotMeasured_HasNoAverage_AndDiffersFromTheMeasuredSnapshot()
    {
        var measured = new Metric(4, 1, TimeSpan.Zero);

        var unmeasured = measured.WithoutDurations();

        Assert.True(measured.DurationsMeasured);
        Assert.Equal(TimeSpan.Zero, measured.AvgDuration);
        Assert.False(unmeasured.DurationsMeasured);
        Assert.Null(unmeasured.AvgDuration);
        Assert.Equal((4, 1, 0.25), (unmeasured.TotalCount, unmeasured.FailureCount, unmeasured.FailureRate));
        Assert.NotEqual(measured, unmeasured);
        Assert.Equal(unmeasured, new Metric(4, 1, TimeSpan.Zero).WithoutDurations());
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
    public void ToString_SummarisesTheSnapshot()
    {
        Assert.Equal("total=4 failures=1 (25%) avg=250ms slow[500ms]=1", new Metric(4, 1, TimeSpan.FromSeconds(1), [TimeSpan.FromMilliseconds(500)], [1]).ToString());
        Assert.Equal("total=3 failures=1 (33.3%) avg=1s", new Metric(3, 1, TimeSpan.FromSeconds(3)).ToString());
        Assert.Equal("total=0 failures=0", default(Metric).ToString());
        Assert.Equal("total=0 failures=0 slow[1s]=0", new Metric(0, 0, TimeSpan.Zero, [TimeSpan.FromSeconds(1)], [0]).ToString());
    }

    [Fact]
    public void Constructor_ZeroSlowCounts_AreValid()
    {
        var metric = new Metric(5, 0, TimeSpan.Zero, [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], [0, 0]);

        Assert.Equal(0, metric.SlowCount(TimeSpan.FromSeconds(1)));
        Assert.Equal(0.0, metric.SlowRate(TimeSpan.FromSeconds(2)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    public void SlowCount_AnyNumberOfThresholds_EachKeepsItsOwnCount(int thresholds)
    {
        // Up to four counts are stored inline and the rest in an array: every boundary between the two must hold.
        var given = Enumerable.Range(1, thresholds).Select(i => TimeSpan.FromSeconds(i)).Reverse().ToArray();
        var counts = Enumerable.Range(1, thresholds).Reverse().ToArray();

        var metric = new Metric(100, 0, TimeSpan.Zero, given, counts);

        for (var i = 1; i <= thresholds; i++)
        {
            Assert.Equal(i, metric.SlowCount(TimeSpan.FromSeconds(i)));
        }

        Assert.Equal(0, metric.SlowCount(TimeSpan.FromSeconds(thresholds + 1)));
        Assert.Equal(0, default(Metric).SlowCount(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Equals_ComparesEveryField()
    {
        var one = TimeSpan.FromSeconds(1);
        var metric = new Metric(10, 2, TimeSpan.FromSeconds(3), [one], [4]);

        Assert.Equal(metric, new Metric(10, 2, TimeSpan.FromSeconds(3), [one], [4]));
        Assert.True(metric == new Metric(10, 2, TimeSpan.FromSeconds(3), [one], [4]));
        Assert.NotEqual(metric, new Metric(11, 2, TimeSpan.FromSeconds(3), [one], [4]));
        Assert.NotEqual(metric, new Metric(10, 3, TimeSpan.FromSeconds(3), [one], [4]));
        Assert.NotEqual(metric, new Metric(10, 2, TimeSpan.FromSeconds(4), [one], [4]));
        Assert.NotEqual(metric, new Metric(10, 2, TimeSpan.FromSeconds(3), [one], [5]));
        Assert.True(metric != new Metric(10, 2, TimeSpan.FromSeconds(3), [one], [5]));

        // A threshold known to one side only: equal when its count is 0 (as the other side reports), else not.
        Assert.NotEqual(new Metric(10, 2, TimeSpan.FromSeconds(3)), metric);
        Assert.NotEqual(metric, new Metric(10, 2, TimeSpan.FromSeconds(3)));
        Assert.Equal(new Metric(10, 2, TimeSpan.FromSeconds(3)), new Metric(10, 2, TimeSpan.FromSeconds(3), [one], [0]));
        Assert.False(metric.Equals((object)"metric"));
        Assert.True(metric.Equals((object)new Metric(10, 2, TimeSpan.FromSeconds(3), [one], [4])));
    }
}
