namespace Supervisor.Cli;

/// <summary>
/// A status line on a terminal's stderr for work that may take a while (compiling a large plugin): shown only
/// when the work is still running after a short delay, and erased when it ends. Nothing is written when stderr
/// is not a terminal. <see cref="Update"/> replaces the text in place (a progress count).
/// </summary>
internal sealed class StatusLine : IDisposable
{
    private static readonly TimeSpan DefaultDelay = TimeSpan.FromMilliseconds(300);
    private readonly CliConsole _console;
    private readonly Timer? _timer;
    private readonly object _gate = new();
    private bool _shown;
    private bool _done;
    private string _text;

    public StatusLine(CliConsole console, string text)
    {
        _console = console;
        _text = text;
        if (!console.ErrorIsTerminal) return;
        var delay = console.StatusDelay ?? DefaultDelay;
        if (delay <= TimeSpan.Zero)
        {
            Show();
            _timer = new Timer(_ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        _timer = new Timer(_ => Show(), null, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Replaces the text: rewritten in place when the line is shown, used when it is shown later.</summary>
    public void Update(string text)
    {
        if (_timer is null) return;
        lock (_gate)
        {
            _text = text;
            if (!_shown || _done) return;
            _console.Error.Write("\r\u001b[K" + text);
            _console.Error.Flush();
        }
    }

    private void Show()
    {
        lock (_gate)
        {
            if (_done) return;
            _console.Error.Write(_text);
            _console.Error.Flush();
            _shown = true;
        }
    }

    public void Dispose()
    {
        if (_timer is null) return;
        _timer.Dispose();
        lock (_gate)
        {
            _done = true;
            if (!_shown) return;
            _console.Error.Write("\r\u001b[K");
            _console.Error.Flush();
        }
    }
}
