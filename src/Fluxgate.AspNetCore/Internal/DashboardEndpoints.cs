using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Fluxgate.Redis;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fluxgate.AspNetCore.Internal;

/// <summary>
/// The dashboard's endpoints, as plain <see cref="RequestDelegate"/>s (no reflection: Native AOT-safe). Every path is
/// relative to the group <c>MapFluxgate</c> returns.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>The header a control request must carry: a cross-site page cannot send it without a CORS preflight.</summary>
    public const string ControlHeader = "X-Fluxgate-Control";

    /// <summary>The longest reason a control request may give.</summary>
    public const int MaxReasonLength = 500;

    /// <summary>The largest control request body read.</summary>
    public const int MaxBodyBytes = 4_096;

    /// <summary>How many bytes of frames a stream writes before it flushes them (and so waits for a slow client).</summary>
    public const int FlushBytes = 32 * 1024;

    /// <summary>How long a fleet-wide command waits for Redis to store it before the answer says it is still pending.</summary>
    public static readonly TimeSpan FleetCommandWait = TimeSpan.FromSeconds(5);

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly string[] s_actions = ["force-open", "disable", "metrics-only", "reset"];

    public static void Map(RouteGroupBuilder group, DashboardHub hub)
    {
        group.MapGet("/", context => Page(context, hub));
        group.MapGet("/app.js", context => Asset(context, DashboardAssets.Script));
        group.MapGet("/app.css", context => Asset(context, DashboardAssets.Style));
        group.MapGet("/api/breakers", context => List(context, hub));
        group.MapGet("/api/breakers/{name}", context => One(context, hub));
        group.MapGet("/api/fleet/{name}", context => Fleet(context, hub));
        group.MapGet("/api/events", context => Events(context, hub));

        // Control exists only when a policy is named: otherwise these routes are not mapped at all (404).
        if (hub.Options.ControlPolicy is { } policy)
        {
            // No CORS metadata (DisableCors would make the endpoint fail in every application without UseCors): an
            // application whose own policy answers every preflight still meets the Sec-Fetch-Site check below.
            group.MapPost("/api/breakers/{name}/{action}", context => Control(context, hub)).RequireAuthorization(policy);
        }
    }

    /// <summary>Whether the user of <paramref name="context"/> satisfies the control policy: the page's buttons and the snapshot's <c>control</c> flag.</summary>
    public static async Task<bool> ControlAllowedAsync(HttpContext context, DashboardHub hub)
    {
        if (hub.Options.ControlPolicy is not { } name
            || context.RequestServices.GetService<IAuthorizationPolicyProvider>() is not { } provider
            || context.RequestServices.GetService<IPolicyEvaluator>() is not { } evaluator
            || await provider.GetPolicyAsync(name).ConfigureAwait(false) is not { } policy)
        {
            return false;
        }

        var authentication = await evaluator.AuthenticateAsync(policy, context).ConfigureAwait(false);
        var authorization = await evaluator.AuthorizeAsync(policy, authentication, context, resource: null).ConfigureAwait(false);
        return authorization.Succeeded;
    }

    private static async Task Page(HttpContext context, DashboardHub hub)
    {
        // The page's URLs are relative: under "{prefix}" (no slash) they would resolve against the parent path.
        if (context.Request.Path.Value is { } path && !path.EndsWith('/'))
        {
            context.Response.Redirect($"{context.Request.PathBase}{path}/{context.Request.QueryString}");
            return;
        }

        var asset = await ControlAllowedAsync(context, hub).ConfigureAwait(false) ? DashboardAssets.PageWithControl : DashboardAssets.ReadOnlyPage;
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store"; // the page says whether this user may control: never shared by a cache
        context.Response.ContentType = asset.ContentType;
        context.Response.ContentLength = asset.Content.Length;
        await context.Response.Body.WriteAsync(asset.Content, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task Asset(HttpContext context, DashboardAssets.Asset asset)
    {
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache"; // revalidated each time (the name has no version): a 304 when unchanged
        headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch.Any(value => value is not null && value.Split(',').Any(tag => tag.Trim() is var t && (t == "*" || t == asset.ETag || t == "W/" + asset.ETag))))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        context.Response.ContentType = asset.ContentType;
        context.Response.ContentLength = asset.Content.Length;
        return context.Response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static Task List(HttpContext context, DashboardHub hub) =>
        Json(context, StatusCodes.Status200OK, hub.ReadAll(), DashboardJsonContext.Default.BreakerDtoArray);

    private static Task One(HttpContext context, DashboardHub hub) => hub.Find(RouteName(context)) is { } breaker
        ? Json(context, StatusCodes.Status200OK, hub.Read(breaker), DashboardJsonContext.Default.BreakerDto)
        : Error(context, StatusCodes.Status404NotFound, $"No circuit breaker is named '{RouteName(context)}'.");

    private static async Task Fleet(HttpContext context, DashboardHub hub)
    {
        var name = RouteName(context);
        if (hub.Fleet is not { } fleet)
        {
            await Error(context, StatusCodes.Status404NotFound, "No fleet is registered (AddCircuitBreakerFleet).").ConfigureAwait(false);
            return;
        }

        if (hub.Find(name) is not { } breaker || !hub.InFleet(breaker))
        {
            await Error(context, StatusCodes.Status404NotFound, $"No circuit breaker named '{name}' joined the fleet here.").ConfigureAwait(false);
            return;
        }

        FleetView view;
        try
        {
            view = await fleet.GetViewAsync(breaker.Name, context.RequestAborted).ConfigureAwait(false);
        }
        catch (FleetUnavailableException exception)
        {
            await Error(context, StatusCodes.Status503ServiceUnavailable, exception.Message).ConfigureAwait(false);
            return;
        }

        await Json(context, StatusCodes.Status200OK, DashboardHub.ToDto(fleet, view), DashboardJsonContext.Default.FleetDto).ConfigureAwait(false);
    }

    private static async Task Events(HttpContext context, DashboardHub hub)
    {
        var control = await ControlAllowedAsync(context, hub).ConfigureAwait(false);
        long? lastEventId = long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        DashboardStream? stream;
        try
        {
            stream = hub.Connect(lastEventId, control, context.TraceIdentifier);
        }
        catch (ObjectDisposedException)
        {
            // The host is stopping (the hub went with the container): a 503 the page retries, not a 500.
            await Error(context, StatusCodes.Status503ServiceUnavailable, "The application is stopping.").ConfigureAwait(false);
            return;
        }

        if (stream is null)
        {
            context.Response.Headers.RetryAfter = "10";
            await Error(context, StatusCodes.Status503ServiceUnavailable, $"{hub.Options.MaxStreams} dashboard streams are open already; try again later.").ConfigureAwait(false);
            return;
        }

        var stopping = context.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        try
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stream.Closed, stopping);
            var token = cancel.Token;
            var response = context.Response;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers["X-Accel-Buffering"] = "no"; // nginx: do not hold the stream back
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await response.StartAsync(token).ConfigureAwait(false);

            var writer = response.BodyWriter;
            writer.Write("retry: 2000\n\n"u8); // the browser reconnects 2 s after the stream drops, then resumes (Last-Event-ID)
            var reader = stream.Reader;
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                // Flushed at least every FlushBytes: a flush waits while the server's response buffer is full (a client
                // that does not read), so the frames wait in the stream's bounded queue, whose overflow closes the
                // stream, and not in a copy of them in the server's buffer.
                var unflushed = 0;
                var open = true;
                while (open && reader.TryRead(out var frame))
                {
                    writer.Write(frame);
                    unflushed += frame.Length;
                    if (unflushed >= FlushBytes)
                    {
                        open = await FlushAsync(writer, token).ConfigureAwait(false);
                        unflushed = 0;
                    }
                }

                if (!open || (unflushed > 0 && !await FlushAsync(writer, token).ConfigureAwait(false)))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client left, the host stops, or the hub closed the stream.
        }
        catch (IOException)
        {
            // The connection broke.
        }
        finally
        {
            hub.Disconnect(stream);
            if (stream.WasDropped)
            {
                context.Abort(); // a write may still be pending on a client that does not read
            }

            stream.Dispose();
        }
    }

    /// <summary>Flushes the stream's frames; <see langword="false"/> when the client is gone.</summary>
    private static async ValueTask<bool> FlushAsync(PipeWriter writer, CancellationToken token)
    {
        var flushed = await writer.FlushAsync(token).ConfigureAwait(false);
        return !flushed.IsCompleted && !flushed.IsCanceled;
    }

    private static async Task Control(HttpContext context, DashboardHub hub)
    {
        var name = RouteName(context);
        var action = context.Request.RouteValues["action"] as string ?? "";
        var user = context.User.Identity?.Name is { Length: > 0 } who ? who : "anonymous";
        var scopeText = context.Request.Query["scope"].ToString();

        // Cross-site protection: a form or a simple request from another site cannot carry this header nor a JSON type
        // without a CORS preflight, which the dashboard never answers.
        if (!string.Equals(context.Request.Headers[ControlHeader].ToString(), "1", StringComparison.Ordinal))
        {
            await Refuse(context, hub, user, action, name, scopeText, StatusCodes.Status403Forbidden, $"Control requests need the header {ControlHeader}: 1.").ConfigureAwait(false);
            return;
        }

        if (string.Equals(context.Request.Headers["Sec-Fetch-Site"].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            await Refuse(context, hub, user, action, name, scopeText, StatusCodes.Status403Forbidden, "Control requests from another site are refused.").ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasJsonContentType())
        {
            await Refuse(context, hub, user, action, name, scopeText, StatusCodes.Status415UnsupportedMediaType, "Control requests need Content-Type: application/json.").ConfigureAwait(false);
            return;
        }

        if (Array.IndexOf(s_actions, action) < 0)
        {
            await Refuse(context, hub, user, action, name, scopeText, StatusCodes.Status404NotFound, $"Unknown action '{OneLine(action)}': use force-open, disable, metrics-only or reset.").ConfigureAwait(false);
            return;
        }

        var fleetWide = scopeText switch
        {
            "" or "local" => false,
            "fleet" => true,
            _ => (bool?)null,
        };
        if (fleetWide is null)
        {
            await Refuse(context, hub, user, action, name, scopeText, StatusCodes.Status400BadRequest, "The scope must be 'local' (this replica, the default) or 'fleet'.").ConfigureAwait(false);
            return;
        }

        var scope = fleetWide.Value ? "fleet" : "local";
        var (reason, problem, status) = await ReadReason(context).ConfigureAwait(false);
        if (problem is not null)
        {
            await Refuse(context, hub, user, action, name, scope, status, problem).ConfigureAwait(false);
            return;
        }

        if (hub.Find(name) is not { } breaker)
        {
            await Refuse(context, hub, user, action, name, scope, StatusCodes.Status404NotFound, $"No circuit breaker is named '{OneLine(name)}'.").ConfigureAwait(false);
            return;
        }

        int code;
        string result;
        string? detail = null;
        if (!fleetWide.Value)
        {
            Apply(breaker, action);
            (code, result) = (StatusCodes.Status200OK, "ok");
        }
        else if (hub.Fleet is not { } fleet)
        {
            await Refuse(context, hub, user, action, breaker.Name, scope, StatusCodes.Status404NotFound, "No fleet is registered (AddCircuitBreakerFleet): use the local scope.").ConfigureAwait(false);
            return;
        }
        else if (!hub.InFleet(breaker))
        {
            await Refuse(context, hub, user, action, breaker.Name, scope, StatusCodes.Status404NotFound, $"Circuit breaker '{breaker.Name}' did not join the fleet here: use the local scope.").ConfigureAwait(false);
            return;
        }
        else
        {
            (code, result, detail) = await Command(fleet, breaker, action, hub.Time, context.RequestAborted).ConfigureAwait(false);
        }

        var audit = new AuditDto(hub.Time.GetUtcNow().UtcDateTime, user, action, breaker.Name, scope, reason, result, detail);
        Log.Control(hub.Logger, OneLine(user), action, breaker.Name, scope, reason ?? "", result, detail is null ? "" : $" ({detail})");
        hub.Audit(audit);
        await Json(context, code, new ControlResponse(breaker.Name, action, scope, result, breaker.State.ToWireName(), detail), DashboardJsonContext.Default.ControlResponse).ConfigureAwait(false);
    }

    private static void Apply(CircuitBreaker breaker, string action)
    {
        switch (action)
        {
            case "force-open":
                breaker.ForceOpen();
                break;
            case "disable":
                breaker.Disable();
                break;
            case "metrics-only":
                breaker.MetricsOnly();
                break;
            default:
                breaker.Reset();
                break;
        }
    }

    private static async Task<(int Code, string Result, string? Detail)> Command(CircuitBreakerFleet fleet, CircuitBreaker breaker, string action, TimeProvider time, CancellationToken aborted)
    {
        var command = action switch
        {
            "force-open" => FleetCommand.ForceOpen,
            "disable" => FleetCommand.Disable,
            "metrics-only" => FleetCommand.MetricsOnly,
            _ => FleetCommand.Reset,
        };
        using var wait = new CancellationTokenSource(FleetCommandWait, time);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, aborted);
        try
        {
            await fleet.CommandAsync(breaker.Name, command, both.Token).ConfigureAwait(false);
            return (StatusCodes.Status200OK, "ok", null);
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested || aborted.IsCancellationRequested)
        {
            // Giving up waiting does not take the command back: the fleet stores it when Redis answers.
            return (StatusCodes.Status202Accepted, "pending", "applied on this replica; Redis has not stored it yet, and the fleet keeps trying");
        }
        catch (FleetUnavailableException exception)
        {
            // Thrown before anything was applied (a stopped fleet) or after it was applied here (the fleet stopped while
            // waiting for Redis): the answer's state says which.
            return (StatusCodes.Status503ServiceUnavailable, "error", $"{exception.Message} This replica's breaker is {breaker.State.ToWireName()}.");
        }
        catch (ObjectDisposedException)
        {
            return (StatusCodes.Status503ServiceUnavailable, "error", $"The fleet was disposed. This replica's breaker is {breaker.State.ToWireName()}.");
        }
    }

    /// <summary>Reads the optional reason: one line of at most 500 characters (line breaks and tabs become spaces).</summary>
    private static async Task<(string? Reason, string? Problem, int Status)> ReadReason(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return (null, $"The body may have at most {MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        var body = new ArrayBufferWriter<byte>(512);
        var stream = context.Request.Body;
        while (true)
        {
            var read = await stream.ReadAsync(body.GetMemory(512), context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            body.Advance(read);
            if (body.WrittenCount > MaxBodyBytes)
            {
                return (null, $"The body may have at most {MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
        }

        if (body.WrittenCount == 0)
        {
            return (null, null, 0);
        }

        ControlRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body.WrittenSpan, DashboardJsonContext.Default.ControlRequest);
        }
        catch (JsonException)
        {
            return (null, "The body must be JSON: {\"reason\": \"…\"}.", StatusCodes.Status400BadRequest);
        }

        var reason = request?.Reason?.Trim();
        if (string.IsNullOrEmpty(reason))
        {
            return (null, null, 0);
        }

        var chars = reason.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '\r' or '\n' or '\t')
            {
                chars[i] = ' ';
            }
            else if (char.IsControl(chars[i]))
            {
                return (null, "The reason may not contain control characters.", StatusCodes.Status400BadRequest);
            }
        }

        reason = new string(chars);
        return reason.Length > MaxReasonLength
            ? (null, $"The reason may have at most {MaxReasonLength} characters.", StatusCodes.Status400BadRequest)
            : (reason, null, 0);
    }

    /// <summary>Answers a refused control request, and logs it: someone authorized sent something the dashboard does not do.</summary>
    private static Task Refuse(HttpContext context, DashboardHub hub, string user, string action, string name, string scope, int status, string problem)
    {
        // What the request said is logged as one short line: it was not checked yet.
        var shownScope = scope switch
        {
            "" or "local" => "local",
            "fleet" => "fleet",
            _ => "invalid",
        };
        Log.Control(hub.Logger, OneLine(user), OneLine(action), OneLine(name), shownScope, "", "refused", $" ({status}: {problem})");
        return Error(context, status, problem);
    }

    /// <summary>Text from a request, for a log line: control characters replaced, at most 200 characters.</summary>
    private static string OneLine(string text)
    {
        var cut = text.Length > 200 ? text[..200] + "…" : text;
        return string.Create(cut.Length, cut, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    /// <summary>The breaker's name from the route: a name with '/' (per-authority breakers) comes as %2F, which the server leaves encoded.</summary>
    private static string RouteName(HttpContext context) =>
        (context.Request.RouteValues["name"] as string ?? "").Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static Task Error(HttpContext context, int status, string message) =>
        Json(context, status, new ErrorResponse(message), DashboardJsonContext.Default.ErrorResponse);

    private static Task Json<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return context.Response.WriteAsJsonAsync(value, type, "application/json; charset=utf-8", context.RequestAborted);
    }
}
