using System.Buffers;
using System.Collections;
using System.Runtime.CompilerServices;
using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// One representation of WIT values read kind by kind (Wasmtime's val_t, JSON). The walk decides which kind to
/// ask for; a reader checks that its value has that kind and hands over the parts, failing in its own words.
/// </summary>
internal interface IWitReader<TIn>
{
    bool Bool(TIn v, WitType type);
    long Signed(TIn v, WitType type, long min, long max);
    ulong Unsigned(TIn v, WitType type, ulong max);
    float F32(TIn v, WitType type);
    double F64(TIn v, WitType type);
    Rune Char(TIn v, WitType type);
    string String(TIn v, WitType type);
    byte[] Bytes(TIn v, WitList type);
    TIn[] List(TIn v, WitList type);
    /// <summary>Checks the value is a record of this type; fields are then read one by one with <see cref="Field"/>.</summary>
    void Record(TIn v, WitRecord type);
    /// <summary>False when the field is absent (allowed for an option field, which reads as none).</summary>
    bool Field(TIn v, WitRecord type, int index, out TIn field);
    Exception MissingField(TIn v, WitRecord type, WitField field);
    TIn[] Tuple(TIn v, WitTuple type);
    /// <summary>The case index; <paramref name="hasPayload"/> tells whether <paramref name="payload"/> is to be read.</summary>
    int Variant(TIn v, WitVariant type, out TIn payload, out bool hasPayload);
    string Enum(TIn v, WitEnum type);
    /// <summary>True for some (then <paramref name="inner"/> holds the payload).</summary>
    bool Option(TIn v, WitOption type, out TIn inner);
    /// <summary>True for ok; <paramref name="hasPayload"/> tells whether <paramref name="payload"/> is to be read.</summary>
    bool Result(TIn v, WitResultType type, out TIn payload, out bool hasPayload);
    string[] Flags(TIn v, WitFlags type);
    object Resource(TIn v, WitResource type);
    (TIn Key, TIn Value)[] Map(TIn v, WitMap type);
    Exception Unsupported(TIn v, WitType type);
}

/// <summary>
/// One representation of WIT values built kind by kind from parts the walk has already converted. Values of
/// <typeparamref name="TOut"/> may own native memory: <see cref="Discard"/> frees one the walk built but cannot use.
/// </summary>
internal interface IWitWriter<TOut>
{
    TOut Bool(bool value);
    TOut S8(sbyte value);
    TOut U8(byte value);
    TOut S16(short value);
    TOut U16(ushort value);
    TOut S32(int value);
    TOut U32(uint value);
    TOut S64(long value);
    TOut U64(ulong value);
    TOut F32(float value);
    TOut F64(double value);
    TOut Char(Rune value);
    TOut String(string value);
    TOut Bytes(ReadOnlySpan<byte> bytes);
    TOut List(WitList type, TOut[] items);
    TOut Record(WitRecord type, TOut[] fields);
    TOut Tuple(WitTuple type, TOut[] items);
    TOut Variant(WitVariant type, int index, TOut payload, bool hasPayload);
    TOut Enum(WitEnum type, string name);
    TOut Option(WitOption type, TOut inner, bool isSome);
    TOut Result(WitResultType type, bool isOk, TOut payload, bool hasPayload);
    TOut Flags(WitFlags type, IReadOnlyList<string> names);
    TOut Resource(WitResource type, object? value);
    TOut Map(WitMap type, (TOut Key, TOut Value)[] entries);
    TOut Unsupported(WitType type, object? value);
    void Discard(TOut value);
}

