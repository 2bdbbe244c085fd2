namespace Supervisor.Cli.Storage;

/// <summary>A stream that counts the bytes and line ends read or written through it for a <see cref="Progress"/>.</summary>
internal sealed class CountingStream(Stream inner, Progress progress, string? afterRewind) : Stream
{
    private long _lines;
    private long _bytes;

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set
        {
            inner.Position = value;
            Rewound();
        }
    }

    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Count(buffer[..n]);
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var p = inner.Seek(offset, origin);
        Rewound();
        return p;
    }

    public override void SetLength(long value) => inner.SetLength(value);
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        Count(buffer);
    }

    public override void WriteByte(byte value)
    {
        inner.WriteByte(value);
        Count([value]);
    }

    private void Count(ReadOnlySpan<byte> data)
    {
        _bytes += data.Length;
        _lines += data.Count((byte)'\n');
        progress.Report(_lines, _bytes);
    }

    private void Rewound()
    {
        _lines = _bytes = 0;
        if (afterRewind is not null) progress.Phase(afterRewind);
    }
}
