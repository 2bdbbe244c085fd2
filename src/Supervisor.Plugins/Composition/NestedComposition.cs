using Supervisor.Plugins.Composition.Binary;

namespace Supervisor.Plugins.Composition;

/// <summary>
/// Composition by nesting. The outer component copies the plugin's leading type, import and alias sections
/// unchanged (so every index they use stays the same and the outer imports exactly what the plugin imports),
/// then, for each adapted import: imports the adapter's host interface, nests and instantiates the adapter
/// (passing it the import's resource type), and builds the instance the plugin gets: the adapter's functions for
/// the byte-carrying methods, the host's import for everything else. The plugin is nested byte for byte,
/// instantiated with those instances, and its exports are re-exported. Only section boundaries, LEB128, import,
/// alias and export entries and the adapted imports' instance types are parsed; a shape it does not expect is a
/// <see cref="FormatException"/> or an unrecognized result, with the reason.
/// </summary>
internal static class NestedComposition
{
    private const string WrapperHost = "host";
    private const string WrapperAdapterHost = "adapter-host";

    private sealed class Import
    {
        public required string Name;
        public required byte Sort; // externdesc sort
        public required uint Index; // index in its sort's space (the same in the plugin and the outer)
        public uint TypeIndex; // for an instance: its type
    }

    /// <summary>One adapted import: its spec and its instance type (the bytes of its definition in the plugin).</summary>
    private sealed record Adapted(Import Import, AdapterSpec Spec, byte[] Type);

