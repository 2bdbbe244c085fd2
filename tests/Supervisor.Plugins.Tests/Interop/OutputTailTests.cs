using System.Text;
using Supervisor.Plugins.Interop;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Interop;

/// <summary>What a plugin prints on stderr is kept bounded and shown as one clean line, whatever it writes.</summary>
public sealed class OutputTailTests
{
    [Fact, Rule("PDP-ERR-3")]
    public void AFlood_KeepsOnlyTheLastBytes_InOneWriteOrMany()
    {
        var tail = new OutputTail(16);
        tail.Write(new byte[10_000_000]);
        tail.Write(Encoding.UTF8.GetBytes("the end"));
        Assert.True(tail.Text()!.Length <= 16, tail.Text());
        Assert.EndsWith("the end", tail.Text());

        var many = new OutputTail(8);
        foreach (var b in Encoding.UTF8.GetBytes("0123456789abcdef")) many.Write([b]);
        Assert.Equal("89abcdef", many.Text());
        many.Clear();
        Assert.Null(many.Text());
    }

    [Fact, Rule("PDP-ERR-3")]
    public void BadUtf8AndControlCharacters_BecomeOneCleanLine()
    {
        var tail = new OutputTail(64);
        tail.Write([0x62, 0x61, 0x64, 0xFF, 0xFE, 0x0A, 0x1B, 0x5B, 0x32, 0x4A, 0x09, 0x6F, 0x6B, 0x0D, 0x0A]);
        Assert.Equal("bad\uFFFD\uFFFD [2J ok", tail.Text());
    }
}
