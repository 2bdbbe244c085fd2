using System.Text;

namespace Supervisor.Plugins.Composition;

/// <summary>What <see cref="ComponentComposer.Compose"/> did.</summary>
internal enum CompositionStatus
{
    /// <summary>The plugin is nested beside its adapters; <see cref="CompositionResult.Bytes"/> is the outer component.</summary>
    Composed,
    /// <summary>The plugin imports nothing an adapter carries; the bytes are unchanged.</summary>
    NothingToAdapt,
    /// <summary>The composer does not recognize the component's shape; the bytes are unchanged (see the reason).</summary>
    Unrecognized,
}

/// <summary>
/// The result of composing: the bytes to compile and, for a composed component, the adapters' host interfaces it
/// imports besides the plugin's own imports (which it imports unchanged).
/// </summary>
internal sealed record CompositionResult(CompositionStatus Status, byte[] Bytes, string? Reason, IReadOnlyList<string> Added)
{
    public bool IsComposed => Status == CompositionStatus.Composed;

    /// <summary>The plugin's own bytes (the same array as <see cref="Bytes"/> unless composed).</summary>
    public byte[] Original { get; init; } = Bytes;

    /// <summary>For a spliced plugin, the nested composition to compile if Wasmtime refuses the splice.</summary>
    public CompositionResult? Alternative { get; init; }

    /// <summary>True when the adapter was spliced into the plugin rather than nested beside it.</summary>
    public bool IsSpliced => Alternative is not null;

    public static CompositionResult Unchanged(CompositionStatus status, byte[] bytes, string reason) => new(status, bytes, reason, []);
}

/// <summary>
/// Composes an unmodified plugin component with byte adapters at load time, by nesting. The outer component
/// copies the plugin's leading type, import and alias sections unchanged (so every index they use stays the same
/// and the outer imports exactly what the plugin imports), then, for each adapted import: imports the adapter's
/// host interface, nests and instantiates the adapter (passing it the import's resource type), and builds the
/// instance the plugin gets: the adapter's functions for the byte-carrying methods, the host's import for
/// everything else. The plugin is nested byte for byte, instantiated with those instances, and its exports are
/// re-exported. Only section boundaries, LEB128, import, alias and export entries and the adapted imports'
/// instance types are parsed; anything unexpected gives <see cref="CompositionStatus.Unrecognized"/> with the
/// reason, never an exception (Wasmtime validates whatever is composed).
/// </summary>
internal static partial class ComponentComposer
{
    /// <summary>Bumped whenever the composer's output changes for the same inputs.</summary>
    public const string Version = "3";

    /// <summary>The interface names reserved for the adapters' host side.</summary>
    public const string AdapterInterfacePrefix = "supervisor:adapter/";

    private static readonly byte[] Preamble = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

    private const byte SecCustom = 0, SecCoreModule = 1, SecCoreInstance = 2, SecCoreType = 3, SecComponent = 4, SecCanon = 8, SecInstance = 5, SecAlias = 6, SecType = 7, SecImport = 10, SecExport = 11;
    private const byte SortFunc = 0x01, SortValue = 0x02, SortType = 0x03, SortComponent = 0x04, SortInstance = 0x05;

    /// <summary>Composes <paramref name="plugin"/> with the adapters of <paramref name="adapters"/> whose interface it imports.</summary>
    public static CompositionResult Compose(byte[] plugin, IReadOnlyList<AdapterSpec> adapters)
    {
        try
        {
            return ComposeCore(plugin, adapters);
        }
        catch (FormatException e)
        {
            return CompositionResult.Unchanged(CompositionStatus.Unrecognized, plugin, e.Message);
        }
    }

    private sealed class Import
    {
        public required string Name;
        public required byte Sort; // externdesc sort
        public required uint Index; // index in its sort's space (the same in the plugin and the outer)
        public uint TypeIndex; // for an instance: its type
    }

    /// <summary>One adapted import: its spec and its instance type (the bytes of its definition in the plugin).</summary>
    private sealed record Adapted(Import Import, AdapterSpec Spec, byte[] Type);

