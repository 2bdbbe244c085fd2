namespace Supervisor.Cli;

/// <summary>A read-only stream whose first bytes can be looked at before they are read (to tell an archive's format).</summary>
internal sealed class PeekableStream(Stream inner) : ForwardOnlyStream
{
    private byte[] _head = [];
    private int _served;
    private bool _peeked;

    /// <summary>Up to <paramref name="count"/> bytes from the start, without consuming them.</summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        if (!_peeked)
        {
            var buffer = new byte[count];
            var n = 0;
            int read;
            while (n < count && (read = inner.Read(buffer, n, count - n)) > 0) n += read;
            _head = buffer[..n];
            _peeked = true;
        }
        return _head;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_served < _head.Length)
        {
            var n = Math.Min(count, _head.Length - _served);
            Array.Copy(_head, _served, buffer, offset, n);
            _served += n;
            return n;
        }
        return inner.Read(buffer, offset, count);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
