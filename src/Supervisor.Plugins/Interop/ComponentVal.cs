using System.Runtime.InteropServices;
using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>Kinds of wasmtime_component_val_t (numbered differently from valtype kinds).</summary>
internal enum ComponentValKind : byte
{
    Bool = 0, S8 = 1, U8 = 2, S16 = 3, U16 = 4, S32 = 5, U32 = 6, S64 = 7, U64 = 8, F32 = 9, F64 = 10,
    Char = 11, String = 12, List = 13, Record = 14, Tuple = 15, Variant = 16, Enum = 17, Option = 18,
    Result = 19, Flags = 20, Resource = 21, Map = 22,
}

/// <summary>
/// wasmtime_component_val_t (v50, x86-64): 32 bytes, kind at 0, union at 8. Strings, lists, records, tuples,
/// flags, enum names: size at 8, data at 16. Variant: name at 8/16, payload val* at 24. Option: val* at 8.
/// Result: is_ok at 8, val* at 16. Resource: resource_any_t* at 8. A list holds one 32-byte val per element.
/// Host functions see these directly over Wasmtime's memory (no copies), through spans.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal unsafe struct ComponentVal
{
    [FieldOffset(0)] public ComponentValKind Kind;
    [FieldOffset(8)] public byte Bool;
    [FieldOffset(8)] public sbyte S8;
    [FieldOffset(8)] public byte U8;
    [FieldOffset(8)] public short S16;
    [FieldOffset(8)] public ushort U16;
    [FieldOffset(8)] public int S32;
    [FieldOffset(8)] public uint U32;
    [FieldOffset(8)] public long S64;
    [FieldOffset(8)] public ulong U64;
    [FieldOffset(8)] public float F32;
    [FieldOffset(8)] public double F64;
    [FieldOffset(8)] public uint Char;
    /// <summary>Vector size (string bytes, list elements, record fields...), or a pointer (option, resource).</summary>
    [FieldOffset(8)] public nuint Size;
    [FieldOffset(8)] public nint Pointer8;
    [FieldOffset(16)] public nint Data;
    [FieldOffset(24)] public nint VariantPayload;

    public static readonly int SizeInBytes = sizeof(ComponentVal);

    public readonly ReadOnlySpan<byte> Utf8
    {
        get
        {
            if (Kind is not (ComponentValKind.String or ComponentValKind.Enum))
                throw new InvalidCastException($"value is {Kind}, not a string");
            return new ReadOnlySpan<byte>((void*)Data, checked((int)Size));
        }
    }

    public override readonly string ToString() => Kind switch
    {
        ComponentValKind.String => $"\"{Encoding.UTF8.GetString(Utf8)}\"",
        ComponentValKind.U8 => U8.ToString(),
        ComponentValKind.U32 => U32.ToString(),
        ComponentValKind.S32 => S32.ToString(),
        ComponentValKind.List => $"list[{Size}]",
        _ => Kind.ToString(),
    };
}

/// <summary>A record field as Wasmtime lays it out: name (wasm_name_t, 16 bytes) then the value (32).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ComponentValRecordEntry
{
    public WasmByteVec Name;
    public ComponentVal Value;
}

/// <summary>A map entry: key then value.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ComponentValMapEntry
{
    public ComponentVal Key;
    public ComponentVal Value;
}
