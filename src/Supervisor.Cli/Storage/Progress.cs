using System.Diagnostics;
using System.Globalization;
using Supervisor.Storage.Sync;

namespace Supervisor.Cli.Storage;

/// <summary>
/// The progress of export, import and clone on a <see cref="StatusLine"/> (stderr, only when it is a terminal): the
/// phase, the records so far and the rate, as the archive API reports them (<see cref="ArchiveProgress"/>). On a pipe
/// <see cref="Listener"/> is null, so the archive API reports nothing and nothing is written.
/// </summary>
internal sealed class Progress : IProgress<ArchiveProgress>, IDisposable
{
    private readonly StatusLine? _line;
    private readonly Func<ArchivePhase, string> _name;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ArchivePhase _phase;
    private TimeSpan _phaseStart;
    private long _lastShown = long.MinValue;

    /// <summary>A progress line that starts in <paramref name="first"/>; <paramref name="name"/> says each phase as the command does.</summary>
    public Progress(CliConsole console, ArchivePhase first, Func<ArchivePhase, string> name)
    {
        _name = name;
        _phase = first;
        if (console.ErrorIsTerminal) _line = new StatusLine(console, Text(0));
    }

    /// <summary>What to hand the archive API: this on a terminal, else null (no reports at all).</summary>
    public IProgress<ArchiveProgress>? Listener => _line is null ? null : this;

    /// <summary>Shows the count at most ten times a second, and at once when a new phase starts.</summary>
    public void Report(ArchiveProgress value)
    {
        if (_line is null) return;
        if (value.Phase != _phase)
        {
            _phase = value.Phase;
            _phaseStart = _clock.Elapsed;
            _lastShown = long.MinValue;
        }
        var now = _clock.ElapsedMilliseconds;
        if (now - _lastShown < 100) return;
        _lastShown = now;
        _line.Update(Text(value.Records));
    }

    /// <summary>Shows the final count and returns it.</summary>
    public long Done(long records)
    {
        _line?.Update(Text(records));
        return records;
    }

    private string Text(long n)
    {
        var seconds = Math.Max((_clock.Elapsed - _phaseStart).TotalSeconds, 0.001);
        return $"{_name(_phase)}: {n.ToString("N0", CultureInfo.InvariantCulture)} records ({(n / seconds).ToString("N0", CultureInfo.InvariantCulture)} records/s)";
    }

    /// <inheritdoc />
    public void Dispose() => _line?.Dispose();
}
