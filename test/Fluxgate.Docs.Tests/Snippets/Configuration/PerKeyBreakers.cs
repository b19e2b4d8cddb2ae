using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Configuration;

internal static class PerKeyBreakers
{
    public static CircuitBreaker Run(IServiceProvider services, string tenantId)
    {
        #region snippet
        var registry = services.GetRequiredService<CircuitBreakerRegistry>();
        var cb = registry.GetOrAdd($"tenant_api/{tenantId}", template: "tenant_api");
        #endregion
        return cb;
    }
}
