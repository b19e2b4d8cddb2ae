namespace Fluxgate.Docs.Snippets.Configuration;

internal static class RegistryWithoutContainer
{
    public static CircuitBreaker Run(string tenantId)
    {
        #region snippet
        using var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            OptionsFactory = template => new CircuitBreakerOptions { Tripper = Tripper.Parse("MinRequests(20) & FailureRate(0.5)") },
            IdleTimeout = TimeSpan.FromMinutes(10),
        });
        var cb = registry.GetOrAdd($"tenant_api/{tenantId}", template: "tenant_api");
        #endregion
        return cb;
    }
}
