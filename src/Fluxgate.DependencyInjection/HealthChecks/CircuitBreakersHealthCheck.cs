using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fluxgate.DependencyInjection;

/// <summary>
/// Healthy when every breaker of the registry is closed, disabled or metrics-only; degraded when any is
/// half-open; unhealthy (the registration's failure status) when any is open or forced open.
/// </summary>
/// <remarks>The result's data has one entry per breaker, keyed by name: its state (wire name), failure rate, calls in the window and when its state began.</remarks>
public sealed class CircuitBreakersHealthCheck : IHealthCheck
{
    private readonly CircuitBreakerRegistry _registry;

    /// <summary>Creates the check over <paramref name="registry"/>.</summary>
    /// <param name="registry">The container's registry.</param>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is <see langword="null"/>.</exception>
    public CircuitBreakersHealthCheck(CircuitBreakerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
    }

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var open = new List<string>();
        var halfOpen = new List<string>();
        foreach (var breaker in _registry.Breakers.OrderBy(b => b.Name, StringComparer.Ordinal))
        {
            var info = breaker.GetInfo();
            data[breaker.Name] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["state"] = info.State.ToWireName(),
                ["failure_rate"] = info.Metrics.FailureRate,
                ["calls"] = info.Metrics.TotalCount,
                ["since"] = info.ChangedAt,
            };
            if (info.State is CircuitState.Open or CircuitState.ForcedOpen)
            {
                open.Add(breaker.Name);
            }
            else if (info.State == CircuitState.HalfOpen)
            {
                halfOpen.Add(breaker.Name);
            }
        }

        var total = data.Count;
        var result = open.Count > 0
            ? new HealthCheckResult(context.Registration.FailureStatus, $"{open.Count} of {total} circuit breakers open: {string.Join(", ", open)}.", data: data)
            : halfOpen.Count > 0
                ? HealthCheckResult.Degraded($"{halfOpen.Count} of {total} circuit breakers half-open: {string.Join(", ", halfOpen)}.", data: data)
                : HealthCheckResult.Healthy($"All {total} circuit breakers closed or bypassed.", data);
        return Task.FromResult(result);
    }
}
