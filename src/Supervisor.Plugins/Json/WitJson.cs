using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Json;

/// <summary>
/// Maps JSON to and from the .NET shapes <see cref="ComponentValues"/> takes and gives, guided by a WIT type:
/// string, bool, integers, floats (also <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>), char as a
/// one-character string, list as an array, <c>list&lt;u8&gt;</c> as an array or a string (base64, or UTF-8 text
/// in <see cref="ByteListFormat.Text"/>), option as null or the value, result as <c>{"ok":..}</c> /
/// <c>{"err":..}</c>, record as an object, tuple as an array, enum as a string, variant as
/// <c>{"tag":..,"val":..}</c>, flags as an array of names, map as an array of <c>[key, value]</c> pairs.
/// </summary>
internal static class WitJson
{
    /// <summary>Thrown when a JSON value does not fit a WIT type; <see cref="Exception.Message"/> says where and why.</summary>
    internal sealed class MismatchException(string message) : Exception(message);

    // ------------------------------------------------------------------ JSON -> .NET

    /// <summary>A JSON string's text; a lone UTF-16 surrogate (<c>"\ud800"</c>), which no WIT string can carry, is a mismatch, not a crash.</summary>
    private static string Text(JsonElement json, string path)
    {
        try
        {
            return json.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new MismatchException($"{At(path)}the string holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not text");
        }
    }

    public static object? FromJson(JsonElement json, WitType type, ByteListFormat bytes) => FromJson(json, type, bytes, "");

