namespace Fluxgate.Redis.Tests;

/// <summary>Every option validates its value, naming itself and what it accepts.</summary>
public class OptionsTests
{
    [Fact]
    public void CircuitBreakerFleetOptions_New_HasTheDocumentedDefaults()
    {
        var options = new CircuitBreakerFleetOptions();

        Assert.Equal("default", options.Application);
        Assert.Null(options.ReplicaId);
        Assert.Equal(TimeSpan.FromSeconds(1), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ReplicaTimeout);
        Assert.Equal((2, 0.5), (options.QuorumMinimum, options.QuorumFraction));
        Assert.Same(TimeProvider.System, options.TimeProvider);

        options.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        Assert.Equal(TimeSpan.FromMilliseconds(300), options.ReplicaTimeout); // three heartbeats, until set
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/no")]
    [InlineData("ümlaut")]
    public void Names_OutsideTheirAlphabet_Throw(string name)
    {
        Assert.Equal("Application", Assert.Throws<ArgumentException>(() => new CircuitBreakerFleetOptions { Application = name }).ParamName);
        Assert.Equal("ReplicaId", Assert.Throws<ArgumentException>(() => new CircuitBreakerFleetOptions { ReplicaId = name }).ParamName);
        Assert.Throws<ArgumentException>(() => new CircuitBreakerFleetOptions { Application = new string('a', 101) });
        Assert.Throws<ArgumentNullException>(() => new CircuitBreakerFleetOptions { Application = null! });
    }

    [Fact]
    public void Durations_OutsideTheirRange_ThrowNamingIt()
    {
        Assert.Equal("HeartbeatInterval", Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerFleetOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(9) }).ParamName);
        Assert.Contains("from 10ms to 1h", Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerFleetOptions { HeartbeatInterval = TimeSpan.FromHours(2) }).Message, StringComparison.Ordinal);
        Assert.Equal("ReplicaTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerFleetOptions { ReplicaTimeout = TimeSpan.FromMilliseconds(19) }).ParamName);
    }

    [Fact]
    public void ReplicaTimeout_UnderTwoHeartbeats_IsRefusedWhenTheFleetStarts()
    {
        var options = new CircuitBreakerFleetOptions { HeartbeatInterval = TimeSpan.FromSeconds(1), ReplicaTimeout = TimeSpan.FromMilliseconds(1500) };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.Snapshot());

        Assert.Equal("ReplicaTimeout", error.ParamName);
        Assert.Contains("at least two heartbeats (2s with HeartbeatInterval 1s)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(10_001)]
    public void QuorumMinimum_OutsideTwoToTenThousand_Throws(int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerFleetOptions { QuorumMinimum = value });

        Assert.Equal("QuorumMinimum", error.ParamName);
        Assert.Contains("one replica alone never opens the others", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void QuorumFraction_OutsideZeroToOne_Throws(double value) =>
        Assert.Equal("QuorumFraction", Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerFleetOptions { QuorumFraction = value }).ParamName);

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(20, 10)]
    public void QuorumOf_DefaultOptions_IsTheMinimumOrHalfTheLiveReplicas(int live, int quorum) =>
        Assert.Equal(quorum, new CircuitBreakerFleetOptions().QuorumOf(live));

    [Fact]
    public void QuorumOf_ANegativeCount_Throws() =>
        Assert.Equal("live", Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerFleetOptions().QuorumOf(-1)).ParamName);

    [Fact]
    public void QuorumOf_WithAStricterFraction_RoundsUp() =>
        Assert.Equal(7, new CircuitBreakerFleetOptions { QuorumFraction = 2.0 / 3 }.QuorumOf(10));

    [Fact]
    public void Snapshot_NoReplicaIdSet_GivesEachReplicaAnIdOfItsOwn()
    {
        var first = new CircuitBreakerFleetOptions().Snapshot().ReplicaId!;
        var second = new CircuitBreakerFleetOptions().Snapshot().ReplicaId!;

        Assert.Contains($"-{Environment.ProcessId}-", first, StringComparison.Ordinal);
        Assert.True(first.Length <= CircuitBreakerFleetOptions.MaxNameLength);
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("127.0.0.1:6379,conectTimeout=100", "Keyword 'conectTimeout' is not supported")]
    [InlineData("redis://127.0.0.1:6391", "A URL such as 'redis://host:port' is not a StackExchange.Redis configuration string")]
    [InlineData("127.0.0.1:6379,connectTimeout=soon", "Keyword 'connectTimeout' requires an integer value")]
    [InlineData(",password=secret", "names no endpoint")]
    public void Constructor_ABadConfigurationString_ThrowsNamingTheOption_NeverThePassword(string configuration, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new CircuitBreakerFleet(configuration, new CircuitBreakerFleetOptions()));

        Assert.Equal("configuration", error.ParamName);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_AReplicaTimeoutUnderTwoHeartbeats_ThrowsNamingIt()
    {
        var options = new CircuitBreakerFleetOptions { HeartbeatInterval = TimeSpan.FromSeconds(1), ReplicaTimeout = TimeSpan.FromMilliseconds(1500) };

        Assert.Equal("ReplicaTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerFleet("127.0.0.1:6379", options)).ParamName);
    }

    [Fact]
    public async Task Lifecycle_StartsOnce_AndNothingRunsAfterDisposal()
    {
        var fleet = new CircuitBreakerFleet("127.0.0.1:1,connectTimeout=100,connectRetry=1", new CircuitBreakerFleetOptions());
        await fleet.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => fleet.StartAsync());
        await fleet.DisposeAsync();
        await fleet.DisposeAsync(); // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => fleet.Join(new CircuitBreaker()));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => fleet.StartAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => fleet.ResetAsync("payments"));
        await fleet.StopAsync(); // after disposal: nothing to do
    }
}
