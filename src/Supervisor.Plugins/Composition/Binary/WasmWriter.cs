using System.Text;

namespace Supervisor.Plugins.Composition.Binary;

/// <summary>
/// Writes the binary grammar: primitives, sections, and the entries the composers add. The composers add their
/// items one section of one entry at a time (<see cref="Section(byte, Action{WasmWriter})"/>), so each new item's
/// index is simply the next in its space.
/// </summary>
internal sealed class WasmWriter
{
    private readonly MemoryStream _stream = new();

    public void Byte(byte b) => _stream.WriteByte(b);

    public void Bytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    /// <summary>Writes <paramref name="v"/> and returns it (to copy a count while reading it).</summary>
    public uint CopyU32(uint v)
    {
        U32(v);
        return v;
    }

    public void U32(uint v)
    {
        do
        {
            var b = (byte)(v & 0x7f);
            v >>= 7;
            if (v != 0) b |= 0x80;
            _stream.WriteByte(b);
        } while (v != 0);
    }

    public void Name(string name) => NameBytes(Encoding.UTF8.GetBytes(name));

    public void NameBytes(ReadOnlySpan<byte> bytes)
    {
        U32((uint)bytes.Length);
        Bytes(bytes);
    }

    public void Section(byte id, ReadOnlySpan<byte> contents)
    {
        Byte(id);
        U32((uint)contents.Length);
        Bytes(contents);
    }

    /// <summary>A section holding one entry, which <paramref name="entry"/> writes.</summary>
    public void Section(byte id, Action<WasmWriter> entry) => Section(id, Entries(1, entry));

    /// <summary>A section's contents: <paramref name="count"/> entries, all of which <paramref name="entries"/> writes.</summary>
    public static byte[] Entries(uint count, Action<WasmWriter> entries)
    {
        var w = new WasmWriter();
        w.U32(count);
        entries(w);
        return w.ToArray();
    }

    /// <summary>An import, or the start of an export: name, sort, and the index (for an import, of its type).</summary>
    public void Extern(string name, byte sort, uint index, byte nameKind = ExternNameKind.Plain)
    {
        Byte(nameKind);
        Name(name);
        Byte(sort);
        U32(index);
    }

    /// <summary>An export, ascribed a type when <paramref name="ascribed"/> is given.</summary>
    public void Export(string name, byte sort, uint index, byte nameKind = ExternNameKind.Plain, (byte Sort, uint Type)? ascribed = null)
    {
        Extern(name, sort, index, nameKind);
        if (ascribed is not { } type)
        {
            Byte(Flag.Absent);
            return;
        }
        Byte(Flag.Present);
        Byte(type.Sort);
        U32(type.Type);
    }

    /// <summary>An alias of an instance's export (<paramref name="sort"/> a component sort) or a core instance's (<paramref name="coreSort"/> given).</summary>
    public void Alias(byte sort, uint instance, string name, byte? coreSort = null)
    {
        Byte(sort);
        if (coreSort is { } core) Byte(core);
        Byte(coreSort is null ? AliasTarget.Export : AliasTarget.CoreExport);
        U32(instance);
        Name(name);
    }

    /// <summary>An instantiation of a component or core module; a core one's arguments are all core instances.</summary>
    public void Instantiate(uint module, IReadOnlyCollection<(string Name, byte Sort, uint Index)> args) =>
        Items(InstanceExpr.Instantiate, module, args);

    /// <summary>A core instance made of the given exports.</summary>
    public void CoreExports(IReadOnlyCollection<(string Name, byte Sort, uint Index)> exports) =>
        Items(InstanceExpr.Exports, null, exports);

    private void Items(byte form, uint? module, IReadOnlyCollection<(string Name, byte Sort, uint Index)> items)
    {
        Byte(form);
        if (module is { } m) U32(m);
        U32((uint)items.Count);
        foreach (var (name, sort, index) in items)
        {
            Name(name);
            Byte(sort);
            U32(index);
        }
    }

    public byte[] ToArray() => _stream.ToArray();
}
