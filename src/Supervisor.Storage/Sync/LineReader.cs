using System.Text;

namespace Supervisor.Storage.Sync;

/// <summary>
/// Reads UTF-8 text a line at a time, refusing a line longer than a cap after reading no more than the cap (a single
/// gigabyte line must not take gigabytes), and naming the line and the column of bytes that are not UTF-8.
/// </summary>
internal sealed class LineReader(Stream source, int maxBytes)
{
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    private readonly byte[] _buffer = new byte[65536];
    private readonly MemoryStream _line = new();
    private int _position;
    private int _length;

    /// <summary>The number of the line last returned, or refused (1-based).</summary>
    public long LineNumber { get; private set; }

    /// <summary>The next line without its end (<c>\n</c> or <c>\r\n</c>), or null at the end.</summary>
    /// <exception cref="FormatException">The line is longer than the cap, or holds bytes that are not UTF-8; the message says which.</exception>
    public string? ReadLine()
    {
        _line.SetLength(0);
        var any = false;
        while (true)
        {
            if (_position == _length)
            {
                _length = source.Read(_buffer, 0, _buffer.Length);
                _position = 0;
                if (_length == 0) return any ? Decode() : null;
            }
            any = true;
            var newline = Array.IndexOf(_buffer, (byte)'\n', _position, _length - _position);
            var end = newline < 0 ? _length : newline;
            if (_line.Length + (end - _position) > maxBytes)
            {
                LineNumber++;
                throw new FormatException(TooLong(maxBytes));
            }
            _line.Write(_buffer, _position, end - _position);
            if (newline < 0)
            {
                _position = _length;
                continue;
            }
            _position = newline + 1;
            return Decode();
        }
    }

    /// <summary>
    /// Copies <paramref name="from"/> to <paramref name="to"/> (a spool), stopping as soon as a line is longer than
    /// <paramref name="maxBytes"/>: a spool never takes an endless line. Returns that line's number, or null.
    /// </summary>
    public static long? CopyCapped(Stream from, Stream to, int maxBytes)
    {
        var buffer = new byte[65536];
        long run = 0;
        long line = 1;
        int n;
        while ((n = from.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            while (true)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, n - start);
                run += (newline < 0 ? n : newline) - start;
                if (run > maxBytes) return line;
                if (newline < 0) break;
                run = 0;
                line++;
                start = newline + 1;
            }
            to.Write(buffer, 0, n);
        }
        return null;
    }

    /// <summary>Why a line was refused for its length.</summary>
    public static string TooLong(int maxBytes) => $"is longer than {maxBytes} bytes, the longest a valid line can be";

    private string Decode()
    {
        LineNumber++;
        var bytes = _line.GetBuffer().AsSpan(0, (int)_line.Length);
        if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            var shown = e.BytesUnknown is { Length: > 0 } b ? string.Join(' ', b.Select(x => $"0x{x:X2}")) : "a byte";
            throw new FormatException($"holds {shown} at byte {e.Index + 1}, which is not UTF-8");
        }
    }
}
