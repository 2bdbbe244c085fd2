using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Json;

/// <summary>
/// WAVE, Wasmtime's text encoding of component values (<c>notes:plugin/api.add("hello")</c>), as a syntax over the
/// JSON mapping (<see cref="JsonCalls"/>): a call in WAVE is read into the JSON values the JSON face takes, so values
/// are checked against the WIT types in one place, and a result is written back from JSON. Lists of bytes travel as
/// arrays (<see cref="ByteListFormat.Array"/>). The JSON mapping cannot tell <c>some(none)</c> from <c>none</c>, so
/// neither can a WAVE call.
/// </summary>
internal static class Wave
{
    private static readonly string[] Keywords = ["true", "false", "inf", "nan", "some", "none", "ok", "err"];

    /// <summary>True when <paramref name="text"/> is a call in WAVE (<c>target(arguments)</c>) rather than a bare target.</summary>
    public static bool IsCall(string text) => text.Contains('(');

    /// <summary>Splits <c>target(arguments)</c> into the target text and the arguments' text.</summary>
    /// <exception cref="PluginException"><see cref="PluginErrorCode.InvalidTarget"/>: no closing parenthesis.</exception>
    public static (string Target, string Arguments) SplitCall(string text)
    {
        var open = text.IndexOf('(');
        var trimmed = text.TrimEnd();
        if (open <= 0 || !trimmed.EndsWith(')'))
            throw new PluginException(PluginErrorCode.InvalidTarget,
                $"call \"{text}\" is not of the form service:plugin/interface.function(arguments in WAVE)");
        return (text[..open].Trim(), trimmed[(open + 1)..^1]);
    }

    /// <summary>
    /// Reads the WAVE arguments of <paramref name="target"/> (<paramref name="type"/>): comma-separated values, trailing
    /// <c>none</c> options omittable. Errors name the argument, its type and the column.
    /// </summary>
    /// <exception cref="PluginException"><see cref="PluginErrorCode.InvalidArguments"/>.</exception>
    public static List<JsonNode?> ParseArguments(string text, WitFunctionType type, CallTarget target)
    {
        var reader = new Reader(text);
        var values = new List<JsonNode?>();
        var ps = type.Parameters;
        reader.SkipSpace();
        while (!reader.AtEnd)
        {
            if (values.Count == ps.Count)
                throw new PluginException(PluginErrorCode.InvalidArguments,
                    $"{target} takes {ps.Count} argument{(ps.Count == 1 ? "" : "s")} {type}; more were given: {text[(reader.Column - 1)..]} at column {reader.Column}");
            var p = ps[values.Count];
            try
            {
                values.Add(reader.Value(p.Type));
            }
            catch (FormatException e)
            {
                throw new PluginException(PluginErrorCode.InvalidArguments, $"argument {values.Count + 1} ({p.Name}: {p.Type}) of {target}: {e.Message}", e);
            }
            reader.SkipSpace();
            if (reader.AtEnd) break;
            try
            {
                reader.Expect(',', "',' between arguments or the end of the call");
            }
            catch (FormatException e)
            {
                throw new PluginException(PluginErrorCode.InvalidArguments, $"after argument {values.Count} of {target}: {e.Message}", e);
            }
            reader.SkipSpace();
        }
        while (values.Count < ps.Count && ps[values.Count].Type.Kind == WitKind.Option) values.Add(null);
        return values;
    }

    /// <summary>Reads one WAVE value of <paramref name="type"/> as its JSON mapping.</summary>
    /// <exception cref="FormatException">Not a value of the type; the message names the column.</exception>
    public static JsonNode? ParseValue(string text, WitType type)
    {
        var reader = new Reader(text);
        reader.SkipSpace();
        var value = reader.Value(type);
        reader.SkipSpace();
        if (!reader.AtEnd) throw reader.Error("the end of the value");
        return value;
    }

