using System.Text;

namespace Supervisor.Cli;

/// <summary>
/// Standard input (a <see cref="TextReader"/>) as a UTF-8 stream that cannot seek, read as it comes: an import spools
/// it itself, with its own caps (the longest valid line, the largest LocalStorage dump), instead of the CLI copying
/// everything first.
/// </summary>
internal sealed class TextReaderStream(TextReader reader) : ForwardOnlyStream
{
    private readonly Encoder _encoder = new UTF8Encoding(false).GetEncoder();
    private readonly char[] _chars = new char[16384];
    private readonly byte[] _pending = new byte[new UTF8Encoding(false).GetMaxByteCount(16384) + 8];
    private int _pendingStart;
    private int _pendingLength;
    private bool _ended;

    public override int Read(byte[] buffer, int offset, int count)
    {
        while (_pendingLength == 0)
        {
            if (_ended) return 0;
            var n = reader.Read(_chars, 0, _chars.Length);
            _ended = n == 0;
            _pendingLength = _encoder.GetBytes(_chars, 0, n, _pending, 0, flush: _ended);
            _pendingStart = 0;
        }
        var taken = Math.Min(count, _pendingLength);
        Array.Copy(_pending, _pendingStart, buffer, offset, taken);
        _pendingStart += taken;
        _pendingLength -= taken;
        return taken;
    }
}
