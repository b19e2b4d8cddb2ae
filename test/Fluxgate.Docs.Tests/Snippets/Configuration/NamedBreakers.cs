using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Configuration;

internal static class NamedBreakers
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddCircuitBreaker("payments", o =>
        {
            o.Tripper = Tripper.MinRequests(20) & Tripper.FailureRate(0.5);
            o.Retry = Retry.Backoff(TimeSpan.FromSeconds(10));
        });
        #endregion
    }

    public static void Use(WebApplication app, IServiceProvider services)
    {
        #region snippet
        // anywhere:
        app.MapPost("/pay", ([FromKeyedServices("payments")] CircuitBreaker cb, Payment payment) =>
            cb.Execute(() => Results.Ok(Charge(payment))));
        var cb = services.GetRequiredKeyedService<CircuitBreaker>("payments");
        #endregion
    }

    private static Receipt Charge(Payment payment) => new($"receipt {payment.Amount}");
}
