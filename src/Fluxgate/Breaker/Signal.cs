namespace Fluxgate;

/// <summary>A state transition of a breaker, as delivered to listeners.</summary>
/// <param name="CircuitName">The breaker's <see cref="CircuitBreaker.Name"/>.</param>
/// <param name="OldState">The state left.</param>
/// <param name="NewState">The state entered; may equal <paramref name="OldState"/> for a manual call such as <see cref="CircuitBreaker.Reset"/> while closed.</param>
/// <param name="Timestamp">When the transition happened, from the breaker's <see cref="TimeProvider"/>.</param>
public readonly record struct Signal(string CircuitName, CircuitState OldState, CircuitState NewState, DateTimeOffset Timestamp)
{
    /// <summary>Returns e.g. <c>payment_api: closed → open at 2026-01-01T00:00:00.0000000+00:00</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{CircuitName}: {OldState.ToWireName()} → {NewState.ToWireName()} at {Timestamp:O}";
}
