using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Fluxgate.Docs.Snippets.Configuration;

internal static class NativeAot
{
    public static Tracker Configure(WebApplicationBuilder builder, string expression)
    {
        #region snippet
        builder.Services.AddCircuitBreakerExceptionType<PaymentDeclinedException>();      // with the container
        var tracker = Tracker.Parse(expression, [typeof(PaymentDeclinedException)]);        // without it
        #endregion
        return tracker;
    }

    private sealed class PaymentDeclinedException : Exception;
}
