using Polly;
namespace Fluxgate.Polly;

/// <summary>
/// The names of the resilience events the Fluxgate strategy reports to Polly's telemetry, with the strategy's name as their source.
/// The transition events have the names Polly's own circuit breaker uses, so dashboards and alerts built on them keep working.
/// </summary>
/// <remarks>
/// Only transitions caused by executions through the strategy are reported here, in the context of the execution that caused
/// them; every transition, whatever caused it, reaches the breaker's own listeners and meter.
/// </remarks>
public static class FluxgateResilienceEvents
{
    /// <summary>An outcome opened the circuit (severity Error); arguments: <see cref="FluxgateStateChangedArguments"/>.</summary>
    public const string CircuitOpened = "OnCircuitOpened";

    /// <summary>A probe's outcome closed the circuit (severity Information); arguments: <see cref="FluxgateStateChangedArguments"/>.</summary>
    public const string CircuitClosed = "OnCircuitClosed";

    /// <summary>The first execution after the open wait moved the circuit to half-open (severity Warning); arguments: <see cref="FluxgateStateChangedArguments"/>.</summary>
    public const string CircuitHalfOpened = "OnCircuitHalfOpened";

    /// <summary>
    /// The breaker rejected an execution (severity Debug, so that an outage does not flood Information logs; Polly's metrics count
    /// every event whatever its severity); arguments: <see cref="FluxgateRejectedArguments"/>.
    /// </summary>
    public const string CircuitRejected = "OnCircuitRejected";
}

/// <summary>The arguments of a transition event reported by the Fluxgate strategy.</summary>
public readonly struct FluxgateStateChangedArguments
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="context">The context of the execution whose admission or outcome caused the transition.</param>
    /// <param name="circuitName">The breaker's name.</param>
    /// <param name="previousState">The state before.</param>
    /// <param name="state">The state entered.</param>
    public FluxgateStateChangedArguments(ResilienceContext context, string circuitName, Fluxgate.CircuitState previousState, Fluxgate.CircuitState state)
    {
        Context = context;
        CircuitName = circuitName;
        PreviousState = previousState;
        State = state;
    }

    /// <summary>Gets the context of the execution whose admission or outcome caused the transition.</summary>
    public ResilienceContext Context { get; }

    /// <summary>Gets the breaker's name.</summary>
    public string CircuitName { get; }

    /// <summary>Gets the state before the transition.</summary>
    public Fluxgate.CircuitState PreviousState { get; }

    /// <summary>Gets the state entered.</summary>
    public Fluxgate.CircuitState State { get; }

    /// <summary>Returns e.g. <c>payments: closed -&gt; open</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{CircuitName}: {Fluxgate.CircuitStateExtensions.ToWireName(PreviousState)} -> {Fluxgate.CircuitStateExtensions.ToWireName(State)}";
}

/// <summary>The arguments of a rejection event reported by the Fluxgate strategy.</summary>
public readonly struct FluxgateRejectedArguments
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="context">The context of the rejected execution.</param>
    /// <param name="circuitName">The breaker's name.</param>
    /// <param name="state">The state that rejected it.</param>
    /// <param name="retryAfter">The time until a probe may go through, when known.</param>
    public FluxgateRejectedArguments(ResilienceContext context, string circuitName, Fluxgate.CircuitState state, TimeSpan? retryAfter)
    {
        Context = context;
        CircuitName = circuitName;
        State = state;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets the context of the rejected execution.</summary>
    public ResilienceContext Context { get; }

    /// <summary>Gets the breaker's name.</summary>
    public string CircuitName { get; }

    /// <summary>Gets the state that rejected the execution.</summary>
    public Fluxgate.CircuitState State { get; }

    /// <summary>Gets the time until the breaker lets a probe through, when it is open with a known wait.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Returns e.g. <c>payments: rejected (open)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{CircuitName}: rejected ({Fluxgate.CircuitStateExtensions.ToWireName(State)})";
}
