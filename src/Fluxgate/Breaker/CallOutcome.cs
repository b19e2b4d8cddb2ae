namespace Fluxgate;

/// <summary>How a call that ran ended, as far as the breaker is concerned.</summary>
internal enum CallOutcome
{
    Success,
    Failure,
    Ignored,
}