    /// <summary>Writes <paramref name="json"/>, a value of <paramref name="type"/> in the JSON mapping, as WAVE.</summary>
    public static string Format(JsonNode? json, WitType type)
    {
        var sb = new StringBuilder();
        Write(sb, json, type);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? json, WitType type)
    {
        switch (type.Kind)
        {
            case WitKind.Bool:
                sb.Append(json!.GetValue<bool>() ? "true" : "false");
                return;
            case WitKind.F32 or WitKind.F64:
                if (json is JsonValue v && v.TryGetValue<string>(out var special))
                    sb.Append(special switch { "NaN" => "nan", "Infinity" => "inf", _ => "-inf" });
                else sb.Append(json!.ToJsonString());
                return;
            case WitKind.S8 or WitKind.U8 or WitKind.S16 or WitKind.U16 or WitKind.S32 or WitKind.U32 or WitKind.S64 or WitKind.U64:
                sb.Append(json!.ToJsonString());
                return;
            case WitKind.Char:
                Quote(sb, json!.GetValue<string>(), '\'');
                return;
            case WitKind.String:
                Quote(sb, json!.GetValue<string>(), '"');
                return;
            case WitKind.List:
                Sequence(sb, '[', ']', json!.AsArray(), ((WitList)type).Element);
                return;
            case WitKind.Tuple:
            {
                var types = ((WitTuple)type).Types;
                var items = json!.AsArray();
                sb.Append('(');
                for (var i = 0; i < items.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    Write(sb, items[i], types[i]);
                }
                sb.Append(')');
                return;
            }
            case WitKind.Record:
            {
                var fields = ((WitRecord)type).Fields;
                var obj = json!.AsObject();
                if (fields.Count == 0) { sb.Append("{:}"); return; }
                sb.Append('{');
                for (var i = 0; i < fields.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    sb.Append(fields[i].Name).Append(": ");
                    Write(sb, obj[fields[i].Name], fields[i].Type);
                }
                sb.Append('}');
                return;
            }
            case WitKind.Variant:
            {
                var variant = (WitVariant)type;
                var tag = json!["tag"]!.GetValue<string>();
                Label(sb, tag);
                if (variant.Cases[variant.IndexOf(tag)].Payload is { } payload)
                {
                    sb.Append('(');
                    Write(sb, json["val"], payload);
                    sb.Append(')');
                }
                return;
            }
            case WitKind.Enum:
                Label(sb, json!.GetValue<string>());
                return;
            case WitKind.Option:
                if (json is null) { sb.Append("none"); return; }
                sb.Append("some(");
                Write(sb, json, ((WitOption)type).Inner);
                sb.Append(')');
                return;
            case WitKind.Result:
            {
                var rt = (WitResultType)type;
                var isOk = json!.AsObject().ContainsKey("ok");
                sb.Append(isOk ? "ok" : "err");
                if ((isOk ? rt.Ok : rt.Err) is { } payload)
                {
                    sb.Append('(');
                    Write(sb, json[isOk ? "ok" : "err"], payload);
                    sb.Append(')');
                }
                return;
            }
            case WitKind.Flags:
                sb.Append('{').AppendJoin(", ", json!.AsArray().Select(f => f!.GetValue<string>())).Append('}');
                return;
            case WitKind.Map:
            {
                var map = (WitMap)type;
                var pairs = json is JsonObject o
                    ? o.Select(kv => (Key: (JsonNode?)JsonValue.Create(kv.Key), kv.Value)).ToList()
                    : json!.AsArray().Select(p => (Key: p![0], Value: p[1])).ToList();
                sb.Append('[');
                for (var i = 0; i < pairs.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    sb.Append('(');
                    Write(sb, pairs[i].Key, map.Key);
                    sb.Append(", ");
                    Write(sb, pairs[i].Value, map.Value);
                    sb.Append(')');
                }
                sb.Append(']');
                return;
            }
            default:
                sb.Append(json?.ToJsonString() ?? "none");
                return;
        }
    }

