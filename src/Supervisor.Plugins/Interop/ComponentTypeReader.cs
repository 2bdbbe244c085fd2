using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// Turns Wasmtime's native component type objects into the managed <see cref="WitType"/> model.
/// Every native object it receives is freed here: externs (owned in v50), items, valtypes.
/// Resource types seen as items are cloned and kept until the reader is disposed, so that own/borrow
/// types met later can be named by <c>wasmtime_component_resource_type_equal</c>.
/// </summary>
internal sealed unsafe class ComponentTypeReader : IDisposable
{
    private readonly EngineHandle _engine;
    private readonly List<(string Name, ResourceTypeHandle Type)> _resources = [];

    public ComponentTypeReader(EngineHandle engine) => _engine = engine;

    public ComponentTypeInfo ReadComponent(nint componentType)
    {
        var imports = ReadList(componentType, imports: true);
        var exports = ReadList(componentType, imports: false);
        return new ComponentTypeInfo(imports, exports);
    }

    private List<ComponentItemInfo> ReadList(nint componentType, bool imports)
    {
        var count = imports
            ? Native.wasmtime_component_type_import_count(componentType, _engine)
            : Native.wasmtime_component_type_export_count(componentType, _engine);
        var items = new List<ComponentItemInfo>((int)count);
        for (nuint i = 0; i < count; i++)
        {
            byte* name; nuint length; nint ext;
            var found = imports
                ? Native.wasmtime_component_type_import_nth(componentType, _engine, i, &name, &length, &ext)
                : Native.wasmtime_component_type_export_nth(componentType, _engine, i, &name, &length, &ext);
            if (!found) continue;
            // The name points into the component type (not the extern); copy before anything is freed.
            items.Add(ReadExtern(Str(name, length), ext));
        }
        return items;
    }

    /// <summary>Reads and frees an owned extern.</summary>
    private ComponentItemInfo ReadExtern(string name, nint ext)
    {
        using var handle = new ExternHandle(ext);
        ComponentItem item;
        Native.wasmtime_component_extern_type(handle, &item);
        try { return ReadItem(name, ref item); }
        finally { Native.wasmtime_component_item_delete(&item); }
    }

    private ComponentItemInfo ReadItem(string name, ref ComponentItem item)
    {
        var kind = (ComponentItemKind)item.Kind;
        switch (kind)
        {
            case ComponentItemKind.Func:
                return new ComponentItemInfo(name, kind, function: ReadFunction(item.Ptr));
            case ComponentItemKind.Instance:
                return new ComponentItemInfo(name, kind, exports: ReadInstance(item.Ptr));
            case ComponentItemKind.Component:
            {
                var nested = ReadComponent(item.Ptr);
                return new ComponentItemInfo(name, kind, exports: nested.Exports);
            }
            case ComponentItemKind.Resource:
                _resources.Add((name, new ResourceTypeHandle(Native.wasmtime_component_resource_type_clone(item.Ptr))));
                return new ComponentItemInfo(name, kind);
            case ComponentItemKind.Type:
                // Read without taking ownership: item_delete frees the valtype.
                return new ComponentItemInfo(name, kind, type: ReadValType(item.Type));
            default:
                return new ComponentItemInfo(name, kind);
        }
    }

    private List<ComponentItemInfo> ReadInstance(nint instanceType)
    {
        var count = Native.wasmtime_component_instance_type_export_count(instanceType, _engine);
        var items = new List<ComponentItemInfo>((int)count);
        for (nuint i = 0; i < count; i++)
        {
            byte* name; nuint length; nint ext;
            if (!Native.wasmtime_component_instance_type_export_nth(instanceType, _engine, i, &name, &length, &ext)) continue;
            items.Add(ReadExtern(Str(name, length), ext));
        }
        return items;
    }

    public WitFunctionType ReadFunction(nint funcType)
    {
        var count = Native.wasmtime_component_func_type_param_count(funcType);
        var ps = new List<WitParam>((int)count);
        for (nuint i = 0; i < count; i++)
        {
            byte* name; nuint length;
            OwnedValType t = default;
            if (!Native.wasmtime_component_func_type_param_nth(funcType, i, &name, &length, &t.Value)) continue;
            using (t) ps.Add(new WitParam(Str(name, length), ReadValType(t.Value)));
        }
        WitType? result = null;
        OwnedValType r = default;
        if (Native.wasmtime_component_func_type_result(funcType, &r.Value))
            using (r) result = ReadValType(r.Value);
        return new WitFunctionType(ps, result);
    }

