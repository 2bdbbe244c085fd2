namespace Supervisor.Plugins.Composition;

/// <summary>
/// Splicing the clientdata adapter into a plugin built by wit-component (componentize-js, wit-bindgen), instead of
/// nesting the plugin beside it: such a plugin calls its lowered imports through a table ("$imports") that a small
/// fixup module fills after the main module is instantiated. Splicing appends sections after everything the
/// plugin defines, so no index of the plugin changes: the adapter's host interface (type, import, aliases), the
/// adapter's scratch memory and its core module (instantiated with the plugin's memory and cabi_realloc and the
/// lowered host functions), and a second fixup module that overwrites the table slots of clientdata's get and set
/// with the adapter's functions. Values then move between the plugin's memory and the adapter's with
/// <c>memory.copy</c> rather than Wasmtime's component-to-component copy (48-58 us at 64 KiB, the largest share
/// of a nested call). Any other layout returns null and the plugin is nested instead.
/// </summary>
internal static partial class ComponentComposer
{
    private const byte CoreSortFunc = 0x00, CoreSortTable = 0x01, CoreSortMemory = 0x02, CoreSortInstance = 0x12;

    /// <summary>The plugin spliced with the clientdata adapter, or null (and why) when its layout is not wit-component's.</summary>
    public static CompositionResult? TrySplice(byte[] plugin, AdapterSpec clientData, byte[] spliceModule, byte[] memoryModule, out string? reason)
    {
        try
        {
            reason = null;
            return SpliceCore(plugin, clientData, spliceModule, memoryModule, ref reason);
        }
        catch (FormatException e)
        {
            reason = e.Message;
            return null;
        }
    }

    /// <summary>What the walk over the plugin's top level found.</summary>
    private sealed class TopLevel
    {
        public uint Types, Funcs, Instances, CoreModules, CoreInstances, CoreFuncs, CoreMemories; // what the appended sections index after
        public uint? ClientDataInstance;
        public readonly Dictionary<uint, string> ClientDataFuncs = new();            // component func -> "get" / "set"
        public readonly Dictionary<string, (uint Func, uint? Memory, uint? Realloc)> Lowered = new(); // "get"/"set" -> core func
        public readonly Dictionary<uint, (int Start, int End)> CoreModuleBytes = new();
        public readonly Dictionary<uint, (uint Instance, string Name)> CoreMemoryOrigins = new(); // aliased core memory -> its export
        public readonly Dictionary<uint, List<(string Name, byte Sort, uint Index)>> Bags = new(); // core instance -> exports
        public readonly List<(uint Module, List<(string Name, uint Instance)> Args)> Instantiations = new();
    }

