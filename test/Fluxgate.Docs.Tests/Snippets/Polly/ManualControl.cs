namespace Fluxgate.Docs.Snippets.PollyDocs;

internal static class ManualControl
{
    public static CircuitState Run(CircuitBreaker breaker)
    {
        #region snippet
        breaker.ForceOpen();                    // manualControl.IsolateAsync()
        breaker.Reset();                        // manualControl.CloseAsync()
        var state = breaker.State;              // stateProvider.CircuitState (Isolated is ForcedOpen)
        var info = breaker.GetInfo();           // and the window's counts, reopens, since when
        #endregion
        return state;
    }
}