    private static object? FromJson(JsonElement json, WitType type, ByteListFormat bytes, string path)
    {
        switch (type.Kind)
        {
            case WitKind.Bool:
                return json.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Expected("true or false", json, type, path),
                };
            case WitKind.S8: return (sbyte)Integer(json, type, path, sbyte.MinValue, sbyte.MaxValue);
            case WitKind.U8: return (byte)Integer(json, type, path, byte.MinValue, byte.MaxValue);
            case WitKind.S16: return (short)Integer(json, type, path, short.MinValue, short.MaxValue);
            case WitKind.U16: return (ushort)Integer(json, type, path, ushort.MinValue, ushort.MaxValue);
            case WitKind.S32: return (int)Integer(json, type, path, int.MinValue, int.MaxValue);
            case WitKind.U32: return (uint)Integer(json, type, path, uint.MinValue, uint.MaxValue);
            case WitKind.S64: return (long)Integer(json, type, path, long.MinValue, long.MaxValue);
            case WitKind.U64:
                if (json.ValueKind == JsonValueKind.Number && json.TryGetUInt64(out var u64)) return u64;
                throw Expected($"an integer from 0 to {ulong.MaxValue}", json, type, path);
            case WitKind.F32: return (float)Float(json, type, path);
            case WitKind.F64: return Float(json, type, path);
            case WitKind.Char:
            {
                if (json.ValueKind == JsonValueKind.String)
                {
                    var s = Text(json, path);
                    if (s.Length > 0 && Rune.DecodeFromUtf16(s, out var rune, out var used) == System.Buffers.OperationStatus.Done && used == s.Length)
                        return rune;
                }
                throw Expected("a string of exactly one character (Unicode scalar value)", json, type, path);
            }
            case WitKind.String:
                return json.ValueKind == JsonValueKind.String ? Text(json, path) : throw Expected("a string", json, type, path);
            case WitKind.List:
            {
                var element = ((WitList)type).Element;
                if (type.IsByteList)
                {
                    if (json.ValueKind == JsonValueKind.String)
                    {
                        var s = Text(json, path);
                        if (bytes == ByteListFormat.Text) return Encoding.UTF8.GetBytes(s);
                        try
                        {
                            return Convert.FromBase64String(s);
                        }
                        catch (FormatException)
                        {
                            throw Expected("an array of bytes or a base64 string (this string is not base64; with --bytes-as text a string is taken as UTF-8 text)", json, type, path);
                        }
                    }
                    if (json.ValueKind != JsonValueKind.Array)
                        throw Expected(bytes == ByteListFormat.Text ? "an array of bytes or a string" : "an array of bytes or a base64 string", json, type, path);
                    var result = new byte[json.GetArrayLength()];
                    var i = 0;
                    foreach (var item in json.EnumerateArray())
                    {
                        result[i] = (byte)Integer(item, element, $"{path}[{i}]", 0, 255);
                        i++;
                    }
                    return result;
                }
                if (json.ValueKind != JsonValueKind.Array) throw Expected("an array", json, type, path);
                var list = new List<object?>(json.GetArrayLength());
                foreach (var item in json.EnumerateArray()) list.Add(FromJson(item, element, bytes, $"{path}[{list.Count}]"));
                return list;
            }
            case WitKind.Record:
            {
                var fields = ((WitRecord)type).Fields;
                if (json.ValueKind != JsonValueKind.Object) throw Expected($"an object with fields {string.Join(", ", fields.Select(f => f.Name))}", json, type, path);
                var dict = new Dictionary<string, object?>(fields.Count, StringComparer.Ordinal);
                foreach (var prop in json.EnumerateObject())
                {
                    if (!fields.Any(f => f.Name == prop.Name))
                        throw new MismatchException($"{At(path)}unknown field \"{prop.Name}\" for {type}");
                }
                foreach (var field in fields)
                {
                    if (!json.TryGetProperty(field.Name, out var value))
                    {
                        if (field.Type.Kind == WitKind.Option) { dict[field.Name] = null; continue; }
                        throw new MismatchException($"{At(path)}missing field \"{field.Name}\" ({field.Type}) of {type}");
                    }
                    dict[field.Name] = FromJson(value, field.Type, bytes, $"{path}.{field.Name}");
                }
                return dict;
            }
            case WitKind.Tuple:
            {
                var types = ((WitTuple)type).Types;
                if (json.ValueKind != JsonValueKind.Array || json.GetArrayLength() != types.Count)
                    throw Expected($"an array of {types.Count} item(s)", json, type, path);
                var result = new object?[types.Count];
                var i = 0;
                foreach (var item in json.EnumerateArray())
                {
                    result[i] = FromJson(item, types[i], bytes, $"{path}[{i}]");
                    i++;
                }
                return result;
            }
            case WitKind.Variant:
            {
                var variant = (WitVariant)type;
                var cases = string.Join(", ", variant.Cases.Select(c => $"\"{c.Name}\""));
                if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("tag", out var tag) || tag.ValueKind != JsonValueKind.String)
                    throw Expected($"an object {{\"tag\": one of {cases}, \"val\": payload}}", json, type, path);
                foreach (var prop in json.EnumerateObject())
                    if (prop.Name is not ("tag" or "val")) throw new MismatchException($"{At(path)}unknown property \"{prop.Name}\" in a variant value (only \"tag\" and \"val\"); type {type}");
                var name = Text(tag, path);
                var index = variant.IndexOf(name);
                if (index < 0) throw new MismatchException($"{At(path)}\"{name}\" is not a case of {type} (cases: {cases})");
                var hasVal = json.TryGetProperty("val", out var val) && val.ValueKind != JsonValueKind.Null;
                var payloadType = variant.Cases[index].Payload;
                if (payloadType is null)
                {
                    if (hasVal) throw new MismatchException($"{At(path)}case \"{name}\" of {type} has no payload; leave out \"val\"");
                    return new WitVariantValue(name);
                }
                if (!json.TryGetProperty("val", out val)) throw new MismatchException($"{At(path)}case \"{name}\" of {type} needs \"val\" ({payloadType})");
                return new WitVariantValue(name, FromJson(val, payloadType, bytes, $"{path}.val"));
            }
            case WitKind.Enum:
            {
                var names = ((WitEnum)type).Names;
                if (json.ValueKind == JsonValueKind.String && names.Contains(Text(json, path))) return Text(json, path);
                throw Expected($"one of {string.Join(", ", names.Select(n => $"\"{n}\""))}", json, type, path);
            }
            case WitKind.Option:
                return json.ValueKind == JsonValueKind.Null ? null : FromJson(json, ((WitOption)type).Inner, bytes, path);
            case WitKind.Result:
            {
                var rt = (WitResultType)type;
                if (json.ValueKind != JsonValueKind.Object) throw Expected("{\"ok\": value} or {\"err\": value}", json, type, path);
                var props = json.EnumerateObject().ToList();
                if (props.Count != 1 || props[0].Name is not ("ok" or "err")) throw Expected("{\"ok\": value} or {\"err\": value}", json, type, path);
                var isOk = props[0].Name == "ok";
                var payloadType = isOk ? rt.Ok : rt.Err;
                if (payloadType is null)
                {
                    if (props[0].Value.ValueKind != JsonValueKind.Null) throw new MismatchException($"{At(path)}the {props[0].Name} case of {type} has no payload; write {{\"{props[0].Name}\": null}}");
                    return new WitResult(isOk);
                }
                return new WitResult(isOk, FromJson(props[0].Value, payloadType, bytes, $"{path}.{props[0].Name}"));
            }
            case WitKind.Flags:
            {
                var names = ((WitFlags)type).Names;
                if (json.ValueKind != JsonValueKind.Array) throw Expected($"an array of flag names ({string.Join(", ", names)})", json, type, path);
                var set = new List<string>();
                foreach (var item in json.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String || !names.Contains(Text(item, path)))
                        throw Expected($"an array of flag names ({string.Join(", ", names)})", json, type, path);
                    set.Add(Text(item, path));
                }
                return set.ToArray();
            }
            case WitKind.Map:
            {
                var map = (WitMap)type;
                var pairs = new List<KeyValuePair<object?, object?>>();
                if (json.ValueKind == JsonValueKind.Object && map.Key.Kind == WitKind.String)
                {
                    foreach (var prop in json.EnumerateObject()) pairs.Add(new(prop.Name, FromJson(prop.Value, map.Value, bytes, $"{path}.{prop.Name}")));
                    return pairs;
                }
                if (json.ValueKind != JsonValueKind.Array) throw Expected("an array of [key, value] pairs", json, type, path);
                foreach (var item in json.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 2) throw Expected("an array of [key, value] pairs", json, type, path);
                    pairs.Add(new(FromJson(item[0], map.Key, bytes, $"{path}[{pairs.Count}][0]"), FromJson(item[1], map.Value, bytes, $"{path}[{pairs.Count}][1]")));
                }
                return pairs;
            }
            default:
                throw new MismatchException($"{At(path)}values of type {type} cannot be given as JSON");
        }
    }

    private static long Integer(JsonElement json, WitType type, string path, long min, long max)
    {
        if (json.ValueKind == JsonValueKind.Number && json.TryGetInt64(out var v) && v >= min && v <= max) return v;
        throw Expected($"an integer from {min} to {max}", json, type, path);
    }

    private static double Float(JsonElement json, WitType type, string path)
    {
        if (json.ValueKind == JsonValueKind.Number) return json.GetDouble();
        if (json.ValueKind == JsonValueKind.String)
        {
            switch (Text(json, path))
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
            }
        }
        throw Expected("a number (or \"NaN\", \"Infinity\", \"-Infinity\")", json, type, path);
    }

    private static string At(string path) => path.Length == 0 ? "" : $"at {path}: ";

    private static MismatchException Expected(string what, JsonElement json, WitType type, string path)
    {
        var text = json.GetRawText();
        if (text.Length > 60) text = text[..57] + "...";
        return new MismatchException($"{At(path)}expected {what} for {type}, got {text}");
    }

    // ------------------------------------------------------------------ .NET -> JSON

    public static JsonNode? ToJson(object? value, WitType type, ByteListFormat bytes)
    {
        switch (type.Kind)
        {
            case WitKind.Bool: return JsonValue.Create((bool)value!);
            case WitKind.S8: return JsonValue.Create((sbyte)value!);
            case WitKind.U8: return JsonValue.Create((byte)value!);
            case WitKind.S16: return JsonValue.Create((short)value!);
            case WitKind.U16: return JsonValue.Create((ushort)value!);
            case WitKind.S32: return JsonValue.Create((int)value!);
            case WitKind.U32: return JsonValue.Create((uint)value!);
            case WitKind.S64: return JsonValue.Create((long)value!);
            case WitKind.U64: return JsonValue.Create((ulong)value!);
            case WitKind.F32:
            {
                var f = (float)value!;
                return float.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(NonFinite(f));
            }
            case WitKind.F64:
            {
                var d = (double)value!;
                return double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(NonFinite(d));
            }
            case WitKind.Char: return JsonValue.Create(((Rune)value!).ToString());
            case WitKind.String: return JsonValue.Create((string)value!);
            case WitKind.List:
            {
                if (type.IsByteList)
                {
                    var b = (byte[])value!;
                    return bytes switch
                    {
                        ByteListFormat.Array => new JsonArray(b.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
                        ByteListFormat.Text when System.Text.Unicode.Utf8.IsValid(b) => JsonValue.Create(Encoding.UTF8.GetString(b)),
                        ByteListFormat.Text => new JsonArray(b.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
                        _ => JsonValue.Create(Convert.ToBase64String(b)),
                    };
                }
                var element = ((WitList)type).Element;
                return new JsonArray(((IEnumerable<object?>)value!).Select(x => ToJson(x, element, bytes)).ToArray());
            }
            case WitKind.Record:
            {
                var dict = (IReadOnlyDictionary<string, object?>)value!;
                var obj = new JsonObject();
                foreach (var f in ((WitRecord)type).Fields) obj[f.Name] = ToJson(dict[f.Name], f.Type, bytes);
                return obj;
            }
            case WitKind.Tuple:
            {
                var items = (object?[])value!;
                var types = ((WitTuple)type).Types;
                return new JsonArray(items.Select((x, i) => ToJson(x, types[i], bytes)).ToArray());
            }
            case WitKind.Variant:
            {
                var v = (WitVariantValue)value!;
                var payloadType = ((WitVariant)type).Cases.First(c => c.Name == v.Tag).Payload;
                var obj = new JsonObject { ["tag"] = v.Tag };
                if (payloadType is not null) obj["val"] = ToJson(v.Value, payloadType, bytes);
                return obj;
            }
            case WitKind.Enum: return JsonValue.Create((string)value!);
            case WitKind.Option: return value is null ? null : ToJson(value, ((WitOption)type).Inner, bytes);
            case WitKind.Result:
            {
                var r = (WitResult)value!;
                var rt = (WitResultType)type;
                var payloadType = r.IsOk ? rt.Ok : rt.Err;
                return new JsonObject { [r.IsOk ? "ok" : "err"] = payloadType is null ? null : ToJson(r.Value, payloadType, bytes) };
            }
            case WitKind.Flags: return new JsonArray(((string[])value!).Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
            case WitKind.Map:
            {
                var map = (WitMap)type;
                return new JsonArray(((IEnumerable<KeyValuePair<object?, object?>>)value!)
                    .Select(kv => (JsonNode?)new JsonArray(ToJson(kv.Key, map.Key, bytes), ToJson(kv.Value, map.Value, bytes))).ToArray());
            }
            case WitKind.Own:
            case WitKind.Borrow:
                if (value is IDisposable disposable) disposable.Dispose();
                return new JsonObject { ["resource"] = type.ToString() };
            default:
                return JsonValue.Create($"<{type}>");
        }
    }

    private static string NonFinite(double d) => double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";

    /// <summary>Formats a JSON node on one line (null as <c>null</c>), keeping non-ASCII text readable.</summary>
    public static string Format(JsonNode? node) => node is null ? "null" : node.ToJsonString(LineOptions);

    private static readonly JsonSerializerOptions LineOptions = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