/// <summary>
/// The WIT type walk, written once: which .NET shape each kind has as a plugin call's argument or result, and
/// how a value of each kind is taken apart and put together. <see cref="Read"/> turns a value of some
/// representation into that shape, <see cref="Write"/> the shape into a representation; the representations
/// are faces over it (<see cref="ManagedValues"/> for Wasmtime's val_t, <c>Json.WitJson</c> for JSON).
/// The shapes: bool, sbyte/byte/short/ushort/int/uint/long/ulong, float/double, Rune (char), string, byte[]
/// (list&lt;u8&gt;), List&lt;object?&gt; (lists), Dictionary&lt;string, object?&gt; (records), object?[] (tuples),
/// <see cref="WitVariantValue"/>, string (enums), null or the payload (options), <see cref="WitResult"/>,
/// string[] (flags), what the face makes of resources, List&lt;KeyValuePair&lt;object?, object?&gt;&gt; (maps).
/// Written, more is accepted: integers of any integral type in range, chars as a Rune, char or one-scalar
/// string, lists as any IEnumerable, byte lists as byte[], Memory/ReadOnlyMemory/ArraySegment of bytes, records
/// as any IDictionary with string keys, tuples as object?[] or ITuple, flags as any IEnumerable&lt;string&gt;,
/// maps as pairs (KeyValuePair, DictionaryEntry or 2-tuples).
/// </summary>
internal static class WitValueWalk
{
    public static object? Read<TIn, TReader>(TIn v, WitType type, TReader r) where TReader : IWitReader<TIn>
    {
        switch (type.Kind)
        {
            case WitKind.Bool: return r.Bool(v, type);
            case WitKind.S8: return (sbyte)r.Signed(v, type, sbyte.MinValue, sbyte.MaxValue);
            case WitKind.U8: return (byte)r.Unsigned(v, type, byte.MaxValue);
            case WitKind.S16: return (short)r.Signed(v, type, short.MinValue, short.MaxValue);
            case WitKind.U16: return (ushort)r.Unsigned(v, type, ushort.MaxValue);
            case WitKind.S32: return (int)r.Signed(v, type, int.MinValue, int.MaxValue);
            case WitKind.U32: return (uint)r.Unsigned(v, type, uint.MaxValue);
            case WitKind.S64: return r.Signed(v, type, long.MinValue, long.MaxValue);
            case WitKind.U64: return r.Unsigned(v, type, ulong.MaxValue);
            case WitKind.F32: return r.F32(v, type);
            case WitKind.F64: return r.F64(v, type);
            case WitKind.Char: return r.Char(v, type);
            case WitKind.String: return r.String(v, type);
            case WitKind.List:
            {
                var listType = (WitList)type;
                if (type.IsByteList) return r.Bytes(v, listType);
                var items = r.List(v, listType);
                var list = new List<object?>(items.Length);
                foreach (var item in items) list.Add(Read(item, listType.Element, r));
                return list;
            }
            case WitKind.Record:
            {
                var record = (WitRecord)type;
                r.Record(v, record);
                var fields = record.Fields;
                var dict = new Dictionary<string, object?>(fields.Count, StringComparer.Ordinal);
                for (var i = 0; i < fields.Count; i++)
                {
                    if (r.Field(v, record, i, out var field)) dict[fields[i].Name] = Read(field, fields[i].Type, r);
                    else if (fields[i].Type.Kind == WitKind.Option) dict[fields[i].Name] = null;
                    else throw r.MissingField(v, record, fields[i]);
                }
                return dict;
            }
            case WitKind.Tuple:
            {
                var types = ((WitTuple)type).Types;
                var items = r.Tuple(v, (WitTuple)type);
                var result = new object?[items.Length];
                for (var i = 0; i < items.Length; i++) result[i] = Read(items[i], types[i], r);
                return result;
            }
            case WitKind.Variant:
            {
                var variant = (WitVariant)type;
                var index = r.Variant(v, variant, out var payload, out var hasPayload);
                var @case = variant.Cases[index];
                return new WitVariantValue(@case.Name, hasPayload ? Read(payload, @case.Payload!, r) : null);
            }
            case WitKind.Enum: return r.Enum(v, (WitEnum)type);
            case WitKind.Option:
                return r.Option(v, (WitOption)type, out var inner) ? Read(inner, ((WitOption)type).Inner, r) : null;
            case WitKind.Result:
            {
                var resultType = (WitResultType)type;
                var isOk = r.Result(v, resultType, out var payload, out var hasPayload);
                return new WitResult(isOk, hasPayload ? Read(payload, (isOk ? resultType.Ok : resultType.Err)!, r) : null);
            }
            case WitKind.Flags: return r.Flags(v, (WitFlags)type);
            case WitKind.Own:
            case WitKind.Borrow:
                return r.Resource(v, (WitResource)type);
            case WitKind.Map:
            {
                var map = (WitMap)type;
                var entries = r.Map(v, map);
                var result = new List<KeyValuePair<object?, object?>>(entries.Length);
                foreach (var (key, value) in entries) result.Add(new(Read(key, map.Key, r), Read(value, map.Value, r)));
                return result;
            }
            default:
                throw r.Unsupported(v, type);
        }
    }

