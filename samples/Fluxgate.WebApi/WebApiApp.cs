using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Text.Json;
using Fluxgate.Prometheus;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace Fluxgate.WebApi;

/// <summary>Builds the sample: a product API on one loopback port, the flaky inventory service it calls on another.</summary>
internal static class WebApiApp
{
    /// <summary>The authorization policy of the dashboard's control, in Development.</summary>
    public const string OperatorsPolicy = "breaker-operators";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var apiUrl = builder.Configuration["Sample:ApiUrl"] ?? "http://127.0.0.1:5080";
        var downstreamUrl = builder.Configuration["Sample:DownstreamUrl"] ?? "http://127.0.0.1:5081";
        builder.WebHost.UseUrls(apiUrl, downstreamUrl);

        // Breakers from appsettings.json (Fluxgate:Breakers), exported to Prometheus as well as logged: the core meter's
        // series (state, transitions, calls, durations, failures) under the names OpenTelemetry's Prometheus exporter gives
        // them. (PrometheusListener is the other exporter, for dashboards built on the Python library's series: one of the
        // two per registry.) prometheus-net's own meter adapter would publish the meter again, misnamed.
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = i => i.Meter.Name != FluxgateMetrics.MeterName);
        builder.Services.AddSingleton(_ => new FluxgateMeterExporter(Metrics.DefaultRegistry));
        builder.Services.AddCircuitBreakers(builder.Configuration.GetSection("Fluxgate"));

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Downstream>();
        builder.Services.AddHttpClient<InventoryClient>(c => c.BaseAddress = new Uri(downstreamUrl + "/"))
            .AddCircuitBreaker("inventory", configure: null, configureHandler: h => h.Timeout = TimeSpan.FromSeconds(1));
        builder.Services.AddExceptionHandler<CircuitOpenExceptionHandler>();
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks().AddCircuitBreakers();

        // The operator dashboard (Fluxgate.AspNetCore, docs/dashboard.md) at /fluxgate/ on the API port, read-only in every
        // environment: this sample listens on loopback only, so its page has no sign-in; a real service puts the page
        // behind its own authentication (MapFluxgate().RequireAuthorization(…)).
        // Control (force open, disable, metrics-only, reset) only in Development: the sample has no real authentication,
        // so there a request from this machine counts as an operator in the "ops" role (LocalDeveloperAuthentication)
        // and the policy lets it act. In production, sign operators in with your own scheme and name your real policy
        // as ControlPolicy; never a policy that anyone who reaches the port satisfies.
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddAuthentication(LocalDeveloperAuthentication.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, LocalDeveloperAuthentication>(LocalDeveloperAuthentication.SchemeName, null);
            builder.Services.AddAuthorization(o => o.AddPolicy(OperatorsPolicy, p => p.RequireRole(LocalDeveloperAuthentication.Role)));
            builder.Services.AddFluxgateDashboard(o => o.ControlPolicy = OperatorsPolicy);
        }

        var app = builder.Build();
        app.Services.GetRequiredService<FluxgateMeterExporter>();   // listens from now on (the state gauge covers every breaker); disposed with the app
        app.UseExceptionHandler();

        var downstreamPort = new Uri(downstreamUrl).Port;
        var apiPort = new Uri(apiUrl).Port;

        // The inventory service: only on its own port.
        app.MapGet("/inventory/{sku}", (string sku, Downstream downstream, CancellationToken ct) => downstream.StockAsync(sku, ct))
            .RequireHost($"*:{downstreamPort}");

        // The product API: only on the API port.
        var api = app.MapGroup(string.Empty).RequireHost($"*:{apiPort}");
        api.MapGet("/products/{sku}", async (string sku, InventoryClient inventory, CancellationToken ct) =>
            await inventory.GetStockAsync(sku, ct) is { } stock
                ? Results.Ok(new { sku, stock.Available, source = "inventory" })
                : Results.Problem("the inventory service failed", statusCode: StatusCodes.Status502BadGateway));
        api.MapPost("/admin/downstream/{mode}", (string mode, Downstream downstream) =>
        {
            if (!Enum.TryParse<DownstreamMode>(mode, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return Results.Problem($"Unknown mode '{mode}'; use healthy, failing or slow.", statusCode: StatusCodes.Status400BadRequest);
            }

            downstream.Mode = parsed;
            return Results.Ok(new { mode = parsed.ToString().ToLowerInvariant(), downstreamRequests = downstream.Requests });
        });
        api.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = WriteHealthAsync,
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status200OK },
        });
        api.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        api.MapFluxgate();   // the page, its JSON and its live stream under /fluxgate/ (and control, as set above)
        return app;
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description, e.Value.Data }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, s_json, context.RequestAborted);
    }

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
