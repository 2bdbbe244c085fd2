using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// The last bytes a guest wrote to an output stream, bounded (a flood costs nothing beyond <see cref="Capacity"/>):
/// what a plugin printed before it trapped (a JavaScript engine prints the uncaught error there).
/// </summary>
internal sealed class OutputTail(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];
    private readonly object _gate = new();
    private int _start;
    private int _length;

    public int Capacity => _buffer.Length;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (bytes.Length >= _buffer.Length)
            {
                bytes[^_buffer.Length..].CopyTo(_buffer);
                _start = 0;
                _length = _buffer.Length;
                return;
            }
            foreach (var b in bytes)
            {
                _buffer[(_start + _length) % _buffer.Length] = b;
                if (_length < _buffer.Length) _length++;
                else _start = (_start + 1) % _buffer.Length;
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _start = 0;
            _length = 0;
        }
    }

    /// <summary>The tail as one line of text: invalid UTF-8 replaced, control characters as spaces, trimmed; null when empty.</summary>
    public string? Text()
    {
        byte[] copy;
        lock (_gate)
        {
            copy = new byte[_length];
            for (var i = 0; i < _length; i++) copy[i] = _buffer[(_start + i) % _buffer.Length];
        }
        var text = new StringBuilder(Encoding.UTF8.GetString(copy));
        for (var i = 0; i < text.Length; i++)
            if (char.IsControl(text[i])) text[i] = ' ';
        var line = string.Join(' ', text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return line.Length == 0 ? null : line;
    }
}