    private static CompositionResult? SpliceCore(byte[] plugin, AdapterSpec clientData, byte[] spliceModule, byte[] memoryModule, ref string? reason)
    {
        var sections = Sections(plugin, "the plugin");
        var top = Walk(plugin, sections, clientData.Interface);
        if (top.ClientDataInstance is null || !top.Lowered.TryGetValue("get", out var get) || !top.Lowered.TryGetValue("set", out var set))
        {
            reason = "the plugin does not lower both clientdata get and set";
            return null;
        }
        bool SameMemory(uint? a, uint? b) => a == b || (a is { } x && b is { } y && top.CoreMemoryOrigins.TryGetValue(x, out var ox) &&
                                                        top.CoreMemoryOrigins.TryGetValue(y, out var oy) && ox == oy);
        if (get.Memory is not { } pluginMemory || get.Realloc is not { } pluginRealloc || !SameMemory(set.Memory, pluginMemory))
        {
            reason = "clientdata get and set are lowered without one memory and a realloc";
            return null;
        }

        // The fixup: an instantiation with a bag holding the lowered get and set, whose module puts its imports
        // from that bag into a table it imports from another argument (the shim's "$imports").
        (string Module, string Field, uint Instance)? table = null;
        uint getSlot = 0, setSlot = 0;
        foreach (var (module, args) in top.Instantiations)
        {
            if (!top.CoreModuleBytes.TryGetValue(module, out var range)) continue;
            foreach (var (argName, argInstance) in args)
            {
                if (!top.Bags.TryGetValue(argInstance, out var bag)) continue;
                var getName = bag.FirstOrDefault(e => e.Sort == CoreSortFunc && e.Index == get.Func).Name;
                var setName = bag.FirstOrDefault(e => e.Sort == CoreSortFunc && e.Index == set.Func).Name;
                if (getName is null || setName is null) continue;
                var fixup = ReadFixup(plugin, range.Start, range.End, argName);
                if (fixup.Table is not { } t || !fixup.Slots.TryGetValue(getName, out getSlot) || !fixup.Slots.TryGetValue(setName, out setSlot)) continue;
                var source = args.Where(x => x.Name == t.Module).Select(x => (uint?)x.Instance).FirstOrDefault();
                if (source is null) continue;
                table = (t.Module, t.Field, source.Value);
            }
            if (table is not null) break;
        }
        if (table is not { } importTable)
        {
            reason = "no fixup module puts the lowered get and set into an import table";
            return null;
        }

        var layout = AdapterLayout.Read(clientData);
        var o = new Writer();
        o.Bytes(plugin);
        uint types = top.Types, funcs = top.Funcs, instances = top.Instances, coreModules = top.CoreModules,
            coreInstances = top.CoreInstances, coreFuncs = top.CoreFuncs, coreMemories = top.CoreMemories;

        // The adapter's host interface: type, import, and its three functions.
        var section = new Writer();
        section.U32(1);
        layout.WriteHostType(section, 0);
        o.Section(SecType, section.ToArray());
        o.Section(SecImport, ImportEntry(clientData.HostInterface, SortInstance, types++));
        var host = instances++;
        var hostFuncs = new Dictionary<string, uint>();
        foreach (var name in new[] { "get-enc", "set-enc", "fail" })
        {
            o.Section(SecAlias, AliasEntry(SortFunc, host, name));
            hostFuncs[name] = funcs++;
        }

        // The scratch memory module, instantiated; its memory and realloc.
        o.Section(SecCoreModule, memoryModule);
        var memModule = coreModules++;
        o.Section(SecCoreInstance, CoreInstantiate(memModule, []));
        var mem = coreInstances++;
        o.Section(SecAlias, CoreAlias(CoreSortMemory, mem, "memory"));
        var scratch = coreMemories++;
        o.Section(SecAlias, CoreAlias(CoreSortFunc, mem, "realloc"));
        var scratchRealloc = coreFuncs++;

        // The host functions lowered over the scratch memory.
        var lowered = new Dictionary<string, uint>();
        foreach (var name in new[] { "get-enc", "set-enc", "fail" })
        {
            var canon = new Writer();
            canon.U32(1);
            canon.Byte(0x01);
            canon.Byte(0x00);
            canon.U32(hostFuncs[name]);
            canon.U32(name == "get-enc" ? 3u : 2u);
            canon.Byte(0x00); // string-encoding=utf8
            canon.Byte(0x03);
            canon.U32(scratch);
            if (name == "get-enc")
            {
                canon.Byte(0x04);
                canon.U32(scratchRealloc);
            }
            o.Section(SecCanon, canon.ToArray());
            lowered[name] = coreFuncs++;
        }

        // The adapter module, instantiated with the scratch memory, the plugin's memory and realloc, and the host.
        o.Section(SecCoreModule, spliceModule);
        var adapterModule = coreModules++;
        o.Section(SecCoreInstance, CoreBag([("memory", CoreSortMemory, pluginMemory), ("realloc", CoreSortFunc, pluginRealloc)]));
        var pluginBag = coreInstances++;
        o.Section(SecCoreInstance, CoreBag(lowered.Select(l => (l.Key, CoreSortFunc, l.Value)).ToList()));
        var hostBag = coreInstances++;
        o.Section(SecCoreInstance, CoreInstantiate(adapterModule, [("mem", mem), ("plugin", pluginBag), ("host", hostBag)]));
        var adapter = coreInstances++;
        o.Section(SecAlias, CoreAlias(CoreSortFunc, adapter, "get"));
        var adaptedGet = coreFuncs++;
        o.Section(SecAlias, CoreAlias(CoreSortFunc, adapter, "set"));
        var adaptedSet = coreFuncs++;

        // A second fixup: the adapter's functions into the table slots of get and set.
        o.Section(SecCoreModule, FixupModule(importTable.Module, importTable.Field, getSlot, setSlot));
        var fixupModule = coreModules++;
        o.Section(SecCoreInstance, CoreBag([("get", CoreSortFunc, adaptedGet), ("set", CoreSortFunc, adaptedSet)]));
        var fixupBag = coreInstances++;
        o.Section(SecCoreInstance, CoreInstantiate(fixupModule, [(importTable.Module, importTable.Instance), (FixupFunctions, fixupBag)]));

        return new CompositionResult(CompositionStatus.Composed, o.ToArray(), null, [clientData.HostInterface]) { Original = plugin };
    }

