using Microsoft.Extensions.Logging;

namespace Fluxgate.Logging;

/// <summary>Source-generated log methods: structured, and free when the level is disabled.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "CircuitBreakerTransitioned", Message = "Circuit Breaker '{CircuitName}' transitioned from {OldState} to {NewState}")]
    public static partial void Transitioned(ILogger logger, LogLevel level, string circuitName, string oldState, string newState);

    [LoggerMessage(EventId = 2, EventName = "CircuitBreakerListenerFailed", Level = LogLevel.Error, Message = "Listener {Listener} of Circuit Breaker '{CircuitName}' failed on the transition from {OldState} to {NewState}")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, string listener, string circuitName, string oldState, string newState);

    [LoggerMessage(EventId = 3, EventName = "CircuitBreakerComponentFailed", Level = LogLevel.Error, Message = "{Operation} of {Component} in Circuit Breaker '{CircuitName}' threw; {Consequence}")]
    public static partial void ComponentFailed(ILogger logger, Exception exception, string operation, string component, string circuitName, string consequence);
}
