using System.Text;

namespace Supervisor.Plugins.Composition;

/// <summary>What <see cref="ComponentComposer.Compose"/> did.</summary>
internal enum CompositionStatus
{
    /// <summary>The plugin is nested beside the adapter; <see cref="CompositionResult.Bytes"/> is the outer component.</summary>
    Composed,
    /// <summary>The plugin imports nothing the adapter carries; the bytes are unchanged.</summary>
    NothingToAdapt,
    /// <summary>The composer does not recognize the component's shape; the bytes are unchanged (see the reason).</summary>
    Unrecognized,
}

/// <summary>
/// The result of composing: the bytes to compile, and for a composed component the host interfaces that replace
/// the plugin's own imports (<c>clientdata:plugin/keyvalue</c> -> <c>supervisor:adapter/clientdata</c>) and a
/// types-only component with the plugin's original imports (for the import check and descriptions).
/// </summary>
internal sealed record CompositionResult(CompositionStatus Status, byte[] Bytes, string? Reason,
    IReadOnlyDictionary<string, string> Replaced, byte[]? OriginalImportsComponent)
{
    public bool IsComposed => Status == CompositionStatus.Composed;

    /// <summary>The plugin's own bytes (the same array as <see cref="Bytes"/> unless composed).</summary>
    public byte[] Original { get; init; } = Bytes;

    public static CompositionResult Unchanged(CompositionStatus status, byte[] bytes, string reason) =>
        new(status, bytes, reason, new Dictionary<string, string>(), null);
}

/// <summary>
/// Composes an unmodified plugin component with the byte adapter at load time, by nesting: the outer component
/// copies the plugin's leading type, import and alias sections (so every type index the imports use stays the
/// same) minus the import the adapter replaces, imports the adapter's host interface, holds the adapter and the
/// plugin as nested components (the plugin byte for byte), instantiates both and re-exports the plugin's exports.
/// Only section boundaries, LEB128, the plugin's import entries, alias entries and export entries are parsed;
/// anything unexpected gives <see cref="CompositionStatus.Unrecognized"/> with the reason, never an exception
/// (Wasmtime validates whatever is composed).
/// </summary>
internal static class ComponentComposer
{
    /// <summary>Bumped whenever the composer's output changes for the same inputs.</summary>
    public const string Version = "1";

    /// <summary>The interface names reserved for the adapters' host side.</summary>
    public const string AdapterInterfacePrefix = "supervisor:adapter/";

    public const string ClientData = "clientdata:plugin/keyvalue";
    public const string ClientDataHost = "supervisor:adapter/clientdata";

    private static readonly byte[] Preamble = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

    private const byte SecCustom = 0, SecCoreModule = 1, SecComponent = 4, SecInstance = 5, SecAlias = 6, SecType = 7, SecImport = 10, SecExport = 11;
    private const byte SortFunc = 0x01, SortValue = 0x02, SortType = 0x03, SortComponent = 0x04, SortInstance = 0x05;

    /// <summary>Composes <paramref name="plugin"/> with the clientdata adapter (<paramref name="adapter"/>: the adapter component's binary).</summary>
    public static CompositionResult Compose(byte[] plugin, byte[] adapter)
    {
        try
        {
            return ComposeCore(plugin, adapter);
        }
        catch (FormatException e)
        {
            return CompositionResult.Unchanged(CompositionStatus.Unrecognized, plugin, e.Message);
        }
    }

    private sealed class Import
    {
        public required string Name;
        public required byte NameKind;
        public required byte Sort; // externdesc sort
        public required uint Index; // index in its sort's space, in the plugin
    }

