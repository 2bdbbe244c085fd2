using System.Text;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

/// <summary>The capped, strict line reader and the capped spool under the archive import, at their boundaries.</summary>
public sealed class LineReaderTests
{
    private static List<string> ReadAll(byte[] bytes, int max)
    {
        var reader = new LineReader(new MemoryStream(bytes), max);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
            Assert.Equal(lines.Count, reader.LineNumber);
        }
        return lines;
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void Lines_EndWithNewlineOrCrlf_EmptyOnesIncluded_AndTheLastNeedsNoEnd()
    {
        Assert.Equal(["", "a", "b", "", "c"], ReadAll(Encoding.UTF8.GetBytes("\na\r\nb\n\nc"), 10));
        Assert.Equal(["x"], ReadAll(Encoding.UTF8.GetBytes("x\n"), 10));
        Assert.Empty(ReadAll([], 10));
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void ALineOfExactlyTheCap_IsRead_AndOneByteMoreIsRefusedWithItsLine()
    {
        Assert.Equal([new string('a', 100), "b"], ReadAll(Encoding.UTF8.GetBytes(new string('a', 100) + "\nb\n"), 100));

        var reader = new LineReader(new MemoryStream(Encoding.UTF8.GetBytes("ok\n" + new string('a', 101) + "\n")), 100);
        Assert.Equal("ok", reader.ReadLine());
        var e = Assert.Throws<FormatException>(() => reader.ReadLine());
        Assert.Contains("longer than 100 bytes", e.Message);
        Assert.Equal(2, reader.LineNumber);
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void ALineAcrossReadBuffers_IsWhole()
    {
        var long1 = new string('x', 70_000);
        var long2 = new string('y', 140_000);
        Assert.Equal([long1, long2, "z"], ReadAll(Encoding.UTF8.GetBytes($"{long1}\n{long2}\nz"), 200_000));
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void ABadByte_IsNamedWithItsPlaceInTheLine()
    {
        var bytes = Encoding.UTF8.GetBytes("ok\nabc?\n");
        bytes[6] = 0xFE;
        var reader = new LineReader(new MemoryStream(bytes), 100);
        reader.ReadLine();
        var e = Assert.Throws<FormatException>(() => reader.ReadLine());
        Assert.Equal("holds 0xFE at byte 4, which is not UTF-8", e.Message);
        Assert.Equal(2, reader.LineNumber);
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void TheSpool_TakesLinesUpToTheCap_AndNamesTheFirstLineBeyondIt()
    {
        var fine = Encoding.UTF8.GetBytes("\n" + new string('a', 100) + "\n" + new string('b', 70_000).Replace("b", "b") + "\n");
        using (var copy = new MemoryStream())
        {
            Assert.Null(LineReader.CopyCapped(new MemoryStream(fine), copy, 70_000));
            Assert.Equal(fine, copy.ToArray());
        }
        var tooLong = Encoding.UTF8.GetBytes("a\nb\n" + new string('c', 70_001) + "\n");
        Assert.Equal(3, LineReader.CopyCapped(new MemoryStream(tooLong), Stream.Null, 70_000));
        Assert.Equal(1, LineReader.CopyCapped(new MemoryStream(Encoding.UTF8.GetBytes(new string('d', 11))), Stream.Null, 10));
    }
}
