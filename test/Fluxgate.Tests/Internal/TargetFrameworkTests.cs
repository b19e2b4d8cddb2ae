namespace Fluxgate.Tests.Internal;

public sealed class TargetFrameworkTests
{
    // The net8.0 build of the suites runs self-contained on NuGet's .NET 8 runtime pack; were it to roll forward onto the
    // installed .NET 10 runtime, the net8.0 build of the library would go untested without anyone noticing.
    [Fact]
    public void Runtime_OfEachBuild_IsTheOneItTargets()
    {
#if NET10_0
        Assert.Equal(10, Environment.Version.Major);
#elif NET8_0
        Assert.Equal(8, Environment.Version.Major);
#else
        Assert.Fail("A target framework this suite does not know.");
#endif
    }
}