    public static TOut Write<TOut, TWriter>(object? value, WitType type, TWriter w) where TWriter : IWitWriter<TOut>
    {
        switch (type.Kind)
        {
            case WitKind.Bool: return w.Bool(value is bool b ? b : throw Mismatch(type, value));
            case WitKind.S8: return w.S8(Convert.ToSByte(Integral(type, value)));
            case WitKind.U8: return w.U8(Convert.ToByte(Integral(type, value)));
            case WitKind.S16: return w.S16(Convert.ToInt16(Integral(type, value)));
            case WitKind.U16: return w.U16(Convert.ToUInt16(Integral(type, value)));
            case WitKind.S32: return w.S32(Convert.ToInt32(Integral(type, value)));
            case WitKind.U32: return w.U32(Convert.ToUInt32(Integral(type, value)));
            case WitKind.S64: return w.S64(Convert.ToInt64(Integral(type, value)));
            case WitKind.U64: return w.U64(Convert.ToUInt64(Integral(type, value)));
            case WitKind.F32: return w.F32(value switch { float f => f, double d => (float)d, _ => Convert.ToSingle(Integral(type, value)) });
            case WitKind.F64: return w.F64(value switch { double d => d, float f => f, _ => Convert.ToDouble(Integral(type, value)) });
            case WitKind.Char:
                return w.Char(value switch
                {
                    Rune r => r,
                    char c => new Rune(c),
                    string s when s.Length > 0 && Rune.DecodeFromUtf16(s, out var r, out var used) == OperationStatus.Done && used == s.Length => r,
                    _ => throw Mismatch(type, value),
                });
            case WitKind.String: return w.String(value as string ?? throw Mismatch(type, value));
            case WitKind.List:
            {
                if (type.IsByteList && TryGetBytes(value, out var bytes)) return w.Bytes(bytes.Span);
                if (value is string or null || value is not IEnumerable enumerable) throw Mismatch(type, value);
                var items = enumerable as IList ?? enumerable.Cast<object?>().ToList();
                var element = ((WitList)type).Element;
                return w.List((WitList)type, WriteParts<TOut, TWriter>(items.Count, i => (items[i], element), w));
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
                return w.Record((WitRecord)type, WriteParts<TOut, TWriter>(fields.Count, i =>
                {
                    var (found, fieldValue) = lookup(fields[i].Name);
                    if (!found && fields[i].Type.Kind != WitKind.Option) throw new ArgumentException($"record field '{fields[i].Name}' is missing");
                    return (fieldValue, fields[i].Type);
                }, w));
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
                return w.Tuple((WitTuple)type, WriteParts<TOut, TWriter>(items.Length, i => (items[i], types[i]), w));
            }
            case WitKind.Variant:
            {
                var variant = (WitVariant)type;
                var v = value is WitVariantValue vv ? vv : throw Mismatch(type, value);
                var index = variant.IndexOf(v.Tag);
                if (index < 0) throw new ArgumentException($"'{v.Tag}' is not a case of {type}");
                if (variant.Cases[index].Payload is { } payloadType)
                    return w.Variant(variant, index, Write<TOut, TWriter>(v.Value, payloadType, w), hasPayload: true);
                if (v.Value is not null) throw new ArgumentException($"case '{v.Tag}' has no payload");
                return w.Variant(variant, index, default!, hasPayload: false);
            }
            case WitKind.Enum:
            {
                var name = value as string ?? throw Mismatch(type, value);
                if (!((WitEnum)type).Names.Contains(name)) throw new ArgumentException($"'{name}' is not a case of {type}");
                return w.Enum((WitEnum)type, name);
            }
            case WitKind.Option:
            {
                var option = (WitOption)type;
                return value is null ? w.Option(option, default!, isSome: false) : w.Option(option, Write<TOut, TWriter>(value, option.Inner, w), isSome: true);
            }
            case WitKind.Result:
            {
                var resultType = (WitResultType)type;
                var r = value is WitResult wr ? wr : throw Mismatch(type, value);
                if ((r.IsOk ? resultType.Ok : resultType.Err) is { } payloadType)
                    return w.Result(resultType, r.IsOk, Write<TOut, TWriter>(r.Value, payloadType, w), hasPayload: true);
                if (r.Value is not null) throw new ArgumentException($"{(r.IsOk ? "ok" : "err")} of {type} has no payload");
                return w.Result(resultType, r.IsOk, default!, hasPayload: false);
            }
            case WitKind.Flags:
            {
                var allowed = ((WitFlags)type).Names;
                if (value is string or null || value is not IEnumerable<string> set) throw Mismatch(type, value);
                // Keep the type's order and drop duplicates, as Wasmtime expects a set.
                var names = allowed.Where(set.Contains).ToList();
                foreach (var n in set) if (!allowed.Contains(n)) throw new ArgumentException($"'{n}' is not a flag of {type}");
                return w.Flags((WitFlags)type, names);
            }
            case WitKind.Own:
            case WitKind.Borrow:
                return w.Resource((WitResource)type, value);
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
                // Keys and values alternate: part 2i is pair i's key, 2i + 1 its value.
                var parts = WriteParts<TOut, TWriter>(2 * pairs.Count, i => i % 2 == 0 ? (pairs[i / 2].Item1, map.Key) : (pairs[i / 2].Item2, map.Value), w);
                var entries = new (TOut Key, TOut Value)[pairs.Count];
                for (var i = 0; i < entries.Length; i++) entries[i] = (parts[2 * i], parts[2 * i + 1]);
                return w.Map(map, entries);
            }
            default:
                return w.Unsupported(type, value);
        }
    }

    /// <summary>Writes the parts of a container in order; when one fails, frees those already built and rethrows.</summary>
    private static TOut[] WriteParts<TOut, TWriter>(int count, Func<int, (object? Value, WitType Type)> part, TWriter w) where TWriter : IWitWriter<TOut>
    {
        var built = new TOut[count];
        var n = 0;
        try
        {
            for (; n < count; n++)
            {
                var (value, type) = part(n);
                built[n] = Write<TOut, TWriter>(value, type, w);
            }
        }
        catch
        {
            for (var i = 0; i < n; i++) w.Discard(built[i]);
            throw;
        }
        return built;
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

    internal static ArgumentException Mismatch(WitType type, object? value) =>
        new($"cannot convert {(value is null ? "null" : value.GetType().Name)} to {type}");
}
