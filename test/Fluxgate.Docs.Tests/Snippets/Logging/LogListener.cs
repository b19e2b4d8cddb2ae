#region snippet
using Fluxgate;
using Fluxgate.Logging;
#endregion
using Microsoft.Extensions.Logging;

namespace Fluxgate.Docs.Snippets.Logging;

internal static class LogListenerExample
{
    public static CircuitBreaker Run(ILoggerFactory loggerFactory)
    {
        #region snippet
        var logger = loggerFactory.CreateLogger("Fluxgate.CircuitBreaker");
        var cb = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "payment_api",
            Listeners = { new LogListener(logger) },
        });
        #endregion
        return cb;
    }
}
