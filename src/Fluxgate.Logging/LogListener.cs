using Microsoft.Extensions.Logging;

namespace Fluxgate.Logging;

/// <summary>
/// A listener that writes one structured log entry per transition:
/// <c>Circuit Breaker '{CircuitName}' transitioned from {OldState} to {NewState}</c>, with wire names
/// (<c>closed</c>, <c>half_open</c>, …). It also logs, as errors, the failures of the breaker's other listeners and
/// of its parts (a custom tripper that throws, say).
/// </summary>
/// <remarks>
/// A sync listener with no I/O of its own: the entry is written before the call that caused the
/// transition returns. Default levels: <see cref="LogLevel.Warning"/> for →open and →forced_open,
/// <see cref="LogLevel.Information"/> otherwise; override them per state. One instance may serve many breakers.
/// </remarks>
public sealed class LogListener : ICircuitBreakerListener
{
    private readonly ILogger _logger;
    private readonly LogLevel[] _levels =
    [
        LogLevel.Information, // closed
        LogLevel.Warning,     // open
        LogLevel.Information, // half_open
        LogLevel.Information, // metrics_only
        LogLevel.Information, // disabled
        LogLevel.Warning,     // forced_open
    ];

    /// <summary>Creates a listener that logs to <paramref name="logger"/> with the default levels.</summary>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentNullException"><paramref name="logger"/> is <see langword="null"/>.</exception>
    public LogListener(ILogger logger)
        : this(logger, null)
    {
    }

    /// <summary>Creates a listener that logs to <paramref name="logger"/>, with a level per new state overriding the defaults.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="levels">The level to log a transition into each state with; states not listed keep their default.</param>
    /// <exception cref="ArgumentNullException"><paramref name="logger"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="levels"/> names an undefined state or level.</exception>
    public LogListener(ILogger logger, IReadOnlyDictionary<CircuitState, LogLevel>? levels)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        foreach (var (state, level) in levels ?? new Dictionary<CircuitState, LogLevel>())
        {
            if (!Enum.IsDefined(state))
            {
                throw new ArgumentOutOfRangeException(nameof(levels), state, "Every key must be a defined CircuitState.");
            }

            if (!Enum.IsDefined(level))
            {
                throw new ArgumentOutOfRangeException(nameof(levels), level, $"The level for {state.ToWireName()} must be a defined LogLevel (Trace to None).");
            }

            _levels[(int)state] = level;
        }
    }

    /// <summary>Gets the level a transition into <paramref name="state"/> is logged with.</summary>
    /// <param name="state">The new state.</param>
    /// <returns>The level.</returns>
    public LogLevel LevelFor(CircuitState state) => _levels[(int)state];

    /// <inheritdoc/>
    public void OnStateChanged(Signal signal)
    {
        var level = _levels[(int)signal.NewState];
        if (_logger.IsEnabled(level))
        {
            var (oldState, newState) = (signal.OldState.ToWireName(), signal.NewState.ToWireName());
            Log.Transitioned(_logger, level, signal.CircuitName, oldState, newState);
        }
    }

    /// <summary>Logs a failure the breaker contained, at Error: a listener's (with the transition it was handling), or a part's (with what the breaker did instead).</summary>
    /// <param name="failure">The failure.</param>
    public void OnFailure(CircuitBreakerFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (!_logger.IsEnabled(LogLevel.Error))
        {
            return;
        }

        var type = failure.Source.GetType();
        if (failure.Signal is { } signal)
        {
            Log.ListenerFailed(_logger, failure.Exception, type.FullName ?? type.Name, failure.CircuitName, signal.OldState.ToWireName(), signal.NewState.ToWireName());
        }
        else
        {
            Log.ComponentFailed(_logger, failure.Exception, failure.Operation, type.FullName ?? type.Name, failure.CircuitName, failure.Consequence);
        }
    }
}
