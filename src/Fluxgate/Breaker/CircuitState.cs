namespace Fluxgate;

/// <summary>The state of a <see cref="CircuitBreaker"/>.</summary>
/// <remarks>
/// The first three states are driven by the breaker itself; the last three are entered only by
/// manual control (<see cref="CircuitBreaker.MetricsOnly"/>, <see cref="CircuitBreaker.Disable"/>,
/// <see cref="CircuitBreaker.ForceOpen"/>) and left only by another manual call.
/// Each state has a wire name (see <see cref="CircuitStateExtensions.ToWireName(CircuitState)"/>)
/// used in logs, metric labels and configuration.
/// </remarks>
public enum CircuitState
{
    /// <summary>Calls run and are recorded; the tripper decides when to open. Wire name <c>closed</c>.</summary>
    Closed = 0,

    /// <summary>Calls are rejected until the retry lets a probe through. Wire name <c>open</c>.</summary>
    Open = 1,

    /// <summary>A limited number of probe calls run to test recovery. Wire name <c>half_open</c>.</summary>
    HalfOpen = 2,

    /// <summary>Calls run and are recorded, but the circuit never opens. Wire name <c>metrics_only</c>.</summary>
    MetricsOnly = 3,

    /// <summary>Calls run and nothing is recorded. Wire name <c>disabled</c>.</summary>
    Disabled = 4,

    /// <summary>Every call is rejected until a manual call changes the state. Wire name <c>forced_open</c>.</summary>
    ForcedOpen = 5,
}

/// <summary>Conversions between <see cref="CircuitState"/> (and <see cref="TransitionCause"/>) and their wire names.</summary>
public static class CircuitStateExtensions
{
    private static readonly string[] s_wireNames = ["closed", "open", "half_open", "metrics_only", "disabled", "forced_open"];
    private static readonly string[] s_causeNames = ["none", "tripper", "probe_failed", "probe_succeeded", "retry_elapsed", "coordinator", "manual"];

    /// <summary>Every state, in declaration order.</summary>
    internal static readonly CircuitState[] All = [CircuitState.Closed, CircuitState.Open, CircuitState.HalfOpen, CircuitState.MetricsOnly, CircuitState.Disabled, CircuitState.ForcedOpen];

    /// <summary>Returns the wire name of <paramref name="state"/>: <c>closed</c>, <c>open</c>, <c>half_open</c>, <c>metrics_only</c>, <c>disabled</c> or <c>forced_open</c>.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The wire name, as metrics, logs and the fleet write it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="state"/> is not a defined state.</exception>
    public static string ToWireName(this CircuitState state)
    {
        var index = (int)state;
        if ((uint)index >= (uint)s_wireNames.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "Must be a defined CircuitState (0 to 5).");
        }

        return s_wireNames[index];
    }

    /// <summary>Returns the wire name of <paramref name="cause"/>: <c>none</c>, <c>tripper</c>, <c>probe_failed</c>, <c>probe_succeeded</c>, <c>retry_elapsed</c>, <c>coordinator</c> or <c>manual</c>.</summary>
    /// <param name="cause">The cause.</param>
    /// <returns>The wire name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cause"/> is not a defined cause.</exception>
    public static string ToWireName(this TransitionCause cause)
    {
        var index = (int)cause;
        if ((uint)index >= (uint)s_causeNames.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(cause), cause, "Must be a defined TransitionCause (0 to 6).");
        }

        return s_causeNames[index];
    }

    /// <summary>Parses a wire name (<c>half_open</c>, …), case-sensitively.</summary>
    /// <param name="wireName">The wire name.</param>
    /// <param name="state">The parsed state, when the method returns <see langword="true"/>.</param>
    /// <returns><see langword="true"/> when <paramref name="wireName"/> is one of the six wire names.</returns>
    public static bool TryParseWireName(string? wireName, out CircuitState state)
    {
        var index = Array.IndexOf(s_wireNames, wireName);
        state = (CircuitState)Math.Max(index, 0);
        return index >= 0;
    }
}
