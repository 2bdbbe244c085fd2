using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Supervisor.Samples.Tests;

/// <summary>Keeps every log line the app writes, with its category and level.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    /// <summary>The lines logged so far.</summary>
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Lines.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
