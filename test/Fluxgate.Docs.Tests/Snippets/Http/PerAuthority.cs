using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Http;

internal static class PerAuthority
{
    public static void Configure(WebApplicationBuilder builder)
    {
        #region snippet
        builder.Services.AddHttpClient("partners")
            .AddCircuitBreaker("partners", o => o.Tripper = Tripper.FailureStreak(5), h => h.PerAuthority = true);
        #endregion
    }
}