    /// <summary>Converts a valtype; does not free it (the caller owns it).</summary>
    public WitType ReadValType(in ComponentValType vt)
    {
        var p = vt.Ptr;
        switch (vt.Kind)
        {
            case 0: return WitType.Bool;
            case 1: return WitType.S8;
            case 2: return WitType.S16;
            case 3: return WitType.S32;
            case 4: return WitType.S64;
            case 5: return WitType.U8;
            case 6: return WitType.U16;
            case 7: return WitType.U32;
            case 8: return WitType.U64;
            case 9: return WitType.F32;
            case 10: return WitType.F64;
            case 11: return WitType.Char;
            case 12: return WitType.String;
            case 13:
            {
                OwnedValType e = default;
                Native.wasmtime_component_list_type_element(p, &e.Value);
                using (e) return new WitList(ReadValType(e.Value));
            }
            case 14:
            {
                var n = Native.wasmtime_component_record_type_field_count(p);
                var fields = new List<WitField>((int)n);
                for (nuint i = 0; i < n; i++)
                {
                    byte* name; nuint length; OwnedValType f = default;
                    if (!Native.wasmtime_component_record_type_field_nth(p, i, &name, &length, &f.Value)) continue;
                    using (f) fields.Add(new WitField(Str(name, length), ReadValType(f.Value)));
                }
                return new WitRecord(fields);
            }
            case 15:
            {
                var n = Native.wasmtime_component_tuple_type_types_count(p);
                var types = new List<WitType>((int)n);
                for (nuint i = 0; i < n; i++)
                {
                    OwnedValType t = default;
                    if (!Native.wasmtime_component_tuple_type_types_nth(p, i, &t.Value)) continue;
                    using (t) types.Add(ReadValType(t.Value));
                }
                return new WitTuple(types);
            }
            case 16:
            {
                var n = Native.wasmtime_component_variant_type_case_count(p);
                var cases = new List<WitCase>((int)n);
                for (nuint i = 0; i < n; i++)
                {
                    byte* name; nuint length; byte has; OwnedValType t = default;
                    if (!Native.wasmtime_component_variant_type_case_nth(p, i, &name, &length, &has, &t.Value)) continue;
                    using (t) cases.Add(new WitCase(Str(name, length), has != 0 ? ReadValType(t.Value) : null));
                }
                return new WitVariant(cases);
            }
            case 17:
            {
                var n = Native.wasmtime_component_enum_type_names_count(p);
                var names = new List<string>((int)n);
                for (nuint i = 0; i < n; i++)
                {
                    byte* name; nuint length;
                    if (Native.wasmtime_component_enum_type_names_nth(p, i, &name, &length)) names.Add(Str(name, length));
                }
                return new WitEnum(names);
            }
            case 18:
            {
                OwnedValType t = default;
                Native.wasmtime_component_option_type_ty(p, &t.Value);
                using (t) return new WitOption(ReadValType(t.Value));
            }
            case 19:
            {
                OwnedValType ok = default, err = default;
                WitType? okT = null, errT = null;
                if (Native.wasmtime_component_result_type_ok(p, &ok.Value)) using (ok) okT = ReadValType(ok.Value);
                if (Native.wasmtime_component_result_type_err(p, &err.Value)) using (err) errT = ReadValType(err.Value);
                return new WitResultType(okT, errT);
            }
            case 20:
            {
                var n = Native.wasmtime_component_flags_type_names_count(p);
                var names = new List<string>((int)n);
                for (nuint i = 0; i < n; i++)
                {
                    byte* name; nuint length;
                    if (Native.wasmtime_component_flags_type_names_nth(p, i, &name, &length)) names.Add(Str(name, length));
                }
                return new WitFlags(names);
            }
            case 21: return new WitResource(WitKind.Own, ResourceName(p));
            case 22: return new WitResource(WitKind.Borrow, ResourceName(p));
            case 23: return new WitOpaque(WitKind.Future, 23);
            case 24: return new WitOpaque(WitKind.Stream, 24);
            case 25: return new WitOpaque(WitKind.ErrorContext, 25);
            case 26:
            {
                OwnedValType k = default, v = default;
                Native.wasmtime_component_map_type_key(p, &k.Value);
                Native.wasmtime_component_map_type_value(p, &v.Value);
                using (k) using (v) return new WitMap(ReadValType(k.Value), ReadValType(v.Value));
            }
            default: return new WitOpaque(WitKind.Unknown, vt.Kind);
        }
    }

    private string? ResourceName(nint resourceType)
    {
        if (resourceType == 0) return null;
        // Latest definition wins: inner scopes are read after outer ones.
        for (var i = _resources.Count - 1; i >= 0; i--)
            if (Native.wasmtime_component_resource_type_equal(_resources[i].Type, resourceType))
                return _resources[i].Name;
        return null;
    }

    internal static string Str(byte* p, nuint length) =>
        p == null ? "" : Encoding.UTF8.GetString(p, checked((int)length));

    public void Dispose()
    {
        foreach (var (_, t) in _resources) t.Dispose();
        _resources.Clear();
    }
}
