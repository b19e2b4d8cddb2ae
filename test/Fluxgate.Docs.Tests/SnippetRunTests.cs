using Fluxgate.Docs.Snippets.Configuration;

namespace Fluxgate.Docs;

/// <summary>Snippets whose output the docs state, run: what the comments say is what the code does.</summary>
public class SnippetRunTests
{
    [Fact]
    public void Printing_WritesWhatTheCommentsSay() =>
        Assert.Equal(
            ["MinRequests(20) & (FailureRate(0.6) | SlowRate(0.5, 1s))", "Backoff(10s, 2, 5m, 0.1)", "Time(1m)", "MinRequests(20) & (FailureRate(0.6) | SlowRate(0.5, 1s))"],
            Printing.Run());

    [Fact]
    public void RegistryWithoutContainer_MakesOneBreakerPerTenantFromTheTemplate()
    {
        var breaker = RegistryWithoutContainer.Run("acme");

        Assert.Equal("tenant_api/acme", breaker.Name);
    }
}