    /// <summary>Composes <paramref name="plugin"/> with the adapters of <paramref name="adapters"/> whose interface it imports; throws <see cref="FormatException"/> where the plugin is malformed.</summary>
    public static CompositionResult Compose(byte[] plugin, IReadOnlyList<AdapterSpec> adapters)
    {
        var sections = WasmReader.Sections(plugin, "the plugin");
        // The prefix: leading custom, type, import and alias sections.
        var prefixEnd = 0;
        while (prefixEnd < sections.Count && sections[prefixEnd].Id is SectionId.Custom or SectionId.Type or SectionId.Import or SectionId.Alias) prefixEnd++;
        for (var s = prefixEnd; s < sections.Count; s++)
            if (sections[s].Id == SectionId.Import)
                return CompositionResult.Unrecognized(plugin, "an import section follows other definitions (imports must lead the component)");

        uint types = 0, instances = 0, funcs = 0, components = 0;
        var typeDefinitions = new Dictionary<uint, int>(); // type index -> offset of its definition in a type section
        var imports = new List<Import>();
        for (var s = 0; s < prefixEnd; s++)
        {
            var sec = sections[s];
            var r = new WasmReader(plugin, sec.Start, sec.End);
            switch (sec.Id)
            {
                case SectionId.Type:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        typeDefinitions[types++] = r.Pos;
                        TypeSkipper.DefType(r);
                    }
                    r.ExpectEnd();
                    break;
                case SectionId.Import:
                {
                    var n = r.U32();
                    for (var i = 0; i < n; i++)
                    {
                        var (_, name) = r.ExternName();
                        var sort = r.Byte();
                        var import = new Import { Name = name, Sort = sort, Index = 0 };
                        switch (sort)
                        {
                            case Sort.Func: r.U32(); import.Index = funcs++; break;
                            case Sort.Instance: import.TypeIndex = r.U32(); import.Index = instances++; break;
                            case Sort.Component: r.U32(); import.Index = components++; break;
                            case Sort.Type:
                                TypeSkipper.TypeBounds(r, name, "import ");
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
                case SectionId.Alias:
                {
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var sort = TypeSkipper.Alias(r);
                        switch (sort)
                        {
                            case Sort.Func: funcs++; break;
                            case Sort.Type: types++; break;
                            case Sort.Instance: instances++; break;
                            case Sort.Component: components++; break;
                            case Sort.Core: break; // core sorts count in core spaces, which the outer never uses
                            default: throw new FormatException($"an alias of a kind the composer does not handle (0x{sort:x2})");
                        }
                    }
                    r.ExpectEnd();
                    break;
                }
            }
        }

        const string prefix = ComponentComposer.AdapterInterfacePrefix;
        if (imports.Any(i => i.Name.StartsWith(prefix, StringComparison.Ordinal)))
            return CompositionResult.Unrecognized(plugin, $"the plugin imports the supervisor's own adapter interface ({prefix}*)");

        var adapted = new List<Adapted>();
        foreach (var import in imports)
        {
            if (adapters.FirstOrDefault(a => a.Interface == import.Name) is not { } spec) continue;
            if (import.Sort != Sort.Instance)
                return CompositionResult.Unrecognized(plugin, $"{import.Name} is imported as something other than an interface");
            if (!typeDefinitions.TryGetValue(import.TypeIndex, out var offset))
                return CompositionResult.Unrecognized(plugin, $"the type of {import.Name} is not defined in a type section");
            var declared = InstanceTypeExports(plugin, offset, import.Name);
            if (!declared.Any(e => e.Sort == Sort.Func && spec.Methods.ContainsKey(e.Name))) continue; // nothing of it carries bytes
            if (spec.Resource is { } resource && !declared.Contains((resource, Sort.Type)))
                return CompositionResult.Unrecognized(plugin, $"{import.Name} does not declare the resource \"{resource}\"");
            foreach (var (name, sort) in declared)
                if (sort is not (Sort.Func or Sort.Type))
                    return CompositionResult.Unrecognized(plugin, $"{import.Name} exports \"{name}\", of a kind the composer does not pass on (0x{sort:x2})");
            var typeReader = new WasmReader(plugin, offset, plugin.Length);
            TypeSkipper.DefType(typeReader);
            adapted.Add(new Adapted(import, spec, plugin[offset..typeReader.Pos]));
        }
        if (adapted.Count == 0)
            return CompositionResult.Unchanged(CompositionStatus.NothingToAdapt, plugin, "the plugin imports nothing an adapter carries");

        // The plugin's top-level exports.
        var exports = new List<(byte NameKind, string Name, byte Sort)>();
        foreach (var sec in sections.Where(s => s.Id == SectionId.Export))
        {
            var r = new WasmReader(plugin, sec.Start, sec.End);
            var n = r.U32();
            for (var i = 0; i < n; i++)
            {
                var (kind, name) = r.ExternName();
                var sort = r.Byte();
                if (sort == Sort.Core) return CompositionResult.Unrecognized(plugin, $"export \"{name}\" is a core item");
                r.U32();
                var ascribed = r.Byte();
                if (ascribed == Flag.Present) TypeSkipper.ExternDesc(r, name);
                else if (ascribed != Flag.Absent) throw new FormatException($"export \"{name}\": bad type ascription flag");
                if (sort is not (Sort.Func or Sort.Instance or Sort.Type))
                    return CompositionResult.Unrecognized(plugin, $"export \"{name}\" is of a kind the composer does not re-export (0x{sort:x2})");
                exports.Add((kind, name, sort));
            }
            r.ExpectEnd();
        }
        if (exports.Count == 0) return CompositionResult.Unrecognized(plugin, "the plugin exports nothing");

        var o = new WasmWriter();
        o.Bytes(Preamble.Component);

        // 1. The plugin's prefix, unchanged (custom sections dropped).
        for (var s = 0; s < prefixEnd; s++)
            if (sections[s].Id != SectionId.Custom)
                o.Section(sections[s].Id, plugin.AsSpan(sections[s].Start, sections[s].End - sections[s].Start));

        // 2. Per adapted import: its resource type, the adapter's host interface type (pointing at that resource), the import.
        var shapes = adapted.Select(a => AdapterShape.Read(a.Spec)).ToList();
        var hostInstances = new uint[adapted.Count];
        for (var j = 0; j < adapted.Count; j++)
        {
            var (a, shape) = (adapted[j], shapes[j]);
            var resourceType = 0u;
            if (a.Spec.Resource is { } resource)
            {
                o.Section(SectionId.Alias, e => e.Alias(Sort.Type, a.Import.Index, resource));
                resourceType = types++;
            }
            o.Section(SectionId.Type, e => shape.WriteHostType(e, resourceType));
            var hostType = types++;
            o.Section(SectionId.Import, e => e.Extern(a.Spec.HostInterface, Sort.Instance, hostType));
            hostInstances[j] = instances++;
        }

        // 3. Per adapted import, the wrapper that gives the plugin its instance; then the plugin, nested.
        var wrappers = new uint[adapted.Count];
        for (var j = 0; j < adapted.Count; j++)
        {
            o.Section(SectionId.Component, Wrapper(adapted[j], shapes[j]));
            wrappers[j] = components++;
        }
        var pluginComponent = components++;
        o.Section(SectionId.Component, plugin);

        // 4. Instantiate each wrapper with the host's interface and the adapter's host interface.
        var given = new Dictionary<Import, uint>();
        for (var j = 0; j < adapted.Count; j++)
        {
            var args = new[] { (WrapperHost, Sort.Instance, adapted[j].Import.Index), (WrapperAdapterHost, Sort.Instance, hostInstances[j]) };
            o.Section(SectionId.Instance, e => e.Instantiate(wrappers[j], args));
            given[adapted[j].Import] = instances++;
        }

        // 5. Instantiate the plugin with its imports, the adapted ones replaced.
        var pluginInstance = instances++;
        var pluginArgs = imports.Select(i => (i.Name, i.Sort, given.TryGetValue(i, out var instance) ? instance : i.Index)).ToList();
        o.Section(SectionId.Instance, e => e.Instantiate(pluginComponent, pluginArgs));

        // 6. Re-export the plugin's exports.
        var exportIndices = new List<uint>();
        o.Section(SectionId.Alias, WasmWriter.Entries((uint)exports.Count, e =>
        {
            foreach (var (_, name, sort) in exports)
            {
                e.Alias(sort, pluginInstance, name);
                exportIndices.Add(sort switch
                {
                    Sort.Instance => instances++,
                    Sort.Func => funcs++,
                    _ => types++,
                });
            }
        }));
        o.Section(SectionId.Export, WasmWriter.Entries((uint)exports.Count, e =>
        {
            for (var i = 0; i < exports.Count; i++)
                e.Export(exports[i].Name, exports[i].Sort, exportIndices[i], exports[i].NameKind);
        }));

        return new CompositionResult(CompositionStatus.Composed, o.ToArray(), null, adapted.Select(a => a.Spec.HostInterface).ToList()) { Original = plugin };
    }

    /// <summary>The (name, sort) exports an instance type declares.</summary>
    private static List<(string Name, byte Sort)> InstanceTypeExports(byte[] bytes, int offset, string import)
    {
        var r = new WasmReader(bytes, offset, bytes.Length);
        if (r.Byte() != TypeForm.Instance) throw new FormatException($"the type of {import} is not an instance type");
        var exports = new List<(string, byte)>();
        for (var n = r.U32(); n > 0; n--)
        {
            switch (r.Byte())
            {
                case DeclarationKind.Type: TypeSkipper.DefType(r); break;
                case DeclarationKind.Alias: TypeSkipper.Alias(r); break;
                case DeclarationKind.Export:
                    var (_, name) = r.ExternName();
                    var sort = r.Peek();
                    TypeSkipper.ExternDesc(r, name);
                    exports.Add((name, sort));
                    break;
                default: throw new FormatException($"the type of {import} holds a declaration the composer does not handle");
            }
        }
        return exports;
    }

    /// <summary>
    /// The component that makes the instance the plugin imports. It imports the host's interface (typed exactly as
    /// the plugin imports it) and the adapter's host interface, nests and instantiates the adapter (passing it the
    /// interface's resource type), and exports every item the plugin's import declares: the resource re-exported,
    /// each type aliased from the host's interface, each function from the adapter (the byte-carrying ones) or the
    /// host, ascribed with the declared type translated onto the exported resource and types. (A bag-of-exports
    /// instance cannot carry a resource's methods: the component model names a method's resource only through an
    /// export in the same component.)
    /// </summary>
    private static byte[] Wrapper(Adapted a, AdapterShape shape)
    {
        var spec = a.Spec;
        var w = new WasmWriter();
        w.Bytes(Preamble.Component);
        uint types = 0, instances = 0, funcs = 0;

        w.Section(SectionId.Type, e => e.Bytes(a.Type));
        var hostType = types++;
        w.Section(SectionId.Import, e => e.Extern(WrapperHost, Sort.Instance, hostType));
        var host = instances++;

        var resource = 0u;
        if (spec.Resource is { } resourceName)
        {
            w.Section(SectionId.Alias, e => e.Alias(Sort.Type, host, resourceName));
            resource = types++;
        }
        w.Section(SectionId.Type, e => shape.WriteHostType(e, resource));
        var adapterHostType = types++;
        w.Section(SectionId.Import, e => e.Extern(WrapperAdapterHost, Sort.Instance, adapterHostType));
        var adapterHost = instances++;

        w.Section(SectionId.Component, spec.Component);
        var adapterArgs = new List<(string, byte, uint)>();
        if (spec.Resource is not null) adapterArgs.Add((shape.ResourceImport!, Sort.Type, resource));
        adapterArgs.Add((shape.HostImport, Sort.Instance, adapterHost));
        w.Section(SectionId.Instance, e => e.Instantiate(0, adapterArgs));
        var adapter = instances++;

        // Walk the declarations of the plugin's instance type; map[i] is local type i's index in the wrapper.
        var map = new List<uint>();
        var r = new WasmReader(a.Type, 0, a.Type.Length);
        r.Byte(); // TypeForm.Instance
        for (var n = r.U32(); n > 0; n--)
        {
            switch (r.Byte())
            {
                case DeclarationKind.Type:
                    w.Section(SectionId.Type, e => new TypeTranslator(r, e, map, a.Import.Name).DefType());
                    map.Add(types++);
                    break;
                case DeclarationKind.Export:
                {
                    var (_, name) = r.ExternName();
                    var sort = r.Byte();
                    if (sort == Sort.Type)
                    {
                        var bound = r.Byte();
                        if (bound == TypeBound.SubResource)
                        {
                            if (name != spec.Resource) throw new FormatException($"{a.Import.Name} declares a resource \"{name}\" the adapter does not know");
                            w.Section(SectionId.Export, e => e.Export(name, Sort.Type, resource));
                            map.Add(types++);
                            break;
                        }
                        if (bound != TypeBound.Eq) throw new FormatException($"{a.Import.Name}: unknown type bound 0x{bound:x2}");
                        r.U32();
                        w.Section(SectionId.Alias, e => e.Alias(Sort.Type, host, name));
                        var aliased = types++;
                        w.Section(SectionId.Export, e => e.Export(name, Sort.Type, aliased));
                        map.Add(types++);
                    }
                    else if (sort == Sort.Func)
                    {
                        var local = r.U32();
                        if (local >= map.Count) throw new FormatException($"{a.Import.Name}: function \"{name}\" has an unknown type");
                        var (from, member) = spec.Methods.TryGetValue(name, out var method) ? (adapter, method) : (host, name);
                        w.Section(SectionId.Alias, e => e.Alias(Sort.Func, from, member));
                        var func = funcs++;
                        w.Section(SectionId.Export, e => e.Export(name, Sort.Func, func, ascribed: (Sort.Func, map[(int)local])));
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
}
