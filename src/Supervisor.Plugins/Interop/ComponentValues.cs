using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// The fast path: readers and writers of single <see cref="ComponentVal"/> parts, in place, for host functions
/// (the general conversion by WIT type is <see cref="ManagedValues"/>; resources are <see cref="ComponentResources"/>).
/// Ownership (see WASMTIME-NOTES): values Wasmtime hands in (host function arguments) are read only, never freed;
/// every heap part of a value given to Wasmtime (results, call arguments) is allocated by Wasmtime's own
/// allocators (vallist_new_uninit, val_new, wasm_byte_vec_new...), because Wasmtime frees it.
/// A destination must not already hold heap parts (a result slot holds bool false); writing twice leaks.
/// </summary>
internal static unsafe class ComponentValues
{
    // ------------------------------------------------------------------ fast readers

    /// <summary>The UTF-8 bytes of a string value, in place (valid during the callback or until the value is deleted).</summary>
    public static ReadOnlySpan<byte> ReadUtf8(in ComponentVal v) => v.Utf8;

    public static string ReadString(in ComponentVal v) => Encoding.UTF8.GetString(v.Utf8);

    /// <summary>Number of elements of a list value.</summary>
    public static int ListLength(in ComponentVal v)
    {
        Expect(v, ComponentValKind.List);
        return checked((int)v.Size);
    }

    /// <summary>Copies a <c>list&lt;u8&gt;</c> into <paramref name="destination"/>; returns the byte count.</summary>
    public static int ReadBytes(in ComponentVal v, Span<byte> destination)
    {
        var n = ListLength(v);
        if (destination.Length < n) throw new ArgumentException($"destination holds {destination.Length} bytes, list has {n}", nameof(destination));
        var src = (ComponentVal*)v.Data;
        // Each element is a 32-byte val_t with the byte at offset 8; the kind was checked by Wasmtime's type check.
        fixed (byte* dst = destination)
        {
            var s = (byte*)src + 8;
            var i = 0;
            for (; i + 4 <= n; i += 4, s += 128)
            {
                dst[i] = s[0];
                dst[i + 1] = s[32];
                dst[i + 2] = s[64];
                dst[i + 3] = s[96];
            }
            for (; i < n; i++, s += 32) dst[i] = *s;
        }
        return n;
    }

    public static byte[] ReadBytes(in ComponentVal v)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(ListLength(v));
        ReadBytes(v, bytes);
        return bytes;
    }

    // ------------------------------------------------------------------ fast writers

    public static void WriteBool(ref ComponentVal dst, bool value) { dst.Kind = ComponentValKind.Bool; dst.U64 = 0; dst.Bool = value ? (byte)1 : (byte)0; }
    public static void WriteU64(ref ComponentVal dst, ulong value) { dst.Kind = ComponentValKind.U64; dst.U64 = value; }

    /// <summary>Writes a string from UTF-8 bytes (copied into a Wasmtime-allocated buffer).</summary>
    public static void WriteUtf8(ref ComponentVal dst, ReadOnlySpan<byte> utf8)
    {
        WasmByteVec vec = default;
        Native.wasm_byte_vec_new_uninitialized(&vec, (nuint)utf8.Length);
        if (utf8.Length > 0) utf8.CopyTo(new Span<byte>(vec.Data, utf8.Length));
        dst.Kind = ComponentValKind.String;
        dst.Size = vec.Size;
        dst.Data = (nint)vec.Data;
    }

    public static void WriteString(ref ComponentVal dst, ReadOnlySpan<char> value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WasmByteVec vec = default;
        Native.wasm_byte_vec_new_uninitialized(&vec, (nuint)length);
        dst.Kind = ComponentValKind.String;
        dst.Size = vec.Size;
        dst.Data = (nint)vec.Data;
        if (length > 0) Encoding.UTF8.GetBytes(value, new Span<byte>(vec.Data, length));
    }

    /// <summary>Writes a <c>list&lt;u8&gt;</c>: one 32-byte u8 value per byte, in a Wasmtime-allocated list.</summary>
    public static void WriteBytes(ref ComponentVal dst, ReadOnlySpan<byte> bytes)
    {
        ValVec vec = default;
        Native.wasmtime_component_vallist_new_uninit(&vec, (nuint)bytes.Length);
        var e = (byte*)vec.Data;
        for (var i = 0; i < bytes.Length; i++, e += 32)
        {
            // kind (1 byte) + payload; u8 values own nothing, so the rest may stay as it is.
            *(ulong*)e = (ulong)ComponentValKind.U8;
            *(ulong*)(e + 8) = bytes[i];
        }
        dst.Kind = ComponentValKind.List;
        dst.Size = vec.Size;
        dst.Data = (nint)vec.Data;
    }

    /// <summary>Writes <c>option&lt;list&lt;u8&gt;&gt;</c>: none when <paramref name="hasValue"/> is false.</summary>
    public static void WriteOptionBytes(ref ComponentVal dst, ReadOnlySpan<byte> bytes, bool hasValue = true)
    {
        if (!hasValue) { WriteNone(ref dst); return; }
        ComponentVal payload = default;
        WriteBytes(ref payload, bytes);
        WriteSome(ref dst, ref payload);
    }

    public static void WriteNone(ref ComponentVal dst) { dst.Kind = ComponentValKind.Option; dst.Pointer8 = 0; }

    /// <summary>Wraps <paramref name="payload"/> (moved: it is reset) as <c>some</c>.</summary>
    public static void WriteSome(ref ComponentVal dst, ref ComponentVal payload)
    {
        dst.Kind = ComponentValKind.Option;
        fixed (ComponentVal* p = &payload) dst.Pointer8 = (nint)Native.wasmtime_component_val_new(p);
    }

    /// <summary>Writes a result; <paramref name="payload"/> (moved) is used when <paramref name="hasPayload"/>.</summary>
    public static void WriteResult(ref ComponentVal dst, bool isOk, ref ComponentVal payload, bool hasPayload)
    {
        dst.Kind = ComponentValKind.Result;
        dst.U64 = 0;
        dst.Bool = isOk ? (byte)1 : (byte)0;
        dst.Data = 0;
        if (hasPayload) fixed (ComponentVal* p = &payload) dst.Data = (nint)Native.wasmtime_component_val_new(p);
    }

    /// <summary>Frees a value created for Wasmtime (call arguments after a call, call results after reading).</summary>
    public static void Delete(ref ComponentVal value)
    {
        fixed (ComponentVal* p = &value) Native.wasmtime_component_val_delete(p);
        value = default;
    }

    internal static void Expect(in ComponentVal v, ComponentValKind kind)
    {
        if (v.Kind != kind) throw new InvalidCastException($"value is {v.Kind}, expected {kind}");
    }
}
