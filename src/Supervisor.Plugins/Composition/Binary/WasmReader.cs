using System.Text;

namespace Supervisor.Plugins.Composition.Binary;

/// <summary>
/// Reads the binary grammar's primitives from <c>bytes[pos..end)</c>. Every read is bounded by the end, so a
/// truncated or lying binary gives a <see cref="FormatException"/> naming where, never an index exception.
/// </summary>
internal sealed class WasmReader(byte[] bytes, int pos, int end)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public int Pos { get; set; } = pos;

    /// <summary>A component's sections, after checking its preamble; <paramref name="what"/> names the binary in errors.</summary>
    public static List<Section> Sections(byte[] bytes, string what)
    {
        if (bytes.Length < 8 || !bytes.AsSpan(0, 8).SequenceEqual(Preamble.Component))
            throw new FormatException($"{what} is not a component binary (no component preamble)");
        var list = new List<Section>();
        var r = new WasmReader(bytes, 8, bytes.Length);
        while (r.Pos < bytes.Length)
        {
            var id = r.Byte();
            var size = r.U32();
            if (size > (uint)(bytes.Length - r.Pos)) throw new FormatException($"{what}: section {id} at byte {r.Pos} runs past the end");
            list.Add(new Section(id, r.Pos, r.Pos + (int)size));
            r.Pos += (int)size;
        }
        return list;
    }

    public byte Peek()
    {
        if (Pos >= end) throw new FormatException($"unexpected end of a section at byte {Pos}");
        return bytes[Pos];
    }

    public byte Byte()
    {
        if (Pos >= end) throw new FormatException($"unexpected end of a section at byte {Pos}");
        return bytes[Pos++];
    }

    /// <summary>A signed LEB128 of at most 32 bits.</summary>
    public int S32()
    {
        int result = 0, shift = 0;
        byte b;
        do
        {
            if (shift > 28) throw new FormatException($"LEB128 s32 too long at byte {Pos}");
            b = Byte();
            result |= (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return shift < 32 && (b & 0x40) != 0 ? result | (-1 << shift) : result;
    }

    public uint U32()
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Byte();
            if (shift == 28 && b > 0x0f) throw new FormatException($"LEB128 u32 out of range at byte {Pos - 1}");
            result |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new FormatException($"LEB128 u32 too long at byte {Pos}");
    }

    public ReadOnlySpan<byte> NameBytes()
    {
        var n = U32();
        if (n > (uint)(end - Pos)) throw new FormatException($"a name at byte {Pos} runs past its section");
        var span = bytes.AsSpan(Pos, (int)n);
        Pos += (int)n;
        return span;
    }

    public string Name()
    {
        var span = NameBytes();
        try
        {
            return StrictUtf8.GetString(span);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException($"a name before byte {Pos} is not UTF-8");
        }
    }

    /// <summary>An import or export name: its <see cref="ExternNameKind"/> byte and the name.</summary>
    public (byte Kind, string Name) ExternName()
    {
        var kind = Byte();
        if (kind is not (ExternNameKind.Plain or ExternNameKind.Legacy)) throw new FormatException($"unknown extern name encoding 0x{kind:x2} at byte {Pos - 1}");
        return (kind, Name());
    }

    public void ExpectEnd()
    {
        if (Pos != end) throw new FormatException($"a section has {end - Pos} unexpected trailing bytes");
    }
}
