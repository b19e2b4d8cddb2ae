using Microsoft.Extensions.Logging;

namespace Fluxgate.DependencyInjection;

/// <summary>The registry's and the start-up check's log entries, in category <c>Fluxgate.CircuitBreaker</c>.</summary>
internal static partial class Log
{
    public const string Category = "Fluxgate.CircuitBreaker";

    [LoggerMessage(EventId = 10, EventName = "CircuitBreakerReconfigured", Level = LogLevel.Information, Message = "Circuit Breaker '{CircuitName}' was reconfigured; its state and counters are kept")]
    public static partial void Reconfigured(ILogger logger, string circuitName);

    [LoggerMessage(EventId = 11, EventName = "CircuitBreakerReconfigureFailed", Level = LogLevel.Error, Message = "Circuit Breaker '{CircuitName}' keeps its settings: the new configuration is invalid")]
    public static partial void ReconfigureFailed(ILogger logger, Exception exception, string circuitName);

    [LoggerMessage(EventId = 12, EventName = "CircuitBreakerEvictionCallbackFailed", Level = LogLevel.Warning, Message = "A handler of the registry's BreakerAdded or BreakerRemoved event failed for Circuit Breaker '{CircuitName}'")]
    public static partial void EvictionCallbackFailed(ILogger logger, Exception exception, string circuitName);

    [LoggerMessage(EventId = 20, EventName = "FluxgateSectionMissing", Level = LogLevel.Warning, Message = "The configuration section '{Path}' given to AddCircuitBreakers is missing or empty: no circuit breaker is configured from it and every breaker runs on the options given in code. Check the section's name (usually 'Fluxgate')")]
    public static partial void SectionMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 21, EventName = "FluxgateSectionUnknownKey", Level = LogLevel.Warning, Message = "The configuration section '{Path}' has a key '{Key}' that Fluxgate does not read; its keys are 'Breakers' (and 'Fleet', read by Fluxgate.Redis){Hint}")]
    public static partial void UnknownSectionKey(ILogger logger, string path, string key, string hint);

    [LoggerMessage(EventId = 22, EventName = "CircuitBreakerNotConfigured", Level = LogLevel.Warning, Message = "Circuit Breaker '{CircuitName}' ({Source}) has no section under {Sections}; it runs on the options given in code. Configured breakers: {Configured}")]
    public static partial void NotConfigured(ILogger logger, string circuitName, string source, string sections, string configured);
}
