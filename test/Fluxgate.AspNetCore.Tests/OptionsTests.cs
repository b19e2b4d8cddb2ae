using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Fluxgate.AspNetCore.Tests;

/// <summary>Every option's range, checked where it is set, and MapFluxgate's arguments.</summary>
public sealed class OptionsTests
{
    [Fact]
    public void Constructor_Defaults_AreReadOnlyWithTheDocumentedBounds()
    {
        var options = new FluxgateDashboardOptions();

        Assert.Null(options.ControlPolicy);
        Assert.Empty(options.Breakers);
        Assert.Equal(TimeSpan.FromSeconds(1), options.SampleInterval);
        Assert.Equal(TimeSpan.FromSeconds(15), options.HeartbeatInterval);
        Assert.Equal(32, options.MaxStreams);
        Assert.Equal(256, options.MaxQueuedEventsPerStream);
    }

    public static TheoryData<string, Action<FluxgateDashboardOptions>, string> OutOfRange() => new()
    {
        { "SampleInterval", o => o.SampleInterval = TimeSpan.FromMilliseconds(99), "Must be from 100ms to 10s." },
        { "SampleInterval", o => o.SampleInterval = TimeSpan.FromSeconds(10) + TimeSpan.FromTicks(1), "Must be from 100ms to 10s." },
        { "HeartbeatInterval", o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(999), "Must be from 1s to 30s." },
        { "HeartbeatInterval", o => o.HeartbeatInterval = TimeSpan.FromSeconds(31), "Must be from 1s to 30s." },
        { "MaxStreams", o => o.MaxStreams = 0, "Must be from 1 to 10,000." },
        { "MaxStreams", o => o.MaxStreams = 10_001, "Must be from 1 to 10,000." },
        { "MaxQueuedEventsPerStream", o => o.MaxQueuedEventsPerStream = 15, "Must be from 16 to 100,000." },
        { "MaxQueuedEventsPerStream", o => o.MaxQueuedEventsPerStream = 100_001, "Must be from 16 to 100,000." },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Setter_OutOfRange_ThrowsNamingTheOptionAndTheRange(string option, Action<FluxgateDashboardOptions> set, string range)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => set(new FluxgateDashboardOptions()));

        Assert.Equal(option, error.ParamName);
        Assert.StartsWith(range, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Setters_AtTheEdgesOfTheirRanges_AreAccepted()
    {
        var options = new FluxgateDashboardOptions
        {
            SampleInterval = TimeSpan.FromMilliseconds(100),
            HeartbeatInterval = TimeSpan.FromSeconds(30),
            MaxStreams = 10_000,
            MaxQueuedEventsPerStream = 16,
        };
        options.SampleInterval = TimeSpan.FromSeconds(10);
        options.HeartbeatInterval = TimeSpan.FromSeconds(1);
        options.MaxStreams = 1;
        options.MaxQueuedEventsPerStream = 100_000;

        Assert.Equal(TimeSpan.FromSeconds(10), options.SampleInterval);
        Assert.Equal(100_000, options.MaxQueuedEventsPerStream);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void ControlPolicy_Blank_Throws(string policy)
    {
        var error = Assert.Throws<ArgumentException>(() => new FluxgateDashboardOptions { ControlPolicy = policy });

        Assert.Equal("ControlPolicy", error.ParamName);
    }

    [Fact]
    public void BreakersAdd_Null_Throws() =>
        Assert.Throws<ArgumentNullException>(() => new FluxgateDashboardOptions().Breakers.Add(null!));

    [Theory]
    [InlineData("fluxgate")]
    [InlineData("/")]
    [InlineData("")]
    public void MapFluxgate_InvalidPrefix_Throws(string prefix)
    {
        var builder = WebApplication.CreateSlimBuilder();
        using var app = builder.Build();

        var error = Assert.Throws<ArgumentException>(() => app.MapFluxgate(prefix));

        Assert.Equal("prefix", error.ParamName);
    }

    [Fact]
    public void MapFluxgate_ReturnsTheGroupOfEveryEndpoint()
    {
        var builder = WebApplication.CreateSlimBuilder();
        using var app = builder.Build();

        var group = app.MapFluxgate("/ops");

        Assert.IsType<RouteGroupBuilder>(group);
        var patterns = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText!).ToArray();
        Assert.Equal(["/ops/", "/ops/app.js", "/ops/app.css", "/ops/api/breakers", "/ops/api/breakers/{name}", "/ops/api/fleet/{name}", "/ops/api/events"], patterns);
    }
}
