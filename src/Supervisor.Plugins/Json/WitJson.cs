using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Json;

/// <summary>
/// The JSON face of <see cref="WitValueWalk"/>: JSON to and from the .NET shapes plugin calls take and give:
/// string, bool, integers, floats (also <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>), char as a
/// one-character string, list as an array, <c>list&lt;u8&gt;</c> as an array or a string (base64, or UTF-8 text
/// in <see cref="ByteListFormat.Text"/>), option as null or the value, result as <c>{"ok":..}</c> /
/// <c>{"err":..}</c>, record as an object, tuple as an array, enum as a string, variant as
/// <c>{"tag":..,"val":..}</c>, flags as an array of names, map as an array of <c>[key, value]</c> pairs (read also
/// as an object when the keys are strings). Mismatches name the path of the offending value.
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
            throw new MismatchException($"{AtPath(path)}the string holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not text");
        }
    }

    public static object? FromJson(JsonElement json, WitType type, ByteListFormat bytes) =>
        WitValueWalk.Read(new At(json, ""), type, new Reader(bytes));

    /// <summary>A JSON value and where it sits (for messages); <see cref="Key"/> is set for a map key given as a property name.</summary>
    private readonly record struct At(JsonElement Json, string Path, string? Key = null);

    private readonly struct Reader(ByteListFormat bytes) : IWitReader<At>
    {
        public bool Bool(At v, WitType type) => v.Json.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Expected("true or false", v.Json, type, v.Path),
        };

        public long Signed(At v, WitType type, long min, long max) => Integer(v.Json, type, v.Path, min, max);

        public ulong Unsigned(At v, WitType type, ulong max)
        {
            if (max <= long.MaxValue) return (ulong)Integer(v.Json, type, v.Path, 0, (long)max);
            if (v.Json.ValueKind == JsonValueKind.Number && v.Json.TryGetUInt64(out var u64)) return u64;
            throw Expected($"an integer from 0 to {max}", v.Json, type, v.Path);
        }

        public float F32(At v, WitType type) => (float)Float(v.Json, type, v.Path);

        public double F64(At v, WitType type) => Float(v.Json, type, v.Path);

        public Rune Char(At v, WitType type)
        {
            if (v.Json.ValueKind == JsonValueKind.String)
            {
                var s = Text(v.Json, v.Path);
                if (s.Length > 0 && Rune.DecodeFromUtf16(s, out var rune, out var used) == System.Buffers.OperationStatus.Done && used == s.Length)
                    return rune;
            }
            throw Expected("a string of exactly one character (Unicode scalar value)", v.Json, type, v.Path);
        }

        public string String(At v, WitType type) =>
            v.Key ?? (v.Json.ValueKind == JsonValueKind.String ? Text(v.Json, v.Path) : throw Expected("a string", v.Json, type, v.Path));

        public byte[] Bytes(At v, WitList type)
        {
            var (json, path) = (v.Json, v.Path);
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
                result[i] = (byte)Integer(item, type.Element, $"{path}[{i}]", 0, 255);
                i++;
            }
            return result;
        }

        public At[] List(At v, WitList type)
        {
            if (v.Json.ValueKind != JsonValueKind.Array) throw Expected("an array", v.Json, type, v.Path);
            return Items(v);
        }

        public void Record(At v, WitRecord type)
        {
            var fields = type.Fields;
            if (v.Json.ValueKind != JsonValueKind.Object) throw Expected($"an object with fields {string.Join(", ", fields.Select(f => f.Name))}", v.Json, type, v.Path);
            foreach (var prop in v.Json.EnumerateObject())
            {
                if (!fields.Any(f => f.Name == prop.Name))
                    throw new MismatchException($"{AtPath(v.Path)}unknown field \"{prop.Name}\" for {type}");
            }
        }

        public bool Field(At v, WitRecord type, int index, out At field)
        {
            var name = type.Fields[index].Name;
            var found = v.Json.TryGetProperty(name, out var json);
            field = new At(json, $"{v.Path}.{name}");
            return found;
        }

        public Exception MissingField(At v, WitRecord type, WitField field) =>
            new MismatchException($"{AtPath(v.Path)}missing field \"{field.Name}\" ({field.Type}) of {type}");

        public At[] Tuple(At v, WitTuple type)
        {
            if (v.Json.ValueKind != JsonValueKind.Array || v.Json.GetArrayLength() != type.Types.Count)
                throw Expected($"an array of {type.Types.Count} item(s)", v.Json, type, v.Path);
            return Items(v);
        }

        public int Variant(At v, WitVariant type, out At payload, out bool hasPayload)
        {
            var (json, path) = (v.Json, v.Path);
            var cases = string.Join(", ", type.Cases.Select(c => $"\"{c.Name}\""));
            if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("tag", out var tag) || tag.ValueKind != JsonValueKind.String)
                throw Expected($"an object {{\"tag\": one of {cases}, \"val\": payload}}", json, type, path);
            foreach (var prop in json.EnumerateObject())
                if (prop.Name is not ("tag" or "val")) throw new MismatchException($"{AtPath(path)}unknown property \"{prop.Name}\" in a variant value (only \"tag\" and \"val\"); type {type}");
            var name = Text(tag, path);
            var index = type.IndexOf(name);
            if (index < 0) throw new MismatchException($"{AtPath(path)}\"{name}\" is not a case of {type} (cases: {cases})");
            var hasVal = json.TryGetProperty("val", out var val) && val.ValueKind != JsonValueKind.Null;
            var payloadType = type.Cases[index].Payload;
            if (payloadType is null)
            {
                if (hasVal) throw new MismatchException($"{AtPath(path)}case \"{name}\" of {type} has no payload; leave out \"val\"");
                payload = default;
                hasPayload = false;
                return index;
            }
            if (!json.TryGetProperty("val", out val)) throw new MismatchException($"{AtPath(path)}case \"{name}\" of {type} needs \"val\" ({payloadType})");
            payload = new At(val, $"{path}.val");
            hasPayload = true;
            return index;
        }

        public string Enum(At v, WitEnum type)
        {
            if (v.Json.ValueKind == JsonValueKind.String && type.Names.Contains(Text(v.Json, v.Path))) return Text(v.Json, v.Path);
            throw Expected($"one of {string.Join(", ", type.Names.Select(n => $"\"{n}\""))}", v.Json, type, v.Path);
        }

        public bool Option(At v, WitOption type, out At inner)
        {
            inner = v;
            return v.Json.ValueKind != JsonValueKind.Null;
        }

        public bool Result(At v, WitResultType type, out At payload, out bool hasPayload)
        {
            var (json, path) = (v.Json, v.Path);
            if (json.ValueKind != JsonValueKind.Object) throw Expected("{\"ok\": value} or {\"err\": value}", json, type, path);
            var props = json.EnumerateObject().ToList();
            if (props.Count != 1 || props[0].Name is not ("ok" or "err")) throw Expected("{\"ok\": value} or {\"err\": value}", json, type, path);
            var isOk = props[0].Name == "ok";
            hasPayload = (isOk ? type.Ok : type.Err) is not null;
            if (!hasPayload && props[0].Value.ValueKind != JsonValueKind.Null)
                throw new MismatchException($"{AtPath(path)}the {props[0].Name} case of {type} has no payload; write {{\"{props[0].Name}\": null}}");
            payload = new At(props[0].Value, $"{path}.{props[0].Name}");
            return isOk;
        }

        public string[] Flags(At v, WitFlags type)
        {
            var names = type.Names;
            if (v.Json.ValueKind != JsonValueKind.Array) throw Expected($"an array of flag names ({string.Join(", ", names)})", v.Json, type, v.Path);
            var set = new List<string>();
            foreach (var item in v.Json.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !names.Contains(Text(item, v.Path)))
                    throw Expected($"an array of flag names ({string.Join(", ", names)})", v.Json, type, v.Path);
                set.Add(Text(item, v.Path));
            }
            return set.ToArray();
        }

        public object Resource(At v, WitResource type) => throw Unsupported(v, type);

        public (At Key, At Value)[] Map(At v, WitMap type)
        {
            var (json, path) = (v.Json, v.Path);
            var pairs = new List<(At, At)>();
            if (json.ValueKind == JsonValueKind.Object && type.Key.Kind == WitKind.String)
            {
                foreach (var prop in json.EnumerateObject()) pairs.Add((new At(default, path, prop.Name), new At(prop.Value, $"{path}.{prop.Name}")));
                return pairs.ToArray();
            }
            if (json.ValueKind != JsonValueKind.Array) throw Expected("an array of [key, value] pairs", json, type, path);
            foreach (var item in json.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 2) throw Expected("an array of [key, value] pairs", json, type, path);
                pairs.Add((new At(item[0], $"{path}[{pairs.Count}][0]"), new At(item[1], $"{path}[{pairs.Count}][1]")));
            }
            return pairs.ToArray();
        }

        public Exception Unsupported(At v, WitType type) => new MismatchException($"{AtPath(v.Path)}values of type {type} cannot be given as JSON");

        private static At[] Items(At v)
        {
            var items = new At[v.Json.GetArrayLength()];
            var i = 0;
            foreach (var item in v.Json.EnumerateArray())
            {
                items[i] = new At(item, $"{v.Path}[{i}]");
                i++;
            }
            return items;
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

    private static string AtPath(string path) => path.Length == 0 ? "" : $"at {path}: ";

    private static MismatchException Expected(string what, JsonElement json, WitType type, string path)
    {
        var text = json.GetRawText();
        if (text.Length > 60) text = text[..57] + "...";
        return new MismatchException($"{AtPath(path)}expected {what} for {type}, got {text}");
    }

    // ------------------------------------------------------------------ .NET -> JSON

    public static JsonNode? ToJson(object? value, WitType type, ByteListFormat bytes) =>
        WitValueWalk.Write<JsonNode?, Writer>(value, type, new Writer(bytes));

    private readonly struct Writer(ByteListFormat bytes) : IWitWriter<JsonNode?>
    {
        public JsonNode? Bool(bool value) => JsonValue.Create(value);
        public JsonNode? S8(sbyte value) => JsonValue.Create(value);
        public JsonNode? U8(byte value) => JsonValue.Create(value);
        public JsonNode? S16(short value) => JsonValue.Create(value);
        public JsonNode? U16(ushort value) => JsonValue.Create(value);
        public JsonNode? S32(int value) => JsonValue.Create(value);
        public JsonNode? U32(uint value) => JsonValue.Create(value);
        public JsonNode? S64(long value) => JsonValue.Create(value);
        public JsonNode? U64(ulong value) => JsonValue.Create(value);
        public JsonNode? F32(float value) => float.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(NonFinite(value));
        public JsonNode? F64(double value) => double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(NonFinite(value));
        public JsonNode? Char(Rune value) => JsonValue.Create(value.ToString());
        public JsonNode? String(string value) => JsonValue.Create(value);

        public JsonNode? Bytes(ReadOnlySpan<byte> b) => bytes switch
        {
            ByteListFormat.Array => Numbers(b),
            ByteListFormat.Text when System.Text.Unicode.Utf8.IsValid(b) => JsonValue.Create(Encoding.UTF8.GetString(b)),
            ByteListFormat.Text => Numbers(b),
            _ => JsonValue.Create(Convert.ToBase64String(b)),
        };

        public JsonNode? List(WitList type, JsonNode?[] items) => new JsonArray(items);

        public JsonNode? Record(WitRecord type, JsonNode?[] fields)
        {
            var obj = new JsonObject();
            for (var i = 0; i < fields.Length; i++) obj[type.Fields[i].Name] = fields[i];
            return obj;
        }

        public JsonNode? Tuple(WitTuple type, JsonNode?[] items) => new JsonArray(items);

        public JsonNode? Variant(WitVariant type, int index, JsonNode? payload, bool hasPayload)
        {
            var obj = new JsonObject { ["tag"] = type.Cases[index].Name };
            if (hasPayload) obj["val"] = payload;
            return obj;
        }

        public JsonNode? Enum(WitEnum type, string name) => JsonValue.Create(name);

        public JsonNode? Option(WitOption type, JsonNode? inner, bool isSome) => isSome ? inner : null;

        public JsonNode? Result(WitResultType type, bool isOk, JsonNode? payload, bool hasPayload) =>
            new JsonObject { [isOk ? "ok" : "err"] = hasPayload ? payload : null };

        public JsonNode? Flags(WitFlags type, IReadOnlyList<string> names) => new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());

        public JsonNode? Resource(WitResource type, object? value)
        {
            if (value is IDisposable disposable) disposable.Dispose();
            return new JsonObject { ["resource"] = type.ToString() };
        }

        public JsonNode? Map(WitMap type, (JsonNode? Key, JsonNode? Value)[] entries) =>
            new JsonArray(entries.Select(kv => (JsonNode?)new JsonArray(kv.Key, kv.Value)).ToArray());

        public JsonNode? Unsupported(WitType type, object? value) => JsonValue.Create($"<{type}>");

        public void Discard(JsonNode? value) { }

        private static JsonArray Numbers(ReadOnlySpan<byte> b)
        {
            var items = new JsonNode?[b.Length];
            for (var i = 0; i < b.Length; i++) items[i] = JsonValue.Create(b[i]);
            return new JsonArray(items);
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
