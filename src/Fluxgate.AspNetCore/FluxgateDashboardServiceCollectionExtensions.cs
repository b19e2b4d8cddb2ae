using Fluxgate.AspNetCore;
using Fluxgate.AspNetCore.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Fluxgate's operator dashboard (mapped with <c>MapFluxgate</c>).</summary>
public static class FluxgateDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Registers the dashboard's options and its state (the breakers it shows, its sampler and streams; disposed with the
    /// container). Optional: <c>MapFluxgate</c> works without it, read-only, with the defaults.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options: <see cref="FluxgateDashboardOptions.ControlPolicy"/> to allow control,
    /// <see cref="FluxgateDashboardOptions.Breakers"/> for breakers made outside the container, and the stream's bounds.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddFluxgateDashboard(this IServiceCollection services, Action<FluxgateDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<FluxgateDashboardOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(static provider => new DashboardHub(provider));
        return services;
    }
}