    private static CompositionResult ComposeCore(byte[] plugin, byte[] adapter)
    {
        var sections = Sections(plugin, "the plugin");
        // The prefix: leading custom, type, import and alias sections.
        var prefixEnd = 0;
        while (prefixEnd < sections.Count && sections[prefixEnd].Id is SecCustom or SecType or SecImport or SecAlias) prefixEnd++;
        for (var s = prefixEnd; s < sections.Count; s++)
            if (sections[s].Id == SecImport)
                return Unrecognized(plugin, "an import section follows other definitions (imports must lead the component)");

        uint types = 0, instances = 0, funcs = 0, components = 0;
        var imports = new List<Import>();
        for (var s = 0; s < prefixEnd; s++)
        {
            var sec = sections[s];
            var r = new Reader(plugin, sec.Start, sec.End);
            switch (sec.Id)
            {
                case SecType:
                    types += r.U32();
                    break;
                case SecImport:
                {
                    var n = r.U32();
                    for (var i = 0; i < n; i++)
                    {
                        var start = r.Pos;
                        var (kind, name) = r.ExternName();
                        var sort = r.Byte();
                        uint index;
                        switch (sort)
                        {
                            case SortFunc: r.U32(); index = funcs++; break;
                            case SortInstance: r.U32(); index = instances++; break;
                            case SortComponent: r.U32(); index = components++; break;
                            case SortType:
                                var bound = r.Byte();
                                if (bound == 0x00) r.U32();
                                else if (bound != 0x01) throw new FormatException($"import \"{name}\": unknown type bound 0x{bound:x2}");
                                index = types++;
                                break;
                            default:
                                throw new FormatException($"import \"{name}\" is of a kind the composer does not handle (0x{sort:x2})");
                        }
                        imports.Add(new Import { Name = name, NameKind = kind, Sort = sort, Index = index });
                    }
                    r.ExpectEnd();
                    break;
                }
                case SecAlias:
                {
                    var n = r.U32();
                    for (var i = 0; i < n; i++)
                    {
                        var sort = r.Byte();
                        if (sort == 0x00) r.Byte(); // core sort: counts in core spaces, which the outer never uses
                        var target = r.Byte();
                        switch (target)
                        {
                            case 0x00: r.U32(); r.Name(); break;
                            case 0x01: r.U32(); r.Name(); break;
                            case 0x02: r.U32(); r.U32(); break;
                            default: throw new FormatException($"unknown alias target 0x{target:x2}");
                        }
                        switch (sort)
                        {
                            case SortFunc: funcs++; break;
                            case SortType: types++; break;
                            case SortInstance: instances++; break;
                            case SortComponent: components++; break;
                            case 0x00: break;
                            default: throw new FormatException($"an alias of a kind the composer does not handle (0x{sort:x2})");
                        }
                    }
                    r.ExpectEnd();
                    break;
                }
            }
        }

        if (imports.Any(i => i.Name.StartsWith(AdapterInterfacePrefix, StringComparison.Ordinal)))
            return Unrecognized(plugin, $"the plugin imports the supervisor's own adapter interface ({AdapterInterfacePrefix}*)");
        var replaced = imports.FirstOrDefault(i => i.Name == ClientData);
        if (replaced is null)
            return CompositionResult.Unchanged(CompositionStatus.NothingToAdapt, plugin, $"the plugin does not import {ClientData}");
        if (replaced.Sort != SortInstance)
            return Unrecognized(plugin, $"{ClientData} is imported as something other than an interface");

        // The plugin's top-level exports.
        var exports = new List<(byte NameKind, string Name, byte Sort)>();
        foreach (var sec in sections.Where(s => s.Id == SecExport))
        {
            var r = new Reader(plugin, sec.Start, sec.End);
            var n = r.U32();
            for (var i = 0; i < n; i++)
            {
                var (kind, name) = r.ExternName();
                var sort = r.Byte();
                if (sort == 0x00) return Unrecognized(plugin, $"export \"{name}\" is a core item");
                r.U32();
                var ascribed = r.Byte();
                if (ascribed == 0x01) SkipExternDesc(ref r, name);
                else if (ascribed != 0x00) throw new FormatException($"export \"{name}\": bad type ascription flag");
                if (sort is not (SortFunc or SortInstance or SortType))
                    return Unrecognized(plugin, $"export \"{name}\" is of a kind the composer does not re-export (0x{sort:x2})");
                exports.Add((kind, name, sort));
            }
            r.ExpectEnd();
        }
        if (exports.Count == 0) return Unrecognized(plugin, "the plugin exports nothing");

        // The adapter: [type section with its host interface's instance type] [import section: that interface] ...
        var (hostType, hostImportName) = AdapterHostImport(adapter);

        var o = new Writer();
        o.Bytes(Preamble);

        // 1. The plugin's prefix, without the replaced import; instance indices above it shift down by one.
        var removed = replaced.Index;
        var replacedOrdinal = imports.IndexOf(replaced);
        var importOrdinal = 0;
        var originalImports = new Writer();
        originalImports.Bytes(Preamble);
        for (var s = 0; s < prefixEnd; s++)
        {
            var sec = sections[s];
            if (sec.Id == SecCustom) continue;
            originalImports.Section(sec.Id, plugin.AsSpan(sec.Start, sec.End - sec.Start));
            switch (sec.Id)
            {
                case SecType:
                    o.Section(sec.Id, plugin.AsSpan(sec.Start, sec.End - sec.Start));
                    break;
                case SecImport:
                {
                    var r = new Reader(plugin, sec.Start, sec.End);
                    var n = r.U32();
                    var body = new Writer();
                    var kept = 0u;
                    var entries = new Writer();
                    for (var i = 0; i < n; i++)
                    {
                        var start = r.Pos;
                        r.ExternName();
                        SkipExternDesc(ref r, "import");
                        if (importOrdinal++ == replacedOrdinal) continue;
                        entries.Bytes(plugin.AsSpan(start, r.Pos - start));
                        kept++;
                    }
                    if (kept == 0) break;
                    body.U32(kept);
                    body.Bytes(entries.ToArray());
                    o.Section(SecImport, body.ToArray());
                    break;
                }
                case SecAlias:
                {
                    var r = new Reader(plugin, sec.Start, sec.End);
                    var n = r.U32();
                    var body = new Writer();
                    body.U32(n);
                    for (var i = 0; i < n; i++)
                    {
                        var sort = r.Byte();
                        body.Byte(sort);
                        if (sort == 0x00) body.Byte(r.Byte());
                        var target = r.Byte();
                        body.Byte(target);
                        switch (target)
                        {
                            case 0x00:
                                var inst = r.U32();
                                if (inst == removed) throw new FormatException($"the plugin aliases an item of {ClientData}");
                                body.U32(inst > removed ? inst - 1 : inst);
                                body.NameBytes(r.NameBytes());
                                break;
                            case 0x01:
                                body.U32(r.U32());
                                body.NameBytes(r.NameBytes());
                                break;
                            default:
                                body.U32(r.U32());
                                body.U32(r.U32());
                                break;
                        }
                    }
                    r.ExpectEnd();
                    o.Section(SecAlias, body.ToArray());
                    break;
                }
            }
        }
        // Index spaces of the outer component so far.
        var outerInstances = instances - 1;
        uint OuterInstance(uint pluginIndex) => pluginIndex > removed ? pluginIndex - 1 : pluginIndex;

        // 2. The adapter's host interface: its instance type, then the import.
        var hostTypeIndex = types;
        o.Section(SecType, Concat(Leb(1), hostType));
        var hostInstance = outerInstances++;
        {
            var body = new Writer();
            body.U32(1);
            body.Byte(0x00);
            body.Name(hostImportName);
            body.Byte(SortInstance);
            body.U32(hostTypeIndex);
            o.Section(SecImport, body.ToArray());
        }

        // 3. The adapter and the plugin, nested.
        var adapterComponent = components;
        var pluginComponent = components + 1;
        o.Section(SecComponent, adapter);
        o.Section(SecComponent, plugin);

        // 4. Instantiate the adapter with the host interface; alias its export; instantiate the plugin.
        var adapterInstance = outerInstances++;
        {
            var body = new Writer();
            body.U32(1);
            body.Byte(0x00);
            body.U32(adapterComponent);
            body.U32(1);
            body.Name(hostImportName);
            body.Byte(SortInstance);
            body.U32(hostInstance);
            o.Section(SecInstance, body.ToArray());
        }
        var adaptedInstance = outerInstances++;
        {
            var body = new Writer();
            body.U32(1);
            body.Byte(SortInstance);
            body.Byte(0x00);
            body.U32(adapterInstance);
            body.Name(ClientData);
            o.Section(SecAlias, body.ToArray());
        }
        var pluginInstance = outerInstances++;
        {
            var body = new Writer();
            body.U32(1);
            body.Byte(0x00);
            body.U32(pluginComponent);
            body.U32((uint)imports.Count);
            foreach (var i in imports)
            {
                body.Name(i.Name);
                body.Byte(i.Sort);
                body.U32(i == replaced ? adaptedInstance : i.Sort == SortInstance ? OuterInstance(i.Index) : i.Index);
            }
            o.Section(SecInstance, body.ToArray());
        }

        // 5. Re-export the plugin's exports.
        var typesNow = types + 1;
        var exportIndices = new List<uint>();
        {
            var body = new Writer();
            body.U32((uint)exports.Count);
            foreach (var (_, name, sort) in exports)
            {
                body.Byte(sort);
                body.Byte(0x00);
                body.U32(pluginInstance);
                body.Name(name);
                exportIndices.Add(sort switch
                {
                    SortInstance => outerInstances++,
                    SortFunc => funcs++,
                    _ => typesNow++,
                });
            }
            o.Section(SecAlias, body.ToArray());
        }
        {
            var body = new Writer();
            body.U32((uint)exports.Count);
            for (var i = 0; i < exports.Count; i++)
            {
                body.Byte(exports[i].NameKind);
                body.Name(exports[i].Name);
                body.Byte(exports[i].Sort);
                body.U32(exportIndices[i]);
                body.Byte(0x00);
            }
            o.Section(SecExport, body.ToArray());
        }

        return new CompositionResult(CompositionStatus.Composed, o.ToArray(), null,
            new Dictionary<string, string> { [ClientData] = hostImportName }, originalImports.ToArray()) { Original = plugin };
    }

