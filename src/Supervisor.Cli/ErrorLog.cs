using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Supervisor.Cli;

/// <summary>
/// The host's log as the CLI shows it: errors (host faults: a store that failed under a plugin, say) as
/// <c>log: ...</c> lines on standard error, with their cause's message and no stack trace, and any password in a
/// URI masked. An error the plugin saw only as "the host failed" is explained here.
/// </summary>
internal sealed partial class ErrorLog(TextWriter error) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var text = formatter(state, exception);
        for (var e = exception; e is not null; e = e.InnerException) text += $": {e.Message.Split('\n')[0]}";
        lock (error) error.WriteLine($"log: {Scrub(text)}");
    }

    /// <summary>Masks the password of every <c>scheme://user:password@host</c> in <paramref name="text"/>.</summary>
    internal static string Scrub(string text) => Credentials().Replace(text, "://$1:***@");

    [GeneratedRegex(@"://([^:/@\s]*):[^@\s]*@")]
    private static partial Regex Credentials();

    public void Dispose()
    {
    }
}