    /// <summary>Counts every index space of the plugin's top level and records what splicing needs.</summary>
    private static TopLevel Walk(byte[] plugin, List<Section> sections, string clientDataInterface)
    {
        var t = new TopLevel();
        foreach (var sec in sections)
        {
            var r = new Reader(plugin, sec.Start, sec.End);
            switch (sec.Id)
            {
                case SecCustom:
                    continue;
                case SecCoreModule:
                    t.CoreModuleBytes[t.CoreModules++] = (sec.Start, sec.End);
                    continue;
                case SecComponent:
                    continue; // nothing appended refers to components
                case SecCoreType:
                    r.U32();
                    continue; // core types are never referenced by what splicing adds
                case SecType:
                    t.Types += r.U32();
                    continue;
                case SecCoreInstance:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var index = t.CoreInstances++;
                        switch (r.Byte())
                        {
                            case 0x00:
                                var module = r.U32();
                                var args = new List<(string, uint)>();
                                for (var a = r.U32(); a > 0; a--)
                                {
                                    var name = r.Name();
                                    if (r.Byte() != CoreSortInstance) throw new FormatException("a core instantiation argument that is not an instance");
                                    args.Add((name, r.U32()));
                                }
                                t.Instantiations.Add((module, args));
                                break;
                            case 0x01:
                                var bag = new List<(string, byte, uint)>();
                                for (var e = r.U32(); e > 0; e--) bag.Add((r.Name(), r.Byte(), r.U32()));
                                t.Bags[index] = bag;
                                break;
                            default:
                                throw new FormatException("an unknown core instance form");
                        }
                    }
                    break;
                case SecInstance:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        t.Instances++;
                        switch (r.Byte())
                        {
                            case 0x00:
                                r.U32();
                                for (var a = r.U32(); a > 0; a--) { r.NameBytes(); SkipSortIndex(ref r); }
                                break;
                            case 0x01:
                                for (var e = r.U32(); e > 0; e--) { r.ExternName(); SkipSortIndex(ref r); }
                                break;
                            default:
                                throw new FormatException("an unknown instance form");
                        }
                    }
                    break;
                case SecAlias:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var sort = r.Byte();
                        var coreSort = sort == 0x00 ? r.Byte() : (byte)0xff;
                        var target = r.Byte();
                        uint instance = 0;
                        string? name = null;
                        switch (target)
                        {
                            case 0x00 or 0x01: instance = r.U32(); name = r.Name(); break;
                            case 0x02: r.U32(); r.U32(); break;
                            default: throw new FormatException("an unknown alias target");
                        }
                        if (sort == 0x00)
                        {
                            switch (coreSort)
                            {
                                case CoreSortFunc: t.CoreFuncs++; break;
                                case CoreSortTable: break; // the import table is reached through its instance
                                case CoreSortMemory:
                                    if (target == 0x01) t.CoreMemoryOrigins[t.CoreMemories] = (instance, name!);
                                    t.CoreMemories++;
                                    break;
                                case 0x11: t.CoreModules++; break;
                                case CoreSortInstance: t.CoreInstances++; break;
                                case 0x03 or 0x10: break; // globals and core types: not counted, never referenced here
                                default: throw new FormatException("an alias of an unknown core sort");
                            }
                            continue;
                        }
                        if (sort == SortFunc && target == 0x00 && instance == t.ClientDataInstance && name is "get" or "set")
                            t.ClientDataFuncs[t.Funcs] = name;
                        Count(t, sort);
                    }
                    break;
                case SecCanon:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var op = r.Byte();
                        switch (op)
                        {
                            case 0x00:
                                if (r.Byte() != 0x00) throw new FormatException("an unknown canon lift form");
                                r.U32();
                                SkipCanonOptions(ref r);
                                r.U32();
                                t.Funcs++;
                                break;
                            case 0x01:
                                if (r.Byte() != 0x00) throw new FormatException("an unknown canon lower form");
                                var func = r.U32();
                                var (memory, realloc) = SkipCanonOptions(ref r);
                                if (t.ClientDataFuncs.TryGetValue(func, out var which)) t.Lowered[which] = (t.CoreFuncs, memory, realloc);
                                t.CoreFuncs++;
                                break;
                            case 0x02 or 0x03 or 0x04:
                                r.U32();
                                t.CoreFuncs++;
                                break;
                            default:
                                throw new FormatException($"a canonical built-in the splicer does not know (0x{op:x2})");
                        }
                    }
                    break;
                case SecImport:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var (_, name) = r.ExternName();
                        var sort = r.Peek();
                        if (sort == SortInstance && name == clientDataInterface) t.ClientDataInstance = t.Instances;
                        SkipExternDesc(ref r, name);
                        Count(t, sort);
                    }
                    break;
                case SecExport:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var (_, name) = r.ExternName();
                        var sort = r.Byte();
                        if (sort == 0x00) throw new FormatException($"export \"{name}\" is a core item");
                        r.U32();
                        if (r.Byte() == 0x01) SkipExternDesc(ref r, name);
                        Count(t, sort);
                    }
                    break;
                default:
                    throw new FormatException($"a section the splicer does not know ({sec.Id})");
            }
            r.ExpectEnd();
        }
        return t;
    }

    private static void Count(TopLevel t, byte sort)
    {
        switch (sort)
        {
            case SortFunc: t.Funcs++; break;
            case SortType: t.Types++; break;
            case SortInstance: t.Instances++; break;
            case SortComponent: break; // nothing appended refers to components
            default: throw new FormatException($"an item of a kind the splicer does not count (0x{sort:x2})");
        }
    }

    private static void SkipSortIndex(ref Reader r)
    {
        if (r.Byte() == 0x00) r.Byte();
        r.U32();
    }

    /// <summary>Skips canonical options; returns the memory and realloc they name.</summary>
    private static (uint? Memory, uint? Realloc) SkipCanonOptions(ref Reader r)
    {
        uint? memory = null, realloc = null;
        for (var n = r.U32(); n > 0; n--)
        {
            switch (r.Byte())
            {
                case 0x00 or 0x01 or 0x02 or 0x06: break;
                case 0x03: memory = r.U32(); break;
                case 0x04: realloc = r.U32(); break;
                case 0x05 or 0x07: r.U32(); break;
                default: throw new FormatException("an unknown canonical option");
            }
        }
        return (memory, realloc);
    }

    /// <summary>
    /// What a fixup module does: the table it imports (module and field) and the slot each function it imports from
    /// <paramref name="module"/> fills through its active element segments.
    /// </summary>
    private static ((string Module, string Field)? Table, Dictionary<string, uint> Slots) ReadFixup(byte[] bytes, int start, int end, string module)
    {
        (string, string)? table = null;
        var r = new Reader(bytes, start, end);
        var magic = new[] { r.Byte(), r.Byte(), r.Byte(), r.Byte(), r.Byte(), r.Byte(), r.Byte(), r.Byte() };
        if (!magic.AsSpan().SequenceEqual(new byte[] { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00 }))
            throw new FormatException("the fixup is not a core module");
        var funcImports = new List<string?>();
        var slots = new Dictionary<string, uint>();
        while (r.Pos < end)
        {
            var id = r.Byte();
            var size = r.U32();
            if (size > (uint)(end - r.Pos)) throw new FormatException("a fixup section runs past the module");
            var s = new Reader(bytes, r.Pos, r.Pos + (int)size);
            r.Pos += (int)size;
            if (id == 2)
            {
                for (var n = s.U32(); n > 0; n--)
                {
                    var from = s.Name();
                    var field = s.Name();
                    switch (s.Byte())
                    {
                        case 0x00: s.U32(); funcImports.Add(from == module ? field : null); break;
                        case 0x01: s.Byte(); SkipLimits(ref s); table = (from, field); break;
                        case 0x02: SkipLimits(ref s); break;
                        case 0x03: s.Byte(); s.Byte(); break;
                        default: throw new FormatException("an unknown import kind in the fixup");
                    }
                }
            }
            else if (id == 9)
            {
                for (var n = s.U32(); n > 0; n--)
                {
                    var flags = s.U32();
                    if (flags == 2 && s.U32() != 0) throw new FormatException("a fixup segment for another table");
                    else if (flags is not (0 or 2)) throw new FormatException("a fixup element segment of an unknown form");
                    if (s.Byte() != 0x41) throw new FormatException("a fixup segment offset that is not i32.const");
                    var offset = (uint)s.S32();
                    if (s.Byte() != 0x0b) throw new FormatException("a fixup segment offset that is not a constant");
                    if (flags == 2 && s.Byte() != 0x00) throw new FormatException("a fixup segment of another element kind");
                    var count = s.U32();
                    for (uint k = 0; k < count; k++)
                    {
                        var func = s.U32();
                        if (func < funcImports.Count && funcImports[(int)func] is { } field) slots[field] = offset + k;
                    }
                }
            }
        }
        return (table, slots);
    }

    private static void SkipLimits(ref Reader r)
    {
        var flags = r.Byte();
        r.U32();
        if ((flags & 1) != 0) r.U32();
    }

    private static byte[] CoreInstantiate(uint module, List<(string Name, uint Instance)> args)
    {
        var w = new Writer();
        w.U32(1);
        w.Byte(0x00);
        w.U32(module);
        w.U32((uint)args.Count);
        foreach (var (name, instance) in args)
        {
            w.Name(name);
            w.Byte(CoreSortInstance);
            w.U32(instance);
        }
        return w.ToArray();
    }

    private static byte[] CoreBag(List<(string Name, byte Sort, uint Index)> exports)
    {
        var w = new Writer();
        w.U32(1);
        w.Byte(0x01);
        w.U32((uint)exports.Count);
        foreach (var (name, sort, index) in exports)
        {
            w.Name(name);
            w.Byte(sort);
            w.U32(index);
        }
        return w.ToArray();
    }

    private static byte[] CoreAlias(byte coreSort, uint instance, string name)
    {
        var w = new Writer();
        w.U32(1);
        w.Byte(0x00);
        w.Byte(coreSort);
        w.Byte(0x01);
        w.U32(instance);
        w.Name(name);
        return w.ToArray();
    }

    /// <summary>The second fixup's module name for the adapter's functions (distinct from any table module: wit-component names its own "shim").</summary>
    private const string FixupFunctions = "supervisor-adapter";

    /// <summary>A core module importing the plugin's import table and the adapter's get and set, writing them into their slots.</summary>
    private static byte[] FixupModule(string tableModule, string tableField, uint getSlot, uint setSlot) => Interop.Wat.ToBinary($"""
        (module
          (import "{Escape(tableModule)}" "{Escape(tableField)}" (table 0 funcref))
          (import "{FixupFunctions}" "get" (func $get (param i32 i32 i32)))
          (import "{FixupFunctions}" "set" (func $set (param i32 i32 i32 i32)))
          (elem (table 0) (i32.const {getSlot}) func $get)
          (elem (table 0) (i32.const {setSlot}) func $set))
        """);

    /// <summary>A name as a WAT string literal's contents: every byte escaped, so no name can break out of the literal.</summary>
    private static string Escape(string name) => string.Concat(System.Text.Encoding.UTF8.GetBytes(name).Select(b => $"\\{b:x2}"));
}
