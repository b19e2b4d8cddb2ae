using System.Net;
using System.Text.Json;
using Fluxgate.AspNetCore.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fluxgate.AspNetCore.Tests;

/// <summary>Control with a policy named: who may act, what is refused, and the audit log.</summary>
public sealed class ControlTests : IAsyncLifetime
{
    private const string ForceOpen = "fluxgate/api/breakers/payments/force-open";

    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync(
        services =>
        {
            services.AddCircuitBreaker("payments", _ => { });
            services.AddFluxgateDashboard(o => o.ControlPolicy = TestAuthHandler.Policy);
        },
        _clock);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private CircuitBreaker Payments => _server.Breaker("payments");

    [Fact]
    public async Task PostControl_Anonymous_Returns401AndDoesNothing()
    {
        using var anonymous = _server.Client();
        using var request = DashboardServer.ControlRequest(ForceOpen);

        using var response = await anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(CircuitState.Closed, Payments.State);
        Assert.Empty(_server.Audit());
    }

    [Fact]
    public async Task PostControl_WithoutTheControlHeader_Returns403AndLogsTheRefusal()
    {
        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest(ForceOpen, header: false);

        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("X-Fluxgate-Control", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(CircuitState.Closed, Payments.State);
        var refusal = Assert.Single(_server.Audit());
        Assert.Equal("refused", refusal.State["Result"]);
        Assert.Equal("alice", refusal.State["User"]);
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task PostControl_WithAFormContentType_Returns415(string contentType)
    {
        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest(ForceOpen, contentType: contentType);

        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(CircuitState.Closed, Payments.State);
    }

    [Fact]
    public async Task PostControl_CrossSiteFetchMetadata_Returns403()
    {
        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest(ForceOpen);
        request.Headers.Add("Sec-Fetch-Site", "cross-site");

        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(CircuitState.Closed, Payments.State);
    }

    [Fact]
    public async Task PostControl_AuthenticatedUser_ForcesTheBreakerOpenAndAuditsIt()
    {
        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest(ForceOpen, reason: "payments provider incident #42\nsee status page");

        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CircuitState.ForcedOpen, Payments.State);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("forced_open", json.RootElement.GetProperty("state").GetString());
        Assert.Equal("ok", json.RootElement.GetProperty("result").GetString());
        Assert.Equal("local", json.RootElement.GetProperty("scope").GetString());

        var audit = Assert.Single(_server.Audit());
        Assert.Equal(LogLevel.Warning, audit.Level);
        Assert.Equal("DashboardControl", audit.EventId.Name);
        Assert.Equal("alice", audit.State["User"]);
        Assert.Equal("force-open", audit.State["Action"]);
        Assert.Equal("payments", audit.State["CircuitName"]);
        Assert.Equal("local", audit.State["Scope"]);
        Assert.Equal("payments provider incident #42 see status page", audit.State["Reason"]);   // one line
        Assert.Equal("ok", audit.State["Result"]);
        Assert.Equal(
            "Fluxgate dashboard: alice asked to force-open circuit breaker 'payments' (local), reason 'payments provider incident #42 see status page': ok",
            audit.Message);
    }

    [Theory]
    [InlineData("force-open", CircuitState.ForcedOpen)]
    [InlineData("disable", CircuitState.Disabled)]
    [InlineData("metrics-only", CircuitState.MetricsOnly)]
    [InlineData("reset", CircuitState.Closed)]
    public async Task PostControl_EachAction_MovesTheBreaker(string action, CircuitState expected)
    {
        Payments.ForceOpen();
        if (action == "force-open")
        {
            Payments.Reset();
        }

        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest($"fluxgate/api/breakers/payments/{action}", reason: null);

        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, Payments.State);
        Assert.Equal(TransitionCause.Manual, Payments.GetInfo().Cause);
    }

    [Fact]
    public async Task PostControl_UnknownActionOrBreaker_Returns404AndLogsTheRefusals()
    {
        using var alice = _server.Client("alice");
        using var unknownAction = DashboardServer.ControlRequest("fluxgate/api/breakers/payments/explode");
        using var unknownBreaker = DashboardServer.ControlRequest("fluxgate/api/breakers/nope/force-open");

        using var first = await alice.SendAsync(unknownAction);
        using var second = await alice.SendAsync(unknownBreaker);

        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        Assert.Equal(CircuitState.Closed, Payments.State);
        string?[][] refusals = [["refused", "explode", "payments"], ["refused", "force-open", "nope"]];
        Assert.Equal(refusals, _server.Audit().Select(e => new[] { e.State["Result"]?.ToString(), e.State["Action"]?.ToString(), e.State["CircuitName"]?.ToString() }).ToArray());
    }

    [Fact]
    public async Task PostControl_FleetScopeWithoutAFleet_Returns404()
    {
        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest(ForceOpen + "?scope=fleet");

        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No fleet is registered", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(CircuitState.Closed, Payments.State);
        var refusal = Assert.Single(_server.Audit());
        Assert.Equal("refused", refusal.State["Result"]);
        Assert.Equal("fleet", refusal.State["Scope"]);
    }

    [Theory]
    [InlineData("?scope=everywhere", "{\"reason\":\"x\"}", HttpStatusCode.BadRequest)]
    [InlineData("", "{\"reason\":\"bell \\u0007\"}", HttpStatusCode.BadRequest)]
    [InlineData("", "not json", HttpStatusCode.BadRequest)]
    public async Task PostControl_InvalidScopeOrBody_Returns400(string query, string body, HttpStatusCode expected)
    {
        using var alice = _server.Client("alice");
        using var request = new HttpRequestMessage(HttpMethod.Post, ForceOpen + query) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Fluxgate-Control", "1");

        using var response = await alice.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(CircuitState.Closed, Payments.State);
    }

    [Fact]
    public async Task PostControl_ReasonOver500Characters_Returns400()
    {
        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest(ForceOpen, reason: new string('x', 501));

        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("500", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(CircuitState.Closed, Payments.State);
    }

    [Fact]
    public async Task PostControl_BodyOver4KiB_Returns413()
    {
        using var alice = _server.Client("alice");
        using var request = DashboardServer.ControlRequest(ForceOpen, reason: new string('x', 5000));

        using var response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(CircuitState.Closed, Payments.State);
    }

    [Fact]
    public async Task GetControlRoute_Returns405AndDoesNothing()
    {
        using var alice = _server.Client("alice");

        using var response = await alice.GetAsync(ForceOpen);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(CircuitState.Closed, Payments.State);
    }

    [Fact]
    public async Task GetPage_ShowsButtonsOnlyToUsersOfThePolicy()
    {
        using var anonymous = _server.Client();
        using var alice = _server.Client("alice");

        var forAnonymous = await anonymous.GetStringAsync("fluxgate/");
        var forAlice = await alice.GetStringAsync("fluxgate/");

        Assert.Contains("data-control=\"false\"", forAnonymous, StringComparison.Ordinal);
        Assert.Contains("data-control=\"true\"", forAlice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapFluxgate_ControlPolicyThatIsNotRegistered_FailsAtStartUp()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DashboardServer.StartAsync(
            services => services.AddFluxgateDashboard(o => o.ControlPolicy = "opps"),
            _clock));

        Assert.Contains("'opps'", error.Message, StringComparison.Ordinal);
        Assert.Contains("no authorization policy of that name is registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapFluxgate_ControlWithoutAuthorization_FailsAtStartUp()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddFluxgateDashboard(o => o.ControlPolicy = "ops");
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapFluxgate());

        Assert.Contains("authorization is not set up", error.Message, StringComparison.Ordinal);
    }
}
