using System.Runtime.CompilerServices;
using Prometheus;

namespace Fluxgate.Prometheus;

/// <summary>
/// Which of the two exporters of this package a registry serves: the <see cref="PrometheusListener"/> (the series
/// <c>circuit_breaker_state</c> and <c>circuit_breaker_state_transition_total</c>) or the
/// <see cref="FluxgateMeterExporter"/> (OpenTelemetry's names), never both, so that nobody publishes every breaker's
/// state and transitions twice under two names by accident.
/// </summary>
/// <remarks>Keyed by registry instance, weakly: process-wide by nature (registries are), and it keeps no registry alive.</remarks>
internal static class RegistryClaims
{
    private static readonly ConditionalWeakTable<CollectorRegistry, Claim> s_claims = [];

    /// <summary>Marks <paramref name="registry"/> as served by <paramref name="kind"/>'s series; more of the same kind may share it.</summary>
    /// <exception cref="InvalidOperationException">The other exporter serves it already.</exception>
    public static void Take(CollectorRegistry registry, Kind kind)
    {
        lock (s_claims)
        {
            var claim = s_claims.GetValue(registry, static _ => new Claim());
            if (claim.Holders > 0 && claim.Kind != kind)
            {
                throw new InvalidOperationException(kind == Kind.Listener
                    ? "A FluxgateMeterExporter already exports Fluxgate's breakers to this registry, state and transitions included (fluxgate_circuit_breaker_state, fluxgate_circuit_breaker_transitions_total): a PrometheusListener would publish them again under the Python library's names. Use one of the two (docs/prometheus.md, \"Which exporter\"), or give each its own registry."
                    : "A PrometheusListener already exports Fluxgate's breakers to this registry (circuit_breaker_state, circuit_breaker_state_transition_total): a FluxgateMeterExporter would publish state and transitions again under OpenTelemetry's names. Use one of the two (docs/prometheus.md, \"Which exporter\"), or give each its own registry.");
            }

            claim.Kind = kind;
            claim.Holders++;
        }
    }

    /// <summary>Gives back a claim taken by an exporter that stops.</summary>
    public static void Release(CollectorRegistry registry)
    {
        lock (s_claims)
        {
            if (s_claims.TryGetValue(registry, out var claim) && claim.Holders > 0)
            {
                claim.Holders--;
            }
        }
    }

    internal enum Kind
    {
        Listener,
        MeterExporter,
    }

    private sealed class Claim
    {
        public Kind Kind { get; set; }

        public int Holders { get; set; }
    }
}
