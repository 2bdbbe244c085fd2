namespace Supervisor.Plugins.Composition.Binary;

/// <summary>
/// Skips the component model's type grammar (type definitions, declarations, extern descriptions, aliases)
/// without building anything: the composers copy types as bytes and only need to know where each one ends.
/// </summary>
internal static class TypeSkipper
{
    /// <summary>How deep component and instance types may nest: wit-component nests two or three levels; a hostile binary nesting thousands would otherwise overflow the stack (which no handler can catch).</summary>
    private const int MaxTypeDepth = 32;

    /// <summary>Skips one type definition (a value, function, component, instance or resource type).</summary>
    public static void DefType(WasmReader r, int depth = 0)
    {
        if (depth > MaxTypeDepth) throw new FormatException($"types nest deeper than {MaxTypeDepth} levels at byte {r.Pos}");
        var form = r.Byte();
        switch (form)
        {
            case TypeForm.Func or TypeForm.AsyncFunc:
                NamedValTypes(r);
                switch (r.Byte())
                {
                    case TypeForm.SingleResult: ValType(r); break;
                    case TypeForm.NamedResults: NamedValTypes(r); break;
                    default: throw new FormatException($"unknown function result encoding at byte {r.Pos - 1}");
                }
                break;
            case TypeForm.Component:
                for (var n = r.U32(); n > 0; n--)
                {
                    var decl = r.Byte();
                    if (decl == DeclarationKind.Import)
                    {
                        var (_, name) = r.ExternName();
                        ExternDesc(r, name);
                    }
                    else InstanceDecl(r, decl, depth + 1);
                }
                break;
            case TypeForm.Instance:
                for (var n = r.U32(); n > 0; n--) InstanceDecl(r, r.Byte(), depth + 1);
                break;
            case TypeForm.Resource:
                if (r.Byte() != TypeForm.ResourceRepI32) throw new FormatException($"a resource type at byte {r.Pos - 1} has a representation other than i32");
                if (r.Byte() == Flag.Present) r.U32();
                break;
            default:
                DefValType(r, form);
                break;
        }
    }

    /// <summary>Skips an alias entry; returns its sort (<see cref="Sort.Core"/> for core sorts).</summary>
    public static byte Alias(WasmReader r)
    {
        var sort = r.Byte();
        if (sort == Sort.Core) r.Byte();
        switch (r.Byte())
        {
            case AliasTarget.Export or AliasTarget.CoreExport: r.U32(); r.NameBytes(); break;
            case AliasTarget.Outer: r.U32(); r.U32(); break;
            default: throw new FormatException($"unknown alias target at byte {r.Pos - 1}");
        }
        return sort;
    }

    /// <summary>Skips an import's or export's description; <paramref name="name"/> is the item's, for errors.</summary>
    public static void ExternDesc(WasmReader r, string name)
    {
        var sort = r.Byte();
        switch (sort)
        {
            case Sort.Core:
                if (r.Byte() != CoreSort.Module) throw new FormatException($"\"{name}\": bad core module type");
                r.U32();
                break;
            case Sort.Func or Sort.Component or Sort.Instance:
                r.U32();
                break;
            case Sort.Type:
                TypeBounds(r, name);
                break;
            case Sort.Value:
                throw new FormatException($"\"{name}\" is a value, which the composer does not handle");
            default:
                throw new FormatException($"\"{name}\": unknown extern kind 0x{sort:x2}");
        }
    }

    /// <summary>Skips a type's bound (an equal type's index, or nothing for a resource); errors name the type as <paramref name="kind"/> "<paramref name="name"/>".</summary>
    public static void TypeBounds(WasmReader r, string name, string kind = "")
    {
        var bound = r.Byte();
        if (bound == TypeBound.Eq) r.U32();
        else if (bound != TypeBound.SubResource) throw new FormatException($"{kind}\"{name}\": unknown type bound 0x{bound:x2}");
    }

    /// <summary>Skips one declaration of an instance type (or a component type's, other than an import).</summary>
    public static void InstanceDecl(WasmReader r, byte decl, int depth)
    {
        switch (decl)
        {
            case DeclarationKind.Type: DefType(r, depth); break;
            case DeclarationKind.Alias: Alias(r); break;
            case DeclarationKind.Export:
                var (_, name) = r.ExternName();
                ExternDesc(r, name);
                break;
            default: throw new FormatException($"a type declaration of a kind the composer does not handle (0x{decl:x2})");
        }
    }

    public static void ValType(WasmReader r)
    {
        if (TypeForm.IsPrimitive(r.Peek())) r.Byte();
        else r.U32();
    }

    private static void NamedValTypes(WasmReader r)
    {
        for (var n = r.U32(); n > 0; n--) { r.NameBytes(); ValType(r); }
    }

    private static void OptionalValType(WasmReader r)
    {
        switch (r.Byte())
        {
            case Flag.Absent: break;
            case Flag.Present: ValType(r); break;
            default: throw new FormatException($"bad optional type at byte {r.Pos - 1}");
        }
    }

    private static void DefValType(WasmReader r, byte form)
    {
        if (TypeForm.IsPrimitive(form)) return;
        switch (form)
        {
            case TypeForm.Record:
                NamedValTypes(r);
                break;
            case TypeForm.Variant:
                for (var n = r.U32(); n > 0; n--)
                {
                    r.NameBytes();
                    OptionalValType(r);
                    if (r.Byte() == Flag.Present) r.U32();
                }
                break;
            case TypeForm.List or TypeForm.Option: ValType(r); break;
            case TypeForm.FixedSizeList: ValType(r); r.U32(); break;
            case TypeForm.Tuple: for (var n = r.U32(); n > 0; n--) ValType(r); break;
            case TypeForm.Flags or TypeForm.Enum: for (var n = r.U32(); n > 0; n--) r.NameBytes(); break;
            case TypeForm.Result: OptionalValType(r); OptionalValType(r); break;
            case TypeForm.Own or TypeForm.Borrow: r.U32(); break;
            case TypeForm.Stream or TypeForm.Future: OptionalValType(r); break;
            default: throw new FormatException($"a type of a form the composer does not know (0x{form:x2}) at byte {r.Pos - 1}");
        }
    }
}