    private static CompositionResult Unrecognized(byte[] plugin, string reason) =>
        CompositionResult.Unchanged(CompositionStatus.Unrecognized, plugin, reason);

    /// <summary>The adapter's host interface: the encoded instance type (one type-section entry) and the import name.</summary>
    private static (byte[] Type, string Name) AdapterHostImport(byte[] adapter)
    {
        var sections = Sections(adapter, "the adapter");
        if (sections.Count < 2 || sections[0].Id != SecType || sections[1].Id != SecImport)
            throw new InvalidOperationException("the adapter component must begin with its host interface's type and import");
        var t = new Reader(adapter, sections[0].Start, sections[0].End);
        if (t.U32() != 1) throw new InvalidOperationException("the adapter's first type section must hold one type");
        var type = adapter[t.Pos..sections[0].End];
        var r = new Reader(adapter, sections[1].Start, sections[1].End);
        if (r.U32() != 1) throw new InvalidOperationException("the adapter must import one interface");
        var (_, name) = r.ExternName();
        if (r.Byte() != SortInstance || r.U32() != 0 || !name.StartsWith(AdapterInterfacePrefix, StringComparison.Ordinal))
            throw new InvalidOperationException($"the adapter must import one {AdapterInterfacePrefix}* interface of type 0");
        return (type, name);
    }

