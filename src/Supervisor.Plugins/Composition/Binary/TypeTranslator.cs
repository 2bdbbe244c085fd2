namespace Supervisor.Plugins.Composition.Binary;

/// <summary>
/// Copies a value or function type definition from one index space to another: every type index it uses goes
/// through a map (the nesting's wrapper re-declares the plugin's import type in its own type space). Forms the
/// wrapper never needs to re-declare (refinements, named results, resources, nested types) are refused.
/// </summary>
internal sealed class TypeTranslator(WasmReader r, WasmWriter w, List<uint> map, string import)
{
    /// <summary>Copies one type definition.</summary>
    public void DefType()
    {
        var form = r.Byte();
        w.Byte(form);
        switch (form)
        {
            case TypeForm.Func:
                NamedValTypes();
                var results = r.Byte();
                w.Byte(results);
                if (results == TypeForm.SingleResult) ValType();
                else if (results == TypeForm.NamedResults && r.Byte() == 0) w.Byte(0); // an empty list of named results: none
                else throw new FormatException($"{import}: a function type with named results");
                return;
            case TypeForm.Record:
                NamedValTypes();
                return;
            case TypeForm.Variant:
                for (var n = w.CopyU32(r.U32()); n > 0; n--)
                {
                    w.NameBytes(r.NameBytes());
                    OptionalValType();
                    if (r.Byte() != Flag.Absent) throw new FormatException($"{import}: a variant case with a refinement");
                    w.Byte(Flag.Absent);
                }
                return;
            case TypeForm.List or TypeForm.Option: ValType(); return;
            case TypeForm.Tuple: for (var n = w.CopyU32(r.U32()); n > 0; n--) ValType(); return;
            case TypeForm.Flags or TypeForm.Enum: for (var n = w.CopyU32(r.U32()); n > 0; n--) w.NameBytes(r.NameBytes()); return;
            case TypeForm.Result: OptionalValType(); OptionalValType(); return;
            case TypeForm.Own or TypeForm.Borrow: w.U32(Map(r.U32())); return;
            default:
                if (TypeForm.IsPrimitive(form)) return;
                throw new FormatException($"{import}: a type of a form the wrapper does not translate (0x{form:x2})");
        }
    }

    private void NamedValTypes()
    {
        for (var n = w.CopyU32(r.U32()); n > 0; n--) { w.NameBytes(r.NameBytes()); ValType(); }
    }

    private void ValType()
    {
        if (TypeForm.IsPrimitive(r.Peek())) w.Byte(r.Byte());
        else w.U32(Map(r.U32()));
    }

    private void OptionalValType()
    {
        var present = r.Byte();
        w.Byte(present);
        if (present == Flag.Present) ValType();
        else if (present != Flag.Absent) throw new FormatException($"{import}: bad optional type");
    }

    private uint Map(uint local) =>
        local < map.Count ? map[(int)local] : throw new FormatException($"{import}: type index {local} is out of range");
}
