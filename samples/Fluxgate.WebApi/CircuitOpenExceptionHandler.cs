using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;

namespace Fluxgate.WebApi;

/// <summary>Maps <see cref="CallNotPermittedException"/> to 503 Service Unavailable with a <c>Retry-After</c> header.</summary>
internal sealed class CircuitOpenExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not CallNotPermittedException rejected)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        if (rejected.RetryAfter is { } retryAfter)
        {
            // Whole seconds, rounded up: a client that waits that long will find a probe allowed.
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        await Results.Problem(
            title: "Dependency unavailable",
            detail: rejected.Message,
            statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: new Dictionary<string, object?> { ["circuit"] = rejected.CircuitName, ["state"] = rejected.State.ToWireName() })
            .ExecuteAsync(httpContext);
        return true;
    }
}
