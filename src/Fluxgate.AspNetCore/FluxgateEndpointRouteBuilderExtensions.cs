using Fluxgate.AspNetCore;
using Fluxgate.AspNetCore.Internal;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Fluxgate's operator dashboard and its endpoints.</summary>
public static class FluxgateEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard under <paramref name="prefix"/>: the page (<c>{prefix}/</c>), the read endpoints
    /// (<c>{prefix}/api/breakers</c>, <c>{prefix}/api/breakers/{name}</c>, <c>{prefix}/api/fleet/{name}</c>), the live
    /// stream (<c>{prefix}/api/events</c>, Server-Sent Events) and, only when
    /// <see cref="FluxgateDashboardOptions.ControlPolicy"/> is set, control (<c>POST {prefix}/api/breakers/{name}/{action}</c>).
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="prefix">Where to map it: a path starting with <c>/</c>, <c>/fluxgate</c> by default.</param>
    /// <returns>The route group of every dashboard endpoint: conventions added to it apply to all of them, e.g.
    /// <c>app.MapFluxgate().RequireAuthorization("ops")</c> to keep even the read-only page behind a policy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="prefix"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> does not start with <c>/</c>, or is the root.</exception>
    /// <exception cref="InvalidOperationException"><see cref="FluxgateDashboardOptions.ControlPolicy"/> names a policy that is not registered.</exception>
    /// <remarks>
    /// It shows every breaker of the container's <see cref="Fluxgate.CircuitBreakerRegistry"/> and those of
    /// <see cref="FluxgateDashboardOptions.Breakers"/>, and the fleet's view when a fleet is registered. Options come from
    /// <c>AddFluxgateDashboard</c>; without it the defaults apply (read-only). The dashboard is read-only unless a policy is
    /// named, and never anonymous-writable: put the page itself behind your authentication as well (docs/dashboard.md).
    /// </remarks>
    public static RouteGroupBuilder MapFluxgate(this IEndpointRouteBuilder endpoints, string prefix = "/fluxgate")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var trimmed = prefix.TrimEnd('/');
        if (!prefix.StartsWith('/') || trimmed.Length == 0)
        {
            throw new ArgumentException($"'{prefix}' is not a valid prefix: use a path that starts with '/' and is not the root, e.g. /fluxgate.", nameof(prefix));
        }

        var services = endpoints.ServiceProvider;
        var hub = services.GetService<DashboardHub>() ?? OwnHub(services);
        if (hub.Options.ControlPolicy is { } policy)
        {
            CheckPolicy(services, policy);
        }

        var group = endpoints.MapGroup(trimmed);
        DashboardEndpoints.Map(group, hub);
        return group;
    }

    /// <summary>A hub for an application that did not call AddFluxgateDashboard: the defaults, disposed when the host stops.</summary>
    private static DashboardHub OwnHub(IServiceProvider services)
    {
        var hub = new DashboardHub(services);
        services.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(hub.Dispose);
        return hub;
    }

    /// <summary>Fails at start-up when control names a policy nobody registered: a typo must not turn into an open or silently closed door.</summary>
    private static void CheckPolicy(IServiceProvider services, string policy)
    {
        var provider = services.GetService<IAuthorizationPolicyProvider>()
            ?? throw new InvalidOperationException(
                $"FluxgateDashboardOptions.ControlPolicy is '{policy}', but authorization is not set up: call services.AddAuthorization(o => o.AddPolicy(\"{policy}\", …)), or leave ControlPolicy unset for a read-only dashboard.");
        if (provider.GetPolicyAsync(policy).GetAwaiter().GetResult() is null)
        {
            throw new InvalidOperationException(
                $"FluxgateDashboardOptions.ControlPolicy is '{policy}', but no authorization policy of that name is registered: add it with services.AddAuthorization(o => o.AddPolicy(\"{policy}\", …)), or leave ControlPolicy unset for a read-only dashboard.");
        }
    }
}