    private static void SkipExternDesc(ref Reader r, string name)
    {
        var sort = r.Byte();
        switch (sort)
        {
            case 0x00:
                if (r.Byte() != 0x11) throw new FormatException($"\"{name}\": bad core module type");
                r.U32();
                break;
            case SortFunc or SortComponent or SortInstance:
                r.U32();
                break;
            case SortType:
                var bound = r.Byte();
                if (bound == 0x00) r.U32();
                else if (bound != 0x01) throw new FormatException($"\"{name}\": unknown type bound 0x{bound:x2}");
                break;
            case SortValue:
                throw new FormatException($"\"{name}\" is a value, which the composer does not handle");
            default:
                throw new FormatException($"\"{name}\": unknown extern kind 0x{sort:x2}");
        }
    }

    private readonly record struct Section(byte Id, int Start, int End);

    private static List<Section> Sections(byte[] bytes, string what)
    {
        if (bytes.Length < 8 || !bytes.AsSpan(0, 8).SequenceEqual(Preamble))
            throw new FormatException($"{what} is not a component binary (no component preamble)");
        var list = new List<Section>();
        var r = new Reader(bytes, 8, bytes.Length);
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

    private static byte[] Leb(uint v)
    {
        var w = new Writer();
        w.U32(v);
        return w.ToArray();
    }

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];

    private struct Reader(byte[] bytes, int pos, int end)
    {
        public int Pos = pos;

        public byte Byte()
        {
            if (Pos >= end) throw new FormatException($"unexpected end of a section at byte {Pos}");
            return bytes[Pos++];
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
                return new UTF8Encoding(false, true).GetString(span);
            }
            catch (DecoderFallbackException)
            {
                throw new FormatException($"a name before byte {Pos} is not UTF-8");
            }
        }

        /// <summary>An import or export name: a discriminator byte (0x00, or 0x01 in older binaries) and the name.</summary>
        public (byte Kind, string Name) ExternName()
        {
            var kind = Byte();
            if (kind is not (0x00 or 0x01)) throw new FormatException($"unknown extern name encoding 0x{kind:x2} at byte {Pos - 1}");
            return (kind, Name());
        }

        public readonly void ExpectEnd()
        {
            if (Pos != end) throw new FormatException($"a section has {end - Pos} unexpected trailing bytes");
        }
    }

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void Byte(byte b) => _stream.WriteByte(b);

        public void Bytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

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

        public void Name(string name)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            U32((uint)bytes.Length);
            Bytes(bytes);
        }

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

        public byte[] ToArray() => _stream.ToArray();
    }
}
