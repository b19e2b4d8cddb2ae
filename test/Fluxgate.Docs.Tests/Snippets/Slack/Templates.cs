using Fluxgate.Slack;

namespace Fluxgate.Docs.Snippets.Slack;

internal static class Templates
{
    public static void Run(SlackListener slack)
    {
        #region snippet
        slack.SetTemplate(CircuitState.Closed, CircuitState.Open,
            new SlackTemplate("🚨 서킷 브레이커 작동", "#FF4C4C", "요청 실패율이 임계값을 초과했습니다."));
        slack.FallbackTemplate = new SlackTemplate("ℹ️ State changed", "#808080", "The circuit breaker changed state.");
        slack.SetTemplate(CircuitState.HalfOpen, CircuitState.Closed, null);   // use the fallback for this one
        #endregion
    }
}
