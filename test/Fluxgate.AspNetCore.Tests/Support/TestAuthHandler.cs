using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fluxgate.AspNetCore.Tests.Support;

/// <summary>
/// A test authentication scheme: the user named by the <c>X-Test-User</c> header or the <c>test-user</c> cookie (a cookie,
/// as a real sign-in is: a browser sends it with cross-site form posts too), anonymous otherwise.
/// </summary>
public sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";

    public const string Header = "X-Test-User";

    public const string Cookie = "test-user";

    /// <summary>The policy the tests name as the dashboard's control policy: any authenticated user.</summary>
    public const string Policy = "ops";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var user = Request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(user))
        {
            user = Request.Cookies[Cookie] ?? "";
        }

        if (user.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
