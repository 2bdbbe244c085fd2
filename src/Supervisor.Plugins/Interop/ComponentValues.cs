using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>A host-defined resource as the host sees it: its type id, its representation, owned or borrowed.</summary>
internal readonly record struct HostResource(uint TypeId, uint Rep, bool Owned = true);

/// <summary>
/// Readers and writers over <see cref="ComponentVal"/>.
/// Ownership (see WASMTIME-NOTES): values Wasmtime hands in (host function arguments) are read only, never freed;
/// every heap part of a value given to Wasmtime (results, call arguments) is allocated by Wasmtime's own
/// allocators (vallist_new_uninit, val_new, wasm_byte_vec_new...), because Wasmtime frees it. Writers link each
/// allocation into the destination before filling it, and zero new vectors (zero = bool false, a valid value),
/// so a writer that throws half-way still leaves a value Wasmtime can drop.
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

    /// <summary>The payload of an option (null pointer for none).</summary>
    public static ref readonly ComponentVal OptionPayload(in ComponentVal v, out bool isSome)
    {
        Expect(v, ComponentValKind.Option);
        isSome = v.Pointer8 != 0;
        return ref isSome ? ref *(ComponentVal*)v.Pointer8 : ref Unsafe.NullRef<ComponentVal>();
    }

    /// <summary>Reads an <c>option&lt;list&lt;u8&gt;&gt;</c>: null for none.</summary>
    public static byte[]? ReadOptionBytes(in ComponentVal v)
    {
        ref readonly var payload = ref OptionPayload(v, out var some);
        return some ? ReadBytes(payload) : null;
    }

    // ------------------------------------------------------------------ fast writers

    public static void WriteBool(ref ComponentVal dst, bool value) { dst.Kind = ComponentValKind.Bool; dst.U64 = 0; dst.Bool = value ? (byte)1 : (byte)0; }
    public static void WriteU8(ref ComponentVal dst, byte value) { dst.Kind = ComponentValKind.U8; dst.U64 = value; }
    public static void WriteS32(ref ComponentVal dst, int value) { dst.Kind = ComponentValKind.S32; dst.U64 = 0; dst.S32 = value; }
    public static void WriteU32(ref ComponentVal dst, uint value) { dst.Kind = ComponentValKind.U32; dst.U64 = value; }
    public static void WriteS64(ref ComponentVal dst, long value) { dst.Kind = ComponentValKind.S64; dst.S64 = value; }
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

    // ------------------------------------------------------------------ resources

    /// <summary>Writes an owned handle to a host resource (e.g. a constructor's or an open function's result).</summary>
    public static void WriteHostResource(nint context, ref ComponentVal dst, HostResource resource)
    {
        using var host = new ResourceHostHandle(Native.wasmtime_component_resource_host_new(resource.Owned, resource.Rep, resource.TypeId));
        nint any;
        WasmtimeException.ThrowIfError(Native.wasmtime_component_resource_host_to_any(context, host.Pointer, &any));
        dst.Kind = ComponentValKind.Resource;
        dst.Pointer8 = any;
    }

    /// <summary>
    /// The host type id and representation behind a resource value (a <c>borrow&lt;T&gt;</c> or <c>own&lt;T&gt;</c>
    /// argument); null if it is not a host resource.
    /// </summary>
    public static HostResource? TryReadHostResource(nint context, in ComponentVal v)
    {
        Expect(v, ComponentValKind.Resource);
        nint host;
        var error = Native.wasmtime_component_resource_any_to_host(context, v.Pointer8, &host);
        if (error != 0)
        {
            Native.wasmtime_error_delete(error);
            return null;
        }
        try
        {
            return new HostResource(Native.wasmtime_component_resource_host_type(host), Native.wasmtime_component_resource_host_rep(host),
                Native.wasmtime_component_resource_host_owned(host));
        }
        finally { Native.wasmtime_component_resource_host_delete(host); }
    }

    /// <summary>The representation of a host resource argument of the expected type; throws otherwise.</summary>
    public static uint ReadHostResourceRep(nint context, in ComponentVal v, HostResourceType expected)
    {
        var r = TryReadHostResource(context, v) ?? throw new InvalidOperationException("not a host resource");
        if (r.TypeId != expected.TypeId) throw new InvalidOperationException($"resource of host type {r.TypeId}, expected {expected.Name} ({expected.TypeId})");
        return r.Rep;
    }

    // ------------------------------------------------------------------ general conversion

    /// <summary>
    /// Converts a value to .NET following <paramref name="type"/>: bool, sbyte/byte/short/ushort/int/uint/long/ulong,
    /// float/double, Rune (char), string, byte[] (list&lt;u8&gt;), List&lt;object?&gt; (lists),
    /// Dictionary&lt;string, object?&gt; (records), object?[] (tuples), <see cref="WitVariantValue"/>, string (enums),
    /// null or the payload (options), <see cref="WitResult"/>, string[] (flags), <see cref="HostResource"/> or
    /// <see cref="ComponentResource"/> (own/borrow), List&lt;KeyValuePair&lt;object?, object?&gt;&gt; (maps).
    /// The value is not freed. <paramref name="context"/> is needed only for resources.
    /// </summary>
    public static object? ToManaged(in ComponentVal v, WitType type, nint context = 0)
    {
        switch (type.Kind)
        {
            case WitKind.Bool: Expect(v, ComponentValKind.Bool); return v.Bool != 0;
            case WitKind.S8: Expect(v, ComponentValKind.S8); return v.S8;
            case WitKind.U8: Expect(v, ComponentValKind.U8); return v.U8;
            case WitKind.S16: Expect(v, ComponentValKind.S16); return v.S16;
            case WitKind.U16: Expect(v, ComponentValKind.U16); return v.U16;
            case WitKind.S32: Expect(v, ComponentValKind.S32); return v.S32;
            case WitKind.U32: Expect(v, ComponentValKind.U32); return v.U32;
            case WitKind.S64: Expect(v, ComponentValKind.S64); return v.S64;
            case WitKind.U64: Expect(v, ComponentValKind.U64); return v.U64;
            case WitKind.F32: Expect(v, ComponentValKind.F32); return v.F32;
            case WitKind.F64: Expect(v, ComponentValKind.F64); return v.F64;
            case WitKind.Char: Expect(v, ComponentValKind.Char); return new Rune(v.Char);
            case WitKind.String: Expect(v, ComponentValKind.String); return ReadString(v);
            case WitKind.List:
            {
                if (type.IsByteList) return ReadBytes(v);
                var element = ((WitList)type).Element;
                var n = ListLength(v);
                var list = new List<object?>(n);
                var items = (ComponentVal*)v.Data;
                for (var i = 0; i < n; i++) list.Add(ToManaged(items[i], element, context));
                return list;
            }
            case WitKind.Record:
            {
                Expect(v, ComponentValKind.Record);
                var fields = ((WitRecord)type).Fields;
                var entries = (ComponentValRecordEntry*)v.Data;
                var n = checked((int)v.Size);
                if (n != fields.Count) throw new InvalidCastException($"record has {n} fields, type has {fields.Count}");
                var dict = new Dictionary<string, object?>(n, StringComparer.Ordinal);
                for (var i = 0; i < n; i++)
                {
                    var name = Encoding.UTF8.GetString(entries[i].Name.AsSpan());
                    var field = fields[i].Name == name ? fields[i] : fields.First(f => f.Name == name);
                    dict[name] = ToManaged(entries[i].Value, field.Type, context);
                }
                return dict;
            }
            case WitKind.Tuple:
            {
                Expect(v, ComponentValKind.Tuple);
                var types = ((WitTuple)type).Types;
                var n = checked((int)v.Size);
                if (n != types.Count) throw new InvalidCastException($"tuple has {n} items, type has {types.Count}");
                var items = (ComponentVal*)v.Data;
                var result = new object?[n];
                for (var i = 0; i < n; i++) result[i] = ToManaged(items[i], types[i], context);
                return result;
            }
            case WitKind.Variant:
            {
                Expect(v, ComponentValKind.Variant);
                var tag = Encoding.UTF8.GetString(new ReadOnlySpan<byte>((void*)v.Data, checked((int)v.Size)));
                var variant = (WitVariant)type;
                var index = variant.IndexOf(tag);
                if (index < 0) throw new InvalidCastException($"unknown variant case '{tag}'");
                var payloadType = variant.Cases[index].Payload;
                object? payload = null;
                if (payloadType is not null && v.VariantPayload != 0) payload = ToManaged(*(ComponentVal*)v.VariantPayload, payloadType, context);
                return new WitVariantValue(tag, payload);
            }
            case WitKind.Enum: Expect(v, ComponentValKind.Enum); return ReadString(v);
            case WitKind.Option:
            {
                Expect(v, ComponentValKind.Option);
                return v.Pointer8 == 0 ? null : ToManaged(*(ComponentVal*)v.Pointer8, ((WitOption)type).Inner, context);
            }
            case WitKind.Result:
            {
                Expect(v, ComponentValKind.Result);
                var rt = (WitResultType)type;
                var isOk = v.Bool != 0;
                var payloadType = isOk ? rt.Ok : rt.Err;
                object? payload = null;
                if (payloadType is not null && v.Data != 0) payload = ToManaged(*(ComponentVal*)v.Data, payloadType, context);
                return new WitResult(isOk, payload);
            }
            case WitKind.Flags:
            {
                Expect(v, ComponentValKind.Flags);
                var n = checked((int)v.Size);
                var names = (WasmByteVec*)v.Data;
                var result = new string[n];
                for (var i = 0; i < n; i++) result[i] = Encoding.UTF8.GetString(names[i].AsSpan());
                return result;
            }
            case WitKind.Own:
            case WitKind.Borrow:
            {
                Expect(v, ComponentValKind.Resource);
                if (context != 0 && TryReadHostResource(context, v) is { } host) return host;
                return new ComponentResource(new ResourceAnyHandle(Native.wasmtime_component_resource_any_clone(v.Pointer8)));
            }
            case WitKind.Map:
            {
                Expect(v, ComponentValKind.Map);
                var map = (WitMap)type;
                var n = checked((int)v.Size);
                var entries = (ComponentValMapEntry*)v.Data;
                var result = new List<KeyValuePair<object?, object?>>(n);
                for (var i = 0; i < n; i++)
                    result.Add(new(ToManaged(entries[i].Key, map.Key, context), ToManaged(entries[i].Value, map.Value, context)));
                return result;
            }
            default:
                throw new NotSupportedException($"values of type {type} are not supported");
        }
    }

    /// <summary>
    /// Writes a .NET value as <paramref name="type"/> into <paramref name="dst"/> (see <see cref="ToManaged"/> for
    /// the shapes; integers may be any integral type in range, chars a Rune, char or one-scalar string, lists any
    /// IEnumerable, byte lists any of byte[], Memory/ReadOnlyMemory/ArraySegment of bytes, records any
    /// IDictionary with string keys, tuples object?[] or ITuple, flags any IEnumerable&lt;string&gt;).
    /// <paramref name="context"/> is needed only for resources.
    /// </summary>
    public static void FromManaged(ref ComponentVal dst, WitType type, object? value, nint context = 0)
    {
        switch (type.Kind)
        {
            case WitKind.Bool: WriteBool(ref dst, value is bool b ? b : throw Mismatch(type, value)); return;
            case WitKind.S8: dst.Kind = ComponentValKind.S8; dst.U64 = 0; dst.S8 = Convert.ToSByte(Integral(type, value)); return;
            case WitKind.U8: WriteU8(ref dst, Convert.ToByte(Integral(type, value))); return;
            case WitKind.S16: dst.Kind = ComponentValKind.S16; dst.U64 = 0; dst.S16 = Convert.ToInt16(Integral(type, value)); return;
            case WitKind.U16: dst.Kind = ComponentValKind.U16; dst.U64 = 0; dst.U16 = Convert.ToUInt16(Integral(type, value)); return;
            case WitKind.S32: WriteS32(ref dst, Convert.ToInt32(Integral(type, value))); return;
            case WitKind.U32: WriteU32(ref dst, Convert.ToUInt32(Integral(type, value))); return;
            case WitKind.S64: WriteS64(ref dst, Convert.ToInt64(Integral(type, value))); return;
            case WitKind.U64: WriteU64(ref dst, Convert.ToUInt64(Integral(type, value))); return;
            case WitKind.F32:
                dst.Kind = ComponentValKind.F32; dst.U64 = 0;
                dst.F32 = value switch { float f => f, double d => (float)d, _ => Convert.ToSingle(Integral(type, value)) };
                return;
            case WitKind.F64:
                dst.Kind = ComponentValKind.F64;
                dst.F64 = value switch { double d => d, float f => f, _ => Convert.ToDouble(Integral(type, value)) };
                return;
            case WitKind.Char:
            {
                Rune rune = value switch
                {
                    Rune r => r,
                    char c => new Rune(c),
                    string s when s.Length > 0 && Rune.DecodeFromUtf16(s, out var r, out var used) == System.Buffers.OperationStatus.Done && used == s.Length => r,
                    _ => throw Mismatch(type, value),
                };
                dst.Kind = ComponentValKind.Char; dst.U64 = (uint)rune.Value;
                return;
            }
            case WitKind.String: WriteString(ref dst, value as string ?? throw Mismatch(type, value)); return;
            case WitKind.List:
            {
                if (type.IsByteList && TryGetBytes(value, out var bytes)) { WriteBytes(ref dst, bytes.Span); return; }
                if (value is string or null || value is not IEnumerable enumerable) throw Mismatch(type, value);
                var items = enumerable as IList ?? enumerable.Cast<object?>().ToList();
                var element = ((WitList)type).Element;
                var vec = NewVec(ref dst, ComponentValKind.List, items.Count, sizeof(ComponentVal), &Native.wasmtime_component_vallist_new_uninit);
                for (var i = 0; i < items.Count; i++) FromManaged(ref ((ComponentVal*)vec)[i], element, items[i], context);
                return;
            }
            case WitKind.Record:
            {
                var fields = ((WitRecord)type).Fields;
                var lookup = value switch
                {
                    IReadOnlyDictionary<string, object?> d => (Func<string, (bool, object?)>)(k => (d.TryGetValue(k, out var x), x)),
                    IDictionary d => k => (d.Contains(k), d[k]),
                    _ => throw Mismatch(type, value),
                };
                var vec = NewVec(ref dst, ComponentValKind.Record, fields.Count, sizeof(ComponentValRecordEntry), &Native.wasmtime_component_valrecord_new_uninit);
                var entries = (ComponentValRecordEntry*)vec;
                for (var i = 0; i < fields.Count; i++)
                {
                    var (found, fieldValue) = lookup(fields[i].Name);
                    if (!found && fields[i].Type.Kind != WitKind.Option) throw new ArgumentException($"record field '{fields[i].Name}' is missing");
                    NewName(&entries[i].Name, fields[i].Name);
                    FromManaged(ref entries[i].Value, fields[i].Type, fieldValue, context);
                }
                return;
            }
            case WitKind.Tuple:
            {
                var types = ((WitTuple)type).Types;
                object?[] items = value switch
                {
                    object?[] a => a,
                    ITuple t => Enumerable.Range(0, t.Length).Select(i => t[i]).ToArray(),
                    _ => throw Mismatch(type, value),
                };
                if (items.Length != types.Count) throw new ArgumentException($"tuple needs {types.Count} items, got {items.Length}");
                var vec = NewVec(ref dst, ComponentValKind.Tuple, items.Length, sizeof(ComponentVal), &Native.wasmtime_component_valtuple_new_uninit);
                for (var i = 0; i < items.Length; i++) FromManaged(ref ((ComponentVal*)vec)[i], types[i], items[i], context);
                return;
            }
            case WitKind.Variant:
            {
                var variant = (WitVariant)type;
                var v = value is WitVariantValue vv ? vv : throw Mismatch(type, value);
                var index = variant.IndexOf(v.Tag);
                if (index < 0) throw new ArgumentException($"'{v.Tag}' is not a case of {type}");
                dst.Kind = ComponentValKind.Variant;
                dst.Size = 0; dst.Data = 0; dst.VariantPayload = 0;
                WasmByteVec name = default;
                NewName(&name, v.Tag);
                dst.Size = name.Size; dst.Data = (nint)name.Data;
                if (variant.Cases[index].Payload is { } payloadType) dst.VariantPayload = (nint)Boxed(payloadType, v.Value, context);
                else if (v.Value is not null) throw new ArgumentException($"case '{v.Tag}' has no payload");
                return;
            }
            case WitKind.Enum:
            {
                var name = value as string ?? throw Mismatch(type, value);
                if (!((WitEnum)type).Names.Contains(name)) throw new ArgumentException($"'{name}' is not a case of {type}");
                WriteUtf8(ref dst, Encoding.UTF8.GetBytes(name));
                dst.Kind = ComponentValKind.Enum;
                return;
            }
            case WitKind.Option:
                dst.Kind = ComponentValKind.Option;
                dst.Pointer8 = value is null ? 0 : (nint)Boxed(((WitOption)type).Inner, value, context);
                return;
            case WitKind.Result:
            {
                var rt = (WitResultType)type;
                var r = value is WitResult wr ? wr : throw Mismatch(type, value);
                dst.Kind = ComponentValKind.Result;
                dst.U64 = 0; dst.Bool = r.IsOk ? (byte)1 : (byte)0; dst.Data = 0;
                var payloadType = r.IsOk ? rt.Ok : rt.Err;
                if (payloadType is not null) dst.Data = (nint)Boxed(payloadType, r.Value, context);
                else if (r.Value is not null) throw new ArgumentException($"{(r.IsOk ? "ok" : "err")} of {type} has no payload");
                return;
            }
            case WitKind.Flags:
            {
                var allowed = ((WitFlags)type).Names;
                if (value is string or null || value is not IEnumerable<string> set) throw Mismatch(type, value);
                // Keep the type's order and drop duplicates, as Wasmtime expects a set.
                var names = allowed.Where(set.Contains).ToList();
                foreach (var n in set) if (!allowed.Contains(n)) throw new ArgumentException($"'{n}' is not a flag of {type}");
                var vec = NewVec(ref dst, ComponentValKind.Flags, names.Count, sizeof(WasmByteVec), &Native.wasmtime_component_valflags_new_uninit);
                for (var i = 0; i < names.Count; i++) NewName(&((WasmByteVec*)vec)[i], names[i]);
                return;
            }
            case WitKind.Own:
            case WitKind.Borrow:
                switch (value)
                {
                    case HostResource host:
                        if (context == 0) throw new ArgumentException("a store context is needed to write a host resource");
                        WriteHostResource(context, ref dst, host);
                        return;
                    case ComponentResource any:
                        dst.Kind = ComponentValKind.Resource;
                        dst.Pointer8 = Native.wasmtime_component_resource_any_clone(any.Handle.Pointer);
                        return;
                    default: throw Mismatch(type, value);
                }
            case WitKind.Map:
            {
                var map = (WitMap)type;
                if (value is not IEnumerable e || value is string) throw Mismatch(type, value);
                var pairs = new List<(object?, object?)>();
                foreach (var item in e)
                {
                    if (item is KeyValuePair<object?, object?> kv) pairs.Add((kv.Key, kv.Value));
                    else if (item is DictionaryEntry de) pairs.Add((de.Key, de.Value));
                    else if (item is ITuple { Length: 2 } t) pairs.Add((t[0], t[1]));
                    else throw Mismatch(type, value);
                }
                var vec = NewVec(ref dst, ComponentValKind.Map, pairs.Count, sizeof(ComponentValMapEntry), &Native.wasmtime_component_valmap_new_uninit);
                for (var i = 0; i < pairs.Count; i++)
                {
                    FromManaged(ref ((ComponentValMapEntry*)vec)[i].Key, map.Key, pairs[i].Item1, context);
                    FromManaged(ref ((ComponentValMapEntry*)vec)[i].Value, map.Value, pairs[i].Item2, context);
                }
                return;
            }
            default:
                throw new NotSupportedException($"values of type {type} are not supported");
        }
    }

    /// <summary>Writes a value into a fresh Wasmtime-allocated val_t (for option/result/variant payloads).</summary>
    private static ComponentVal* Boxed(WitType type, object? value, nint context)
    {
        ComponentVal tmp = default;
        try
        {
            FromManaged(ref tmp, type, value, context);
        }
        catch
        {
            Native.wasmtime_component_val_delete(&tmp);
            throw;
        }
        return Native.wasmtime_component_val_new(&tmp);
    }

    /// <summary>Allocates a Wasmtime vector, zeroes it (all bool false: valid to drop), links it into dst.</summary>
    private static void* NewVec(ref ComponentVal dst, ComponentValKind kind, int count, int elementSize, delegate*<ValVec*, nuint, void> allocate)
    {
        ValVec vec = default;
        allocate(&vec, (nuint)count);
        if (count > 0) NativeMemory.Clear(vec.Data, (nuint)count * (nuint)elementSize);
        dst.Kind = kind;
        dst.Size = vec.Size;
        dst.Data = (nint)vec.Data;
        return vec.Data;
    }

    private static void NewName(WasmByteVec* name, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        fixed (byte* p = bytes) Native.wasm_byte_vec_new(name, (nuint)bytes.Length, p);
    }

    private static bool TryGetBytes(object? value, out ReadOnlyMemory<byte> bytes)
    {
        switch (value)
        {
            case byte[] a: bytes = a; return true;
            case ReadOnlyMemory<byte> m: bytes = m; return true;
            case Memory<byte> m: bytes = m; return true;
            case ArraySegment<byte> s: bytes = s; return true;
            case IEnumerable<byte> e: bytes = e.ToArray(); return true;
            default: bytes = default; return false;
        }
    }

    private static object Integral(WitType type, object? value) => value switch
    {
        sbyte or byte or short or ushort or int or uint or long or ulong or nint or nuint => value,
        _ => throw Mismatch(type, value),
    };

    private static void Expect(in ComponentVal v, ComponentValKind kind)
    {
        if (v.Kind != kind) throw new InvalidCastException($"value is {v.Kind}, expected {kind}");
    }

    private static ArgumentException Mismatch(WitType type, object? value) =>
        new($"cannot convert {(value is null ? "null" : value.GetType().Name)} to {type}");
}

/// <summary>
/// A resource handle Wasmtime gave back (guest-defined, or not resolvable to a host resource): owns a clone
/// of the resource_any_t. <see cref="Drop"/> runs the resource's destructor for an owned handle.
/// </summary>
internal sealed class ComponentResource(ResourceAnyHandle handle) : IDisposable
{
    internal ResourceAnyHandle Handle { get; } = handle;

    public bool IsOwned => Native.wasmtime_component_resource_any_owned(Handle.Pointer);

    public void Drop(ComponentStore store) =>
        WasmtimeException.ThrowIfError(Native.wasmtime_component_resource_any_drop(store.Context, Handle.Pointer));

    public void Dispose() => Handle.Dispose();
}
