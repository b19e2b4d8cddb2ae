using Fluxgate.Logging;
using Microsoft.Extensions.Logging;

namespace Fluxgate.Docs.Snippets.Logging;

internal static class Levels
{
    public static LogListener Run(ILogger logger) =>
        #region snippet
        new LogListener(logger, new Dictionary<CircuitState, LogLevel>
        {
            [CircuitState.Open] = LogLevel.Error,
            [CircuitState.Closed] = LogLevel.Debug,
        });
        #endregion
}
