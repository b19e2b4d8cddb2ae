using System.Net;
using Fluxgate.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fluxgate.AspNetCore.Tests;

/// <summary>
/// An application whose CORS policy lets every origin in with credentials (a mistake the dashboard must survive): a page
/// of another site gets its preflight answered, and its control request is still refused.
/// </summary>
public sealed class CorsTests : IAsyncLifetime
{
    private const string Origin = "http://hostile.example";
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddCors(o => o.AddDefaultPolicy(p => p.SetIsOriginAllowed(_ => true).AllowCredentials().AllowAnyHeader().AllowAnyMethod()));
        builder.Services.AddAuthentication(TestAuthHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy(TestAuthHandler.Policy, p => p.RequireAuthenticatedUser()));
        builder.Services.AddCircuitBreaker("payments", _ => { });
        builder.Services.AddFluxgateDashboard(o => o.ControlPolicy = TestAuthHandler.Policy);
        _app = builder.Build();
        _app.UseRouting();
        _app.UseCors();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapFluxgate();
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.Single().TrimEnd('/') + "/") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task ControlRequest_CrossSiteThroughAPermissivePolicy_IsRefusedAndNothingMoves()
    {
        using var preflight = await _http.SendAsync(Preflight("fluxgate/api/breakers/payments/force-open"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "fluxgate/api/breakers/payments/force-open")
        {
            Content = new StringContent("{\"reason\":\"x\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", Origin);
        request.Headers.Add("Sec-Fetch-Site", "cross-site");   // what a browser says of a request a page of another site makes
        request.Headers.Add("X-Fluxgate-Control", "1");
        request.Headers.Add(TestAuthHandler.Header, "alice");   // the operator's credentials, sent along by the browser

        using var response = await _http.SendAsync(request);

        Assert.Equal(Origin, Assert.Single(preflight.Headers.GetValues("Access-Control-Allow-Origin")));   // the policy lets it through
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("from another site", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);   // the cross-site check, not the policy
        Assert.Equal(CircuitState.Closed, _app.Services.GetRequiredService<CircuitBreakerRegistry>().Get("payments").State);
    }

    private static HttpRequestMessage Preflight(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", Origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-fluxgate-control");
        return request;
    }
}
