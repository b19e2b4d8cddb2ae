#region snippet
using Fluxgate.Slack;
#endregion
using Microsoft.AspNetCore.Builder;

namespace Fluxgate.Docs.Snippets.Slack;

internal static class Listener
{
    public static SlackListener Run(WebApplicationBuilder builder)
    {
        #region snippet
        var slack = new SlackListener(channel: "C1234567890", token: builder.Configuration["Slack:BotToken"]!);
        var cb = new CircuitBreaker(new CircuitBreakerOptions { Name = "payment_api", Listeners = { slack } });
        #endregion
        return slack;
    }
}