    private static void Sequence(StringBuilder sb, char open, char close, JsonArray items, WitType element)
    {
        sb.Append(open);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            Write(sb, items[i], element);
        }
        sb.Append(close);
    }

    private static void Label(StringBuilder sb, string label)
    {
        if (Keywords.Contains(label)) sb.Append('%');
        sb.Append(label);
    }

    private static void Quote(StringBuilder sb, string text, char quote)
    {
        sb.Append(quote);
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '\'' when quote == '\'': sb.Append(@"\'"); break;
                case '"' when quote == '"': sb.Append("\\\""); break;
                default:
                    if (Rune.IsControl(rune)) sb.Append(@"\u{").Append(rune.Value.ToString("x", CultureInfo.InvariantCulture)).Append('}');
                    else sb.Append(rune.ToString());
                    break;
            }
        }
        sb.Append(quote);
    }

    /// <summary>A type-directed reader of WAVE text: WAVE cannot be parsed without the type (bools, cases, options share a form).</summary>
    private sealed class Reader(string text)
    {
        private int _at;

        public bool AtEnd => _at >= text.Length;

        public int Column => _at + 1;

        public FormatException Error(string expected) =>
            new($"expected {expected} at column {Column}, found {(AtEnd ? "the end" : $"\"{Excerpt()}\"")}");

        private string Excerpt()
        {
            var rest = text[_at..];
            return rest.Length > 20 ? rest[..20] + "..." : rest;
        }

        /// <summary>Skips whitespace and <c>//</c> comments.</summary>
        public void SkipSpace()
        {
            while (!AtEnd)
            {
                if (char.IsWhiteSpace(text[_at])) _at++;
                else if (text[_at] == '/' && _at + 1 < text.Length && text[_at + 1] == '/')
                {
                    while (!AtEnd && text[_at] != '\n') _at++;
                }
                else break;
            }
        }

        public void Expect(char c, string what)
        {
            if (AtEnd || text[_at] != c) throw Error(what);
            _at++;
        }

        private bool TryTake(char c)
        {
            SkipSpace();
            if (AtEnd || text[_at] != c) return false;
            _at++;
            return true;
        }

        private char Peek()
        {
            SkipSpace();
            return AtEnd ? '\0' : text[_at];
        }

        public JsonNode? Value(WitType type)
        {
            SkipSpace();
            switch (type.Kind)
            {
                case WitKind.Bool:
                {
                    var word = Word();
                    return word switch
                    {
                        "true" => JsonValue.Create(true),
                        "false" => JsonValue.Create(false),
                        _ => throw Back(word, "true or false"),
                    };
                }
                case WitKind.S8 or WitKind.U8 or WitKind.S16 or WitKind.U16 or WitKind.S32 or WitKind.U32 or WitKind.S64:
                {
                    var start = _at;
                    var number = Number();
                    if (!long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                        throw BackTo(start, $"an integer for {type}");
                    return JsonValue.Create(v);
                }
                case WitKind.U64:
                {
                    var start = _at;
                    if (!ulong.TryParse(Number(), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                        throw BackTo(start, $"an integer for {type}");
                    return JsonValue.Create(v);
                }
                case WitKind.F32 or WitKind.F64:
                {
                    var start = _at;
                    var number = Number();
                    switch (number)
                    {
                        case "nan": return JsonValue.Create("NaN");
                        case "inf": return JsonValue.Create("Infinity");
                        case "-inf": return JsonValue.Create("-Infinity");
                    }
                    if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                        throw BackTo(start, $"a number, nan, inf or -inf for {type}");
                    return JsonValue.Create(d);
                }
                case WitKind.Char:
                {
                    var start = _at;
                    var s = Quoted('\'');
                    if (s.EnumerateRunes().Count() != 1) throw BackTo(start, "a char of exactly one Unicode scalar value");
                    return JsonValue.Create(s);
                }
                case WitKind.String:
                    return JsonValue.Create(Quoted('"'));
                case WitKind.List:
                {
                    var element = ((WitList)type).Element;
                    var list = new JsonArray();
                    foreach (var item in Items('[', ']', $"a list ({type}) in [ ]", _ => element)) list.Add(item);
                    return list;
                }
                case WitKind.Tuple:
                {
                    var types = ((WitTuple)type).Types;
                    var tuple = new JsonArray();
                    foreach (var item in Items('(', ')', $"a tuple ({type}) in ( )", i => i < types.Count ? types[i] : throw Error($"')' after {types.Count} item(s) of {type}")))
                        tuple.Add(item);
                    if (tuple.Count != types.Count) throw Error($"{types.Count} item(s) for {type}, not {tuple.Count}");
                    return tuple;
                }
                case WitKind.Record:
                    return Record((WitRecord)type);
                case WitKind.Flags:
                {
                    var names = ((WitFlags)type).Names;
                    var set = new JsonArray();
                    Expect('{', $"flags ({type}) in {{ }}");
                    while (!TryTake('}'))
                    {
                        var start = _at;
                        var label = Label();
                        if (!names.Contains(label)) throw BackTo(start, $"a flag of {type}");
                        set.Add(label);
                        if (!TryTake(',')) { Expect('}', "',' or '}'"); break; }
                    }
                    return set;
                }
                case WitKind.Enum:
                {
                    var start = _at;
                    var label = Label();
                    if (!((WitEnum)type).Names.Contains(label)) throw BackTo(start, $"a case of {type}");
                    return JsonValue.Create(label);
                }
                case WitKind.Variant:
                {
                    var variant = (WitVariant)type;
                    var start = _at;
                    var label = Label();
                    var index = variant.IndexOf(label);
                    if (index < 0) throw BackTo(start, $"a case of {type}");
                    var result = new JsonObject { ["tag"] = label };
                    if (variant.Cases[index].Payload is { } payload) result["val"] = Payload(payload, label);
                    return result;
                }
                case WitKind.Option:
                {
                    var inner = ((WitOption)type).Inner;
                    var start = _at;
                    if (TryWord("none")) return null;
                    if (TryWord("some")) return Payload(inner, "some");
                    if (inner.Kind is WitKind.Option or WitKind.Result) throw BackTo(start, $"some(...) or none for {type}");
                    return Value(inner);
                }
                case WitKind.Result:
                {
                    var rt = (WitResultType)type;
                    foreach (var (word, payload) in new[] { ("ok", rt.Ok), ("err", rt.Err) })
                    {
                        if (!TryWord(word)) continue;
                        return new JsonObject { [word] = payload is null ? null : Payload(payload, word) };
                    }
                    if (rt.Ok is null || rt.Ok.Kind is WitKind.Option or WitKind.Result) throw Error($"ok or err for {type}");
                    return new JsonObject { ["ok"] = Value(rt.Ok) };
                }
                case WitKind.Map:
                {
                    var map = (WitMap)type;
                    var pairs = new JsonArray();
                    var pair = new WitTuple([map.Key, map.Value]);
                    foreach (var item in Items('[', ']', $"a map ({type}) as [(key, value), ...]", _ => pair)) pairs.Add(item);
                    return pairs;
                }
                default:
                    throw new FormatException($"values of type {type} cannot be written in WAVE");
            }
        }

        private JsonNode? Payload(WitType type, string label)
        {
            Expect('(', $"'(' and the payload of {label}");
            var value = Value(type);
            SkipSpace();
            Expect(')', $"')' closing {label}(...)");
            return value;
        }

        private JsonObject Record(WitRecord type)
        {
            Expect('{', $"a record ({type}) in {{ }}");
            var result = new JsonObject();
            if (TryTake(':'))
            {
                SkipSpace();
                Expect('}', "'}' closing the empty record {:}");
            }
            else
            {
                while (!TryTake('}'))
                {
                    var start = _at;
                    var name = Label();
                    var field = type.Fields.FirstOrDefault(f => f.Name == name) ?? throw BackTo(start, $"a field of {type}");
                    if (result.ContainsKey(name)) throw BackTo(start, $"each field once (\"{name}\" is repeated)");
                    SkipSpace();
                    Expect(':', $"':' after field {name}");
                    result[name] = Value(field.Type);
                    if (!TryTake(',')) { SkipSpace(); Expect('}', "',' or '}'"); break; }
                }
            }
            foreach (var field in type.Fields)
            {
                if (result.ContainsKey(field.Name)) continue;
                if (field.Type.Kind != WitKind.Option) throw Error($"field {field.Name} ({field.Type}) of {type}, which is missing");
                result[field.Name] = null;
            }
            return result;
        }

        private IEnumerable<JsonNode?> Items(char open, char close, string what, Func<int, WitType> typeOf)
        {
            Expect(open, what);
            var i = 0;
            while (!TryTake(close))
            {
                yield return Value(typeOf(i++));
                if (!TryTake(',')) { SkipSpace(); Expect(close, $"',' or '{close}'"); yield break; }
            }
        }

        /// <summary>A label, without the <c>%</c> that may prefix it.</summary>
        private string Label()
        {
            SkipSpace();
            if (!AtEnd && text[_at] == '%') _at++;
            var word = Word();
            if (word.Length == 0) throw Error("a label");
            return word;
        }

        private string Word()
        {
            var start = _at;
            while (!AtEnd && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] == '-')) _at++;
            return text[start.._at];
        }

        private bool TryWord(string word)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, _at, word, 0, word.Length) != 0) return false;
            var end = _at + word.Length;
            if (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '-')) return false;
            _at = end;
            return true;
        }

        private string Number()
        {
            var start = _at;
            while (!AtEnd && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] is '-' or '+' or '.')) _at++;
            return text[start.._at];
        }

        private FormatException Back(string word, string expected)
        {
            _at -= word.Length;
            return Error(expected);
        }

        private FormatException BackTo(int start, string expected)
        {
            _at = start;
            return Error(expected);
        }

        private string Quoted(char quote)
        {
            var start = _at;
            Expect(quote, quote == '"' ? "a string in \" \"" : "a char in ' '");
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd) throw BackTo(start, $"a closing {quote}");
                var c = text[_at++];
                if (c == quote) return sb.ToString();
                if (c == '\n') throw BackTo(_at - 1, "\\n (a line break must be escaped)");
                if (c != '\\') { sb.Append(c); continue; }
                if (AtEnd) throw Error("an escape after \\");
                var e = text[_at++];
                switch (e)
                {
                    case '\\' or '\'' or '"': sb.Append(e); break;
                    case 't': sb.Append('\t'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'u':
                    {
                        var escape = _at - 2;
                        var close = text.IndexOf('}', _at);
                        if (AtEnd || text[_at] != '{' || close < 0
                            || !int.TryParse(text.AsSpan(_at + 1, close - _at - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                            || !Rune.IsValid(code))
                            throw BackTo(escape, "\\u{HEX} naming a Unicode scalar value");
                        sb.Append(new Rune(code).ToString());
                        _at = close + 1;
                        break;
                    }
                    default:
                        throw BackTo(_at - 2, "an escape: \\\\ \\' \\\" \\t \\n \\r or \\u{HEX}");
                }
            }
        }
    }
}
