using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Fluxgate.Tests.Support;

/// <summary>An <see cref="ILoggerProvider"/> plugged into a real <see cref="LoggerFactory"/> that keeps every entry, with its structured state.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> State, Exception? Exception)
    {
        /// <summary>When the entry was logged, on the real clock: a failed test's report says how far apart its entries were.</summary>
        public DateTimeOffset LoggedAt { get; } = TimeProvider.System.GetUtcNow();
    }

    private sealed class Logger(string category, CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs ? pairs.ToDictionary(p => p.Key, p => p.Value) : [];
            provider.Entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), fields, exception));
        }
    }
}