    private static CompositionResult ComposeCore(byte[] plugin, IReadOnlyList<AdapterSpec> adapters)
    {
        var sections = Sections(plugin, "the plugin");
        // The prefix: leading custom, type, import and alias sections.
        var prefixEnd = 0;
        while (prefixEnd < sections.Count && sections[prefixEnd].Id is SecCustom or SecType or SecImport or SecAlias) prefixEnd++;
        for (var s = prefixEnd; s < sections.Count; s++)
            if (sections[s].Id == SecImport)
                return Unrecognized(plugin, "an import section follows other definitions (imports must lead the component)");

        uint types = 0, instances = 0, funcs = 0, components = 0;
        var typeDefinitions = new Dictionary<uint, int>(); // type index -> offset of its definition in a type section
        var imports = new List<Import>();
        for (var s = 0; s < prefixEnd; s++)
        {
            var sec = sections[s];
            var r = new Reader(plugin, sec.Start, sec.End);
            switch (sec.Id)
            {
                case SecType:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        typeDefinitions[types++] = r.Pos;
                        SkipDefType(ref r);
                    }
                    r.ExpectEnd();
                    break;
                case SecImport:
                {
                    var n = r.U32();
                    for (var i = 0; i < n; i++)
                    {
                        var (_, name) = r.ExternName();
                        var sort = r.Byte();
                        var import = new Import { Name = name, Sort = sort, Index = 0 };
                        switch (sort)
                        {
                            case SortFunc: r.U32(); import.Index = funcs++; break;
                            case SortInstance: import.TypeIndex = r.U32(); import.Index = instances++; break;
                            case SortComponent: r.U32(); import.Index = components++; break;
                            case SortType:
                                var bound = r.Byte();
                                if (bound == 0x00) r.U32();
                                else if (bound != 0x01) throw new FormatException($"import \"{name}\": unknown type bound 0x{bound:x2}");
                                import.Index = types++;
                                break;
                            default:
                                throw new FormatException($"import \"{name}\" is of a kind the composer does not handle (0x{sort:x2})");
                        }
                        imports.Add(import);
                    }
                    r.ExpectEnd();
                    break;
                }
                case SecAlias:
                {
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var sort = SkipAlias(ref r);
                        switch (sort)
                        {
                            case SortFunc: funcs++; break;
                            case SortType: types++; break;
                            case SortInstance: instances++; break;
                            case SortComponent: components++; break;
                            case 0x00: break; // core sorts count in core spaces, which the outer never uses
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

        var adapted = new List<Adapted>();
        foreach (var import in imports)
        {
            if (adapters.FirstOrDefault(a => a.Interface == import.Name) is not { } spec) continue;
            if (import.Sort != SortInstance)
                return Unrecognized(plugin, $"{import.Name} is imported as something other than an interface");
            if (!typeDefinitions.TryGetValue(import.TypeIndex, out var offset))
                return Unrecognized(plugin, $"the type of {import.Name} is not defined in a type section");
            var declared = InstanceTypeExports(plugin, offset, import.Name);
            if (!declared.Any(e => e.Sort == SortFunc && spec.Methods.ContainsKey(e.Name))) continue; // nothing of it carries bytes
            if (spec.Resource is { } resource && !declared.Contains((resource, SortType)))
                return Unrecognized(plugin, $"{import.Name} does not declare the resource \"{resource}\"");
            foreach (var (name, sort) in declared)
                if (sort is not (SortFunc or SortType))
                    return Unrecognized(plugin, $"{import.Name} exports \"{name}\", of a kind the composer does not pass on (0x{sort:x2})");
            var typeReader = new Reader(plugin, offset, plugin.Length);
            SkipDefType(ref typeReader);
            adapted.Add(new Adapted(import, spec, plugin[offset..typeReader.Pos]));
        }
        if (adapted.Count == 0)
            return CompositionResult.Unchanged(CompositionStatus.NothingToAdapt, plugin, "the plugin imports nothing an adapter carries");

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

        var o = new Writer();
        o.Bytes(Preamble);

        // 1. The plugin's prefix, unchanged (custom sections dropped).
        for (var s = 0; s < prefixEnd; s++)
            if (sections[s].Id != SecCustom)
                o.Section(sections[s].Id, plugin.AsSpan(sections[s].Start, sections[s].End - sections[s].Start));

        // 2. Per adapted import: its resource type, the adapter's host interface type (pointing at that resource), the import.
        var layouts = adapted.Select(a => AdapterLayout.Read(a.Spec)).ToList();
        var hostInstances = new uint[adapted.Count];
        for (var j = 0; j < adapted.Count; j++)
        {
            var (a, layout) = (adapted[j], layouts[j]);
            var resourceType = 0u;
            if (a.Spec.Resource is { } resource)
            {
                var alias = new Writer();
                alias.U32(1);
                alias.Byte(SortType);
                alias.Byte(0x00);
                alias.U32(a.Import.Index);
                alias.Name(resource);
                o.Section(SecAlias, alias.ToArray());
                resourceType = types++;
            }
            var type = new Writer();
            type.U32(1);
            layout.WriteHostType(type, resourceType);
            o.Section(SecType, type.ToArray());
            var import = new Writer();
            import.U32(1);
            import.Byte(0x00);
            import.Name(a.Spec.HostInterface);
            import.Byte(SortInstance);
            import.U32(types++);
            o.Section(SecImport, import.ToArray());
            hostInstances[j] = instances++;
        }

        // 3. Per adapted import, the wrapper that gives the plugin its instance; then the plugin, nested.
        var wrappers = new uint[adapted.Count];
        for (var j = 0; j < adapted.Count; j++)
        {
            o.Section(SecComponent, Wrapper(adapted[j], layouts[j]));
            wrappers[j] = components++;
        }
        var pluginComponent = components++;
        o.Section(SecComponent, plugin);

        // 4. Instantiate each wrapper with the host's interface and the adapter's host interface.
        var given = new Dictionary<Import, uint>();
        for (var j = 0; j < adapted.Count; j++)
        {
            var args = new Writer();
            args.U32(1);
            args.Byte(0x00);
            args.U32(wrappers[j]);
            args.U32(2);
            args.Name(WrapperHost);
            args.Byte(SortInstance);
            args.U32(adapted[j].Import.Index);
            args.Name(WrapperAdapterHost);
            args.Byte(SortInstance);
            args.U32(hostInstances[j]);
            o.Section(SecInstance, args.ToArray());
            given[adapted[j].Import] = instances++;
        }

        // 5. Instantiate the plugin with its imports, the adapted ones replaced.
        var pluginInstance = instances++;
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
                body.U32(given.TryGetValue(i, out var instance) ? instance : i.Index);
            }
            o.Section(SecInstance, body.ToArray());
        }

        // 6. Re-export the plugin's exports.
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
                    SortInstance => instances++,
                    SortFunc => funcs++,
                    _ => types++,
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

        return new CompositionResult(CompositionStatus.Composed, o.ToArray(), null, adapted.Select(a => a.Spec.HostInterface).ToList()) { Original = plugin };
    }

    private static CompositionResult Unrecognized(byte[] plugin, string reason) =>
        CompositionResult.Unchanged(CompositionStatus.Unrecognized, plugin, reason);

    private const string WrapperHost = "host";
    private const string WrapperAdapterHost = "adapter-host";

    /// <summary>
    /// The component that makes the instance the plugin imports. It imports the host's interface (typed exactly as
    /// the plugin imports it) and the adapter's host interface, nests and instantiates the adapter (passing it the
    /// interface's resource type), and exports every item the plugin's import declares: the resource re-exported,
    /// each type aliased from the host's interface, each function from the adapter (the byte-carrying ones) or the
    /// host, ascribed with the declared type translated onto the exported resource and types. (A bag-of-exports
    /// instance cannot carry a resource's methods: the component model names a method's resource only through an
    /// export in the same component.)
    /// </summary>
    private static byte[] Wrapper(Adapted a, AdapterLayout layout)
    {
        var spec = a.Spec;
        var w = new Writer();
        w.Bytes(Preamble);
        uint types = 0, instances = 0, funcs = 0;

        var section = new Writer();
        section.U32(1);
        section.Bytes(a.Type);
        w.Section(SecType, section.ToArray());
        var hostType = types++;
        w.Section(SecImport, ImportEntry(WrapperHost, SortInstance, hostType));
        var host = instances++;

        var resource = 0u;
        if (spec.Resource is { } resourceName)
        {
            w.Section(SecAlias, AliasEntry(SortType, host, resourceName));
            resource = types++;
        }
        section = new Writer();
        section.U32(1);
        layout.WriteHostType(section, resource);
        w.Section(SecType, section.ToArray());
        w.Section(SecImport, ImportEntry(WrapperAdapterHost, SortInstance, types++));
        var adapterHost = instances++;

        w.Section(SecComponent, spec.Component);
        var args = new Writer();
        args.U32(1);
        args.Byte(0x00);
        args.U32(0);
        args.U32(spec.Resource is null ? 1u : 2u);
        if (spec.Resource is not null)
        {
            args.Name(layout.ResourceImport!);
            args.Byte(SortType);
            args.U32(resource);
        }
        args.Name(layout.HostImport);
        args.Byte(SortInstance);
        args.U32(adapterHost);
        w.Section(SecInstance, args.ToArray());
        var adapter = instances++;

        // Walk the declarations of the plugin's instance type; map[i] is local type i's index in the wrapper.
        var map = new List<uint>();
        var r = new Reader(a.Type, 0, a.Type.Length);
        r.Byte(); // 0x42
        for (var n = r.U32(); n > 0; n--)
        {
            switch (r.Byte())
            {
                case 0x01:
                    section = new Writer();
                    section.U32(1);
                    TranslateDefType(ref r, section, map, a.Import.Name);
                    w.Section(SecType, section.ToArray());
                    map.Add(types++);
                    break;
                case 0x04:
                {
                    var (_, name) = r.ExternName();
                    var sort = r.Byte();
                    if (sort == SortType)
                    {
                        var bound = r.Byte();
                        if (bound == 0x01)
                        {
                            if (name != spec.Resource) throw new FormatException($"{a.Import.Name} declares a resource \"{name}\" the adapter does not know");
                            w.Section(SecExport, ExportEntry(name, SortType, resource));
                            map.Add(types++);
                            break;
                        }
                        if (bound != 0x00) throw new FormatException($"{a.Import.Name}: unknown type bound 0x{bound:x2}");
                        r.U32();
                        w.Section(SecAlias, AliasEntry(SortType, host, name));
                        w.Section(SecExport, ExportEntry(name, SortType, types++));
                        map.Add(types++);
                    }
                    else if (sort == SortFunc)
                    {
                        var local = r.U32();
                        if (local >= map.Count) throw new FormatException($"{a.Import.Name}: function \"{name}\" has an unknown type");
                        w.Section(SecAlias, spec.Methods.TryGetValue(name, out var method)
                            ? AliasEntry(SortFunc, adapter, method)
                            : AliasEntry(SortFunc, host, name));
                        var export = new Writer();
                        export.U32(1);
                        export.Byte(0x00);
                        export.Name(name);
                        export.Byte(SortFunc);
                        export.U32(funcs++);
                        export.Byte(0x01);
                        export.Byte(SortFunc);
                        export.U32(map[(int)local]);
                        w.Section(SecExport, export.ToArray());
                        funcs++;
                    }
                    else
                    {
                        throw new FormatException($"{a.Import.Name} declares \"{name}\", of a kind the composer does not pass on (0x{sort:x2})");
                    }
                    break;
                }
                default:
                    throw new FormatException($"{a.Import.Name}'s type holds a declaration the composer does not pass on (an alias or a core type)");
            }
        }
        return w.ToArray();
    }

    private static byte[] ImportEntry(string name, byte sort, uint type)
    {
        var w = new Writer();
        w.U32(1);
        w.Byte(0x00);
        w.Name(name);
        w.Byte(sort);
        w.U32(type);
        return w.ToArray();
    }

    private static byte[] AliasEntry(byte sort, uint instance, string name)
    {
        var w = new Writer();
        w.U32(1);
        w.Byte(sort);
        w.Byte(0x00);
        w.U32(instance);
        w.Name(name);
        return w.ToArray();
    }

    private static byte[] ExportEntry(string name, byte sort, uint index)
    {
        var w = new Writer();
        w.U32(1);
        w.Byte(0x00);
        w.Name(name);
        w.Byte(sort);
        w.U32(index);
        w.Byte(0x00);
        return w.ToArray();
    }

    /// <summary>Copies a value or function type definition, mapping every type index it uses through <paramref name="map"/>.</summary>
    private static void TranslateDefType(ref Reader r, Writer w, List<uint> map, string import)
    {
        var form = r.Byte();
        w.Byte(form);
        switch (form)
        {
            case 0x40:
                for (var n = w.CopyU32(r.U32()); n > 0; n--) { w.NameBytes(r.NameBytes()); TranslateValType(ref r, w, map, import); }
                var results = r.Byte();
                w.Byte(results);
                if (results == 0x00) TranslateValType(ref r, w, map, import);
                else if (results == 0x01 && r.Byte() == 0x00) w.Byte(0x00);
                else throw new FormatException($"{import}: a function type with named results");
                return;
            case 0x72:
                for (var n = w.CopyU32(r.U32()); n > 0; n--) { w.NameBytes(r.NameBytes()); TranslateValType(ref r, w, map, import); }
                return;
            case 0x71:
                for (var n = w.CopyU32(r.U32()); n > 0; n--)
                {
                    w.NameBytes(r.NameBytes());
                    TranslateOptionalValType(ref r, w, map, import);
                    if (r.Byte() != 0x00) throw new FormatException($"{import}: a variant case with a refinement");
                    w.Byte(0x00);
                }
                return;
            case 0x70 or 0x6b: TranslateValType(ref r, w, map, import); return;
            case 0x6f: for (var n = w.CopyU32(r.U32()); n > 0; n--) TranslateValType(ref r, w, map, import); return;
            case 0x6e or 0x6d: for (var n = w.CopyU32(r.U32()); n > 0; n--) w.NameBytes(r.NameBytes()); return;
            case 0x6a: TranslateOptionalValType(ref r, w, map, import); TranslateOptionalValType(ref r, w, map, import); return;
            case 0x69 or 0x68: w.U32(Map(map, r.U32(), import)); return;
            default:
                if (IsPrimitive(form)) return;
                throw new FormatException($"{import}: a type of a form the wrapper does not translate (0x{form:x2})");
        }
    }

    private static void TranslateValType(ref Reader r, Writer w, List<uint> map, string import)
    {
        if (IsPrimitive(r.Peek())) w.Byte(r.Byte());
        else w.U32(Map(map, r.U32(), import));
    }

    private static void TranslateOptionalValType(ref Reader r, Writer w, List<uint> map, string import)
    {
        var present = r.Byte();
        w.Byte(present);
        if (present == 0x01) TranslateValType(ref r, w, map, import);
        else if (present != 0x00) throw new FormatException($"{import}: bad optional type");
    }

    private static uint Map(List<uint> map, uint local, string import) =>
        local < map.Count ? map[(int)local] : throw new FormatException($"{import}: type index {local} is out of range");

    /// <summary>
    /// What the composer needs of an adapter component (the project's own, so a shape other than this is a bug,
    /// not a plugin's fault): an optional leading import of its resource type, then its host interface's instance
    /// type (whose first declaration, for a resource adapter, is the outer alias of that resource) and import.
    /// </summary>
    private sealed class AdapterLayout
    {
        public string? ResourceImport;
        public required string HostImport;
        private byte[] _hostTypeTail = [];
        private uint _declarations;
        private bool _aliasesResource;

        public static AdapterLayout Read(AdapterSpec spec)
        {
            var bytes = spec.Component;
            var sections = Sections(bytes, "the adapter");
            var next = 0;
            string? resourceImport = null;
            if (spec.Resource is not null)
            {
                if (sections.Count < 1 || sections[0].Id != SecImport) throw Bad(spec, "begin with the import of its resource type");
                var r = new Reader(bytes, sections[0].Start, sections[0].End);
                if (r.U32() != 1) throw Bad(spec, "import its resource type alone in the first import section");
                (_, resourceImport) = r.ExternName();
                if (r.Byte() != SortType || r.Byte() != 0x01) throw Bad(spec, "import its resource type as (sub resource)");
                next = 1;
            }
            if (sections.Count < next + 2 || sections[next].Id != SecType || sections[next + 1].Id != SecImport)
                throw Bad(spec, "declare its host interface's type and import it");
            var t = new Reader(bytes, sections[next].Start, sections[next].End);
            if (t.U32() != 1 || t.Byte() != 0x42) throw Bad(spec, "declare its host interface as one instance type");
            var layout = new AdapterLayout { ResourceImport = resourceImport, HostImport = "" };
            layout._declarations = t.U32();
            if (spec.Resource is not null)
            {
                // alias outer 1 <resource> (type): the resource is the adapter's type 0
                if (t.Byte() != 0x02 || t.Byte() != SortType || t.Byte() != 0x02 || t.U32() != 1 || t.U32() != 0)
                    throw Bad(spec, "begin its host interface type with the outer alias of its resource");
                layout._aliasesResource = true;
            }
            layout._hostTypeTail = bytes[t.Pos..sections[next].End];
            var i = new Reader(bytes, sections[next + 1].Start, sections[next + 1].End);
            if (i.U32() != 1) throw Bad(spec, "import its host interface alone");
            var (_, name) = i.ExternName();
            if (i.Byte() != SortInstance || !name.StartsWith(AdapterInterfacePrefix, StringComparison.Ordinal))
                throw Bad(spec, $"import one {AdapterInterfacePrefix}* interface");
            layout.HostImport = name;
            return layout;
        }

        /// <summary>Writes the host interface's instance type for the outer component, its resource alias pointing at <paramref name="resourceType"/>.</summary>
        public void WriteHostType(Writer w, uint resourceType)
        {
            w.Byte(0x42);
            w.U32(_declarations);
            if (_aliasesResource)
            {
                w.Byte(0x02);
                w.Byte(SortType);
                w.Byte(0x02);
                w.U32(1);
                w.U32(resourceType);
            }
            w.Bytes(_hostTypeTail);
        }

        private static InvalidOperationException Bad(AdapterSpec spec, string what) =>
            new($"the byte adapter for {spec.Interface} must {what}");
    }

    /// <summary>The (name, sort) exports an instance type declares.</summary>
    private static List<(string Name, byte Sort)> InstanceTypeExports(byte[] bytes, int offset, string import)
    {
        var r = new Reader(bytes, offset, bytes.Length);
        if (r.Byte() != 0x42) throw new FormatException($"the type of {import} is not an instance type");
        var exports = new List<(string, byte)>();
        for (var n = r.U32(); n > 0; n--)
        {
            switch (r.Byte())
            {
                case 0x01: SkipDefType(ref r); break;
                case 0x02: SkipAlias(ref r); break;
                case 0x04:
                    var (_, name) = r.ExternName();
                    var sort = r.Peek();
                    SkipExternDesc(ref r, name);
                    exports.Add((name, sort));
                    break;
                default: throw new FormatException($"the type of {import} holds a declaration the composer does not handle");
            }
        }
        return exports;
    }

    /// <summary>Skips an alias entry; returns its sort (0x00 for core sorts).</summary>
    private static byte SkipAlias(ref Reader r)
    {
        var sort = r.Byte();
        if (sort == 0x00) r.Byte();
        switch (r.Byte())
        {
            case 0x00 or 0x01: r.U32(); r.NameBytes(); break;
            case 0x02: r.U32(); r.U32(); break;
            default: throw new FormatException($"unknown alias target at byte {r.Pos - 1}");
        }
        return sort;
    }

    /// <summary>How deep component and instance types may nest: wit-component nests two or three levels; a hostile binary nesting thousands would otherwise overflow the stack (which no handler can catch).</summary>
    private const int MaxTypeDepth = 32;

    /// <summary>Skips one type definition (a value, function, component, instance or resource type).</summary>
    private static void SkipDefType(ref Reader r, int depth = 0)
    {
        if (depth > MaxTypeDepth) throw new FormatException($"types nest deeper than {MaxTypeDepth} levels at byte {r.Pos}");
        var form = r.Byte();
        switch (form)
        {
            case 0x40 or 0x43: // function
                for (var n = r.U32(); n > 0; n--) { r.NameBytes(); SkipValType(ref r); }
                switch (r.Byte())
                {
                    case 0x00: SkipValType(ref r); break;
                    case 0x01: for (var n = r.U32(); n > 0; n--) { r.NameBytes(); SkipValType(ref r); } break;
                    default: throw new FormatException($"unknown function result encoding at byte {r.Pos - 1}");
                }
                break;
            case 0x41: // component
                for (var n = r.U32(); n > 0; n--)
                {
                    var decl = r.Byte();
                    if (decl == 0x03)
                    {
                        var (_, name) = r.ExternName();
                        SkipExternDesc(ref r, name);
                    }
                    else SkipInstanceDecl(ref r, decl, depth + 1);
                }
                break;
            case 0x42: // instance
                for (var n = r.U32(); n > 0; n--) SkipInstanceDecl(ref r, r.Byte(), depth + 1);
                break;
            case 0x3f: // resource
                if (r.Byte() != 0x7f) throw new FormatException($"a resource type at byte {r.Pos - 1} has a representation other than i32");
                if (r.Byte() == 0x01) r.U32();
                break;
            default:
                SkipDefValType(ref r, form);
                break;
        }
    }

    private static void SkipInstanceDecl(ref Reader r, byte decl, int depth)
    {
        switch (decl)
        {
            case 0x01: SkipDefType(ref r, depth); break;
            case 0x02: SkipAlias(ref r); break;
            case 0x04:
                var (_, name) = r.ExternName();
                SkipExternDesc(ref r, name);
                break;
            default: throw new FormatException($"a type declaration of a kind the composer does not handle (0x{decl:x2})");
        }
    }

    private static bool IsPrimitive(byte b) => b is 0x64 or >= 0x73 and <= 0x7f;

    private static void SkipValType(ref Reader r)
    {
        if (IsPrimitive(r.Peek())) r.Byte();
        else r.U32();
    }

    private static void SkipOptionalValType(ref Reader r)
    {
        switch (r.Byte())
        {
            case 0x00: break;
            case 0x01: SkipValType(ref r); break;
            default: throw new FormatException($"bad optional type at byte {r.Pos - 1}");
        }
    }

    private static void SkipDefValType(ref Reader r, byte form)
    {
        if (IsPrimitive(form)) return;
        switch (form)
        {
            case 0x72: // record
                for (var n = r.U32(); n > 0; n--) { r.NameBytes(); SkipValType(ref r); }
                break;
            case 0x71: // variant
                for (var n = r.U32(); n > 0; n--)
                {
                    r.NameBytes();
                    SkipOptionalValType(ref r);
                    if (r.Byte() == 0x01) r.U32();
                }
                break;
            case 0x70 or 0x6b: SkipValType(ref r); break; // list, option
            case 0x67: SkipValType(ref r); r.U32(); break; // fixed-size list
            case 0x6f: for (var n = r.U32(); n > 0; n--) SkipValType(ref r); break; // tuple
            case 0x6e or 0x6d: for (var n = r.U32(); n > 0; n--) r.NameBytes(); break; // flags, enum
            case 0x6a: SkipOptionalValType(ref r); SkipOptionalValType(ref r); break; // result
            case 0x69 or 0x68: r.U32(); break; // own, borrow
            case 0x66 or 0x65: SkipOptionalValType(ref r); break; // stream, future
            default: throw new FormatException($"a type of a form the composer does not know (0x{form:x2}) at byte {r.Pos - 1}");
        }
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

    private struct Reader(byte[] bytes, int pos, int end)
    {
        public int Pos = pos;

        public readonly byte Peek()
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
