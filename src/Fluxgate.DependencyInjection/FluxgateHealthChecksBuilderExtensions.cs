using Fluxgate;
using Fluxgate.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the circuit breakers' health check.</summary>
public static class FluxgateHealthChecksBuilderExtensions
{
    /// <summary>Adds a check over every breaker of the <see cref="CircuitBreakerRegistry"/>: healthy when all are closed (or disabled, or metrics-only), degraded when any is half-open, <paramref name="failureStatus"/> when any is open or forced open.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status when a breaker is open; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags for filtering checks.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IHealthChecksBuilder AddCircuitBreakers(this IHealthChecksBuilder builder, string name = "circuit_breakers", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCircuitBreakerRegistry();
        return builder.Add(new HealthCheckRegistration(name, static sp => new CircuitBreakersHealthCheck(sp.GetRequiredService<CircuitBreakerRegistry>()), failureStatus, tags));
    }
}
