using Supervisor.Plugins.Composition.Binary;
using Supervisor.Plugins.Interop;

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
internal static class ClientDataSplice
{
    /// <summary>The second fixup's module name for the adapter's functions (distinct from any table module: wit-component names its own "shim").</summary>
    private const string FixupFunctions = "supervisor-adapter";

    /// <summary>The adapter's host functions, in the order the splice aliases and lowers them.</summary>
    private static readonly string[] HostFunctions = ["get-enc", "set-enc", "fail"];

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

    /// <summary>
    /// The plugin spliced with the clientdata adapter, or null (and why) when its layout is not wit-component's;
    /// throws <see cref="FormatException"/> where the plugin is malformed.
    /// </summary>
    public static CompositionResult? Splice(byte[] plugin, AdapterSpec clientData, byte[] spliceModule, byte[] memoryModule, out string? reason)
    {
        reason = null;
        var sections = WasmReader.Sections(plugin, "the plugin");
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
                var getName = bag.FirstOrDefault(e => e.Sort == CoreSort.Func && e.Index == get.Func).Name;
                var setName = bag.FirstOrDefault(e => e.Sort == CoreSort.Func && e.Index == set.Func).Name;
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

        var shape = AdapterShape.Read(clientData);
        var o = new WasmWriter();
        o.Bytes(plugin);
        uint types = top.Types, funcs = top.Funcs, instances = top.Instances, coreModules = top.CoreModules,
            coreInstances = top.CoreInstances, coreFuncs = top.CoreFuncs, coreMemories = top.CoreMemories;

        // The adapter's host interface: type, import, and its three functions.
        o.Section(SectionId.Type, e => shape.WriteHostType(e, 0));
        var hostType = types++;
        o.Section(SectionId.Import, e => e.Extern(clientData.HostInterface, Sort.Instance, hostType));
        var host = instances++;
        var hostFuncs = new Dictionary<string, uint>();
        foreach (var name in HostFunctions)
        {
            o.Section(SectionId.Alias, e => e.Alias(Sort.Func, host, name));
            hostFuncs[name] = funcs++;
        }

        // The scratch memory module, instantiated; its memory and realloc.
        o.Section(SectionId.CoreModule, memoryModule);
        var memModule = coreModules++;
        o.Section(SectionId.CoreInstance, e => e.Instantiate(memModule, []));
        var mem = coreInstances++;
        o.Section(SectionId.Alias, e => e.Alias(Sort.Core, mem, "memory", CoreSort.Memory));
        var scratch = coreMemories++;
        o.Section(SectionId.Alias, e => e.Alias(Sort.Core, mem, "realloc", CoreSort.Func));
        var scratchRealloc = coreFuncs++;

        // The host functions lowered over the scratch memory; only get-enc returns a value, so only it needs a realloc.
        var lowered = new Dictionary<string, uint>();
        foreach (var name in HostFunctions)
        {
            var returns = name == "get-enc";
            o.Section(SectionId.Canon, e =>
            {
                e.Byte(CanonOp.Lower);
                e.Byte(CoreSort.Func);
                e.U32(hostFuncs[name]);
                e.U32(returns ? 3u : 2u); // the number of options
                e.Byte(CanonOption.Utf8);
                e.Byte(CanonOption.Memory);
                e.U32(scratch);
                if (!returns) return;
                e.Byte(CanonOption.Realloc);
                e.U32(scratchRealloc);
            });
            lowered[name] = coreFuncs++;
        }

        // The adapter module, instantiated with the scratch memory, the plugin's memory and realloc, and the host.
        o.Section(SectionId.CoreModule, spliceModule);
        var adapterModule = coreModules++;
        o.Section(SectionId.CoreInstance, e => e.CoreExports([("memory", CoreSort.Memory, pluginMemory), ("realloc", CoreSort.Func, pluginRealloc)]));
        var pluginBag = coreInstances++;
        o.Section(SectionId.CoreInstance, e => e.CoreExports(lowered.Select(l => (l.Key, CoreSort.Func, l.Value)).ToList()));
        var hostBag = coreInstances++;
        o.Section(SectionId.CoreInstance, e => e.Instantiate(adapterModule, [("mem", CoreSort.Instance, mem), ("plugin", CoreSort.Instance, pluginBag), ("host", CoreSort.Instance, hostBag)]));
        var adapter = coreInstances++;
        o.Section(SectionId.Alias, e => e.Alias(Sort.Core, adapter, "get", CoreSort.Func));
        var adaptedGet = coreFuncs++;
        o.Section(SectionId.Alias, e => e.Alias(Sort.Core, adapter, "set", CoreSort.Func));
        var adaptedSet = coreFuncs++;

        // A second fixup: the adapter's functions into the table slots of get and set.
        o.Section(SectionId.CoreModule, FixupModule(importTable.Module, importTable.Field, getSlot, setSlot));
        var fixupModule = coreModules++;
        o.Section(SectionId.CoreInstance, e => e.CoreExports([("get", CoreSort.Func, adaptedGet), ("set", CoreSort.Func, adaptedSet)]));
        var fixupBag = coreInstances++;
        o.Section(SectionId.CoreInstance, e => e.Instantiate(fixupModule, [(importTable.Module, CoreSort.Instance, importTable.Instance), (FixupFunctions, CoreSort.Instance, fixupBag)]));

        return new CompositionResult(CompositionStatus.Composed, o.ToArray(), null, [clientData.HostInterface]) { Original = plugin };
    }

