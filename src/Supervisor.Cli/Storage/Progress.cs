using System.Diagnostics;
using System.Globalization;
using Supervisor.Storage.Sync;

namespace Supervisor.Cli.Storage;

/// <summary>
/// The progress of export, import and clone on a <see cref="StatusLine"/> (stderr, only when it is a terminal):
/// the phase, the records so far (archive lines; bytes for the LocalStorage format) and the rate. The streams it
/// watches are counted as they are read or written; on a pipe nothing is watched and nothing is written.
/// </summary>
internal sealed class Progress : IDisposable
{
    private readonly StatusLine? _line;
    private readonly bool _lines;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string _phase;
    private TimeSpan _phaseStart;
    private long _lastShown = long.MinValue;

    public Progress(CliConsole console, string phase, ArchiveFormat format)
    {
        _phase = phase;
        _lines = format == ArchiveFormat.JsonLines;
        if (console.ErrorIsTerminal) _line = new StatusLine(console, Text(0));
    }

    /// <summary><paramref name="stream"/>, counted when a progress line is shown; with <paramref name="first"/>, the
    /// phase becomes <paramref name="first"/> and, when the stream is rewound (import reads twice), <paramref name="afterRewind"/>.</summary>
    public Stream Watch(Stream stream, string? first = null, string? afterRewind = null)
    {
        if (_line is null) return stream;
        if (first is not null) Phase(first);
        return new CountingStream(stream, this, afterRewind);
    }

    public void Phase(string phase)
    {
        _phase = phase;
        _phaseStart = _clock.Elapsed;
        _lastShown = long.MinValue;
    }

    /// <summary>Shows the count at most ten times a second.</summary>
    public void Report(long lines, long bytes)
    {
        if (_line is null) return;
        var now = _clock.ElapsedMilliseconds;
        if (now - _lastShown < 100) return;
        _lastShown = now;
        _line.Update(Text(_lines ? Math.Max(0, lines - 1) : bytes));
    }

    /// <summary>Shows the final count and returns it.</summary>
    public long Done(long records)
    {
        _line?.Update(Text(records, records: true));
        return records;
    }

    private string Text(long n, bool records = false)
    {
        var seconds = Math.Max((_clock.Elapsed - _phaseStart).TotalSeconds, 0.001);
        var unit = records || _lines ? "records" : "bytes";
        return $"{_phase}: {n.ToString("N0", CultureInfo.InvariantCulture)} {unit} ({(n / seconds).ToString("N0", CultureInfo.InvariantCulture)} {unit}/s)";
    }

    public void Dispose() => _line?.Dispose();
}
