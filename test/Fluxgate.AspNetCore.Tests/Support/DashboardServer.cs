using System.Net;
using Fluxgate.AspNetCore.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fluxgate.AspNetCore.Tests.Support;

/// <summary>
/// A real web application on Kestrel at 127.0.0.1 and a port the system chose (port 0, read back once bound), with the test
/// authentication scheme, the <c>ops</c> policy (any authenticated user), log capture, and the dashboard mapped.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private DashboardServer(WebApplication app, CapturingLoggerProvider logs, Uri baseAddress)
    {
        App = app;
        Logs = logs;
        BaseAddress = baseAddress;
    }

    public WebApplication App { get; }

    public CapturingLoggerProvider Logs { get; }

    /// <summary>Gets the server's root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the dashboard's page address under the default prefix.</summary>
    public Uri Dashboard => new(BaseAddress, "fluxgate/");

    public IServiceProvider Services => App.Services;

    /// <summary>Gets the dashboard's state, when AddFluxgateDashboard registered it.</summary>
    internal DashboardHub Hub => App.Services.GetRequiredService<DashboardHub>();

    public CircuitBreakerRegistry Registry => App.Services.GetRequiredService<CircuitBreakerRegistry>();

    public CircuitBreaker Breaker(string name) => Registry.Get(name);

    /// <summary>Starts an application: <paramref name="configure"/> registers services, <paramref name="map"/> maps endpoints (default: <c>MapFluxgate()</c>).</summary>
    public static async Task<DashboardServer> StartAsync(Action<IServiceCollection> configure, TimeProvider? clock = null, Action<WebApplication>? map = null)
    {
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.Services.AddAuthentication(TestAuthHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy(TestAuthHandler.Policy, p => p.RequireAuthenticatedUser()));
        configure(builder.Services);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        (map ?? (static a => a.MapFluxgate()))(app);
        await app.StartAsync();
        var address = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return new DashboardServer(app, logs, address);
    }

    /// <summary>An HTTP client for this server, as <paramref name="user"/> when given (anonymous otherwise).</summary>
    public HttpClient Client(string? user = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add(TestAuthHandler.Header, user);
        }

        return client;
    }

    /// <summary>The audit entries of the dashboard: category Fluxgate.AspNetCore, event 200.</summary>
    public IReadOnlyList<CapturingLoggerProvider.Entry> Audit() =>
        [.. Logs.Entries.Where(e => e.Category == "Fluxgate.AspNetCore" && e.EventId.Id == 200)];

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }

    /// <summary>A control request as the page sends it.</summary>
    public static HttpRequestMessage ControlRequest(string path, string? reason = "test", bool header = true, string contentType = "application/json")
    {
        var body = reason is null ? "" : System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["reason"] = reason });
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        if (header)
        {
            request.Headers.Add("X-Fluxgate-Control", "1");
        }

        return request;
    }

    public static HttpStatusCode Status(HttpResponseMessage response) => response.StatusCode;
}