    /// <summary>Counts every index space of the plugin's top level and records what splicing needs.</summary>
    private static TopLevel Walk(byte[] plugin, List<Section> sections, string clientDataInterface)
    {
        var t = new TopLevel();
        foreach (var sec in sections)
        {
            var r = new WasmReader(plugin, sec.Start, sec.End);
            switch (sec.Id)
            {
                case SectionId.Custom:
                    continue;
                case SectionId.CoreModule:
                    t.CoreModuleBytes[t.CoreModules++] = (sec.Start, sec.End);
                    continue;
                case SectionId.Component:
                    continue; // nothing appended refers to components
                case SectionId.CoreType:
                    r.U32();
                    continue; // core types are never referenced by what splicing adds
                case SectionId.Type:
                    t.Types += r.U32();
                    continue;
                case SectionId.CoreInstance:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var index = t.CoreInstances++;
                        switch (r.Byte())
                        {
                            case InstanceExpr.Instantiate:
                                var module = r.U32();
                                var args = new List<(string, uint)>();
                                for (var a = r.U32(); a > 0; a--)
                                {
                                    var name = r.Name();
                                    if (r.Byte() != CoreSort.Instance) throw new FormatException("a core instantiation argument that is not an instance");
                                    args.Add((name, r.U32()));
                                }
                                t.Instantiations.Add((module, args));
                                break;
                            case InstanceExpr.Exports:
                                var bag = new List<(string, byte, uint)>();
                                for (var e = r.U32(); e > 0; e--) bag.Add((r.Name(), r.Byte(), r.U32()));
                                t.Bags[index] = bag;
                                break;
                            default:
                                throw new FormatException("an unknown core instance form");
                        }
                    }
                    break;
                case SectionId.Instance:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        t.Instances++;
                        switch (r.Byte())
                        {
                            case InstanceExpr.Instantiate:
                                r.U32();
                                for (var a = r.U32(); a > 0; a--) { r.NameBytes(); SkipSortIndex(r); }
                                break;
                            case InstanceExpr.Exports:
                                for (var e = r.U32(); e > 0; e--) { r.ExternName(); SkipSortIndex(r); }
                                break;
                            default:
                                throw new FormatException("an unknown instance form");
                        }
                    }
                    break;
                case SectionId.Alias:
                    for (var n = r.U32(); n > 0; n--) WalkAlias(t, r);
                    break;
                case SectionId.Canon:
                    for (var n = r.U32(); n > 0; n--) WalkCanon(t, r);
                    break;
                case SectionId.Import:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var (_, name) = r.ExternName();
                        var sort = r.Peek();
                        if (sort == Sort.Instance && name == clientDataInterface) t.ClientDataInstance = t.Instances;
                        TypeSkipper.ExternDesc(r, name);
                        Count(t, sort);
                    }
                    break;
                case SectionId.Export:
                    for (var n = r.U32(); n > 0; n--)
                    {
                        var (_, name) = r.ExternName();
                        var sort = r.Byte();
                        if (sort == Sort.Core) throw new FormatException($"export \"{name}\" is a core item");
                        r.U32();
                        if (r.Byte() == Flag.Present) TypeSkipper.ExternDesc(r, name);
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

    /// <summary>Counts one alias entry, noting clientdata's get and set and where aliased core memories come from.</summary>
    private static void WalkAlias(TopLevel t, WasmReader r)
    {
        var sort = r.Byte();
        byte? coreSort = sort == Sort.Core ? r.Byte() : null;
        var target = r.Byte();
        uint instance = 0;
        string? name = null;
        switch (target)
        {
            case AliasTarget.Export or AliasTarget.CoreExport: instance = r.U32(); name = r.Name(); break;
            case AliasTarget.Outer: r.U32(); r.U32(); break;
            default: throw new FormatException("an unknown alias target");
        }
        if (sort == Sort.Core)
        {
            switch (coreSort)
            {
                case CoreSort.Func: t.CoreFuncs++; break;
                case CoreSort.Table: break; // the import table is reached through its instance
                case CoreSort.Memory:
                    if (target == AliasTarget.CoreExport) t.CoreMemoryOrigins[t.CoreMemories] = (instance, name!);
                    t.CoreMemories++;
                    break;
                case CoreSort.Module: t.CoreModules++; break;
                case CoreSort.Instance: t.CoreInstances++; break;
                case CoreSort.Global or CoreSort.Type: break; // not counted, never referenced here
                default: throw new FormatException("an alias of an unknown core sort");
            }
            return;
        }
        if (sort == Sort.Func && target == AliasTarget.Export && instance == t.ClientDataInstance && name is "get" or "set")
            t.ClientDataFuncs[t.Funcs] = name;
        Count(t, sort);
    }

    /// <summary>Counts one canonical definition, noting the lowering of clientdata's get and set.</summary>
    private static void WalkCanon(TopLevel t, WasmReader r)
    {
        var op = r.Byte();
        switch (op)
        {
            case CanonOp.Lift:
                if (r.Byte() != CoreSort.Func) throw new FormatException("an unknown canon lift form");
                r.U32();
                SkipCanonOptions(r);
                r.U32();
                t.Funcs++;
                break;
            case CanonOp.Lower:
                if (r.Byte() != CoreSort.Func) throw new FormatException("an unknown canon lower form");
                var func = r.U32();
                var (memory, realloc) = SkipCanonOptions(r);
                if (t.ClientDataFuncs.TryGetValue(func, out var which)) t.Lowered[which] = (t.CoreFuncs, memory, realloc);
                t.CoreFuncs++;
                break;
            case CanonOp.ResourceNew or CanonOp.ResourceDrop or CanonOp.ResourceRep:
                r.U32();
                t.CoreFuncs++;
                break;
            default:
                throw new FormatException($"a canonical built-in the splicer does not know (0x{op:x2})");
        }
    }

    private static void Count(TopLevel t, byte sort)
    {
        switch (sort)
        {
            case Sort.Func: t.Funcs++; break;
            case Sort.Type: t.Types++; break;
            case Sort.Instance: t.Instances++; break;
            case Sort.Component: break; // nothing appended refers to components
            default: throw new FormatException($"an item of a kind the splicer does not count (0x{sort:x2})");
        }
    }

    private static void SkipSortIndex(WasmReader r)
    {
        if (r.Byte() == Sort.Core) r.Byte();
        r.U32();
    }

    /// <summary>Skips canonical options; returns the memory and realloc they name.</summary>
    private static (uint? Memory, uint? Realloc) SkipCanonOptions(WasmReader r)
    {
        uint? memory = null, realloc = null;
        for (var n = r.U32(); n > 0; n--)
        {
            switch (r.Byte())
            {
                case CanonOption.Utf8 or CanonOption.Utf16 or CanonOption.CompactUtf16 or CanonOption.Async: break;
                case CanonOption.Memory: memory = r.U32(); break;
                case CanonOption.Realloc: realloc = r.U32(); break;
                case CanonOption.PostReturn or CanonOption.Callback: r.U32(); break;
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
        var r = new WasmReader(bytes, start, end);
        var magic = new[] { r.Byte(), r.Byte(), r.Byte(), r.Byte(), r.Byte(), r.Byte(), r.Byte(), r.Byte() };
        if (!magic.AsSpan().SequenceEqual(Preamble.CoreModule))
            throw new FormatException("the fixup is not a core module");
        var funcImports = new List<string?>();
        var slots = new Dictionary<string, uint>();
        while (r.Pos < end)
        {
            var id = r.Byte();
            var size = r.U32();
            if (size > (uint)(end - r.Pos)) throw new FormatException("a fixup section runs past the module");
            var s = new WasmReader(bytes, r.Pos, r.Pos + (int)size);
            r.Pos += (int)size;
            if (id == CoreModule.ImportSection)
            {
                for (var n = s.U32(); n > 0; n--)
                {
                    var from = s.Name();
                    var field = s.Name();
                    switch (s.Byte())
                    {
                        case CoreSort.Func: s.U32(); funcImports.Add(from == module ? field : null); break;
                        case CoreSort.Table: s.Byte(); SkipLimits(s); table = (from, field); break;
                        case CoreSort.Memory: SkipLimits(s); break;
                        case CoreSort.Global: s.Byte(); s.Byte(); break;
                        default: throw new FormatException("an unknown import kind in the fixup");
                    }
                }
            }
            else if (id == CoreModule.ElementSection)
            {
                for (var n = s.U32(); n > 0; n--)
                {
                    var flags = s.U32();
                    if (flags == CoreModule.ActiveSegmentWithTable && s.U32() != 0) throw new FormatException("a fixup segment for another table");
                    else if (flags is not (CoreModule.ActiveSegment or CoreModule.ActiveSegmentWithTable)) throw new FormatException("a fixup element segment of an unknown form");
                    if (s.Byte() != CoreModule.I32Const) throw new FormatException("a fixup segment offset that is not i32.const");
                    var offset = (uint)s.S32();
                    if (s.Byte() != CoreModule.End) throw new FormatException("a fixup segment offset that is not a constant");
                    if (flags == CoreModule.ActiveSegmentWithTable && s.Byte() != CoreModule.ElemKindFuncRef) throw new FormatException("a fixup segment of another element kind");
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

    private static void SkipLimits(WasmReader r)
    {
        var flags = r.Byte();
        r.U32();
        if ((flags & CoreModule.LimitsHasMax) != 0) r.U32();
    }

    /// <summary>A core module importing the plugin's import table and the adapter's get and set, writing them into their slots.</summary>
    private static byte[] FixupModule(string tableModule, string tableField, uint getSlot, uint setSlot) => Wat.ToBinary($"""
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
