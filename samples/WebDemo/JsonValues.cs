using System.Collections;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supervisor.Plugins;

namespace WebDemo;

/// <summary>
/// JSON to the .NET values <see cref="PluginSession.Call(CallTarget, IReadOnlyList{object?}, string?)"/> takes, and its
/// results back to JSON, in the mapping of <see cref="PluginSupervisor.CallJson"/>: a <c>list&lt;u8&gt;</c> argument is
/// a base64 string (or an array of bytes), a <c>result</c> is <c>{"ok": ..}</c> or <c>{"err": ..}</c>, a variant
/// <c>{"tag": .., "val": ..}</c>. The supervisor checks every value against the parameter's WIT type.
/// </summary>
internal static class JsonValues
{
    /// <summary>The arguments of a call, converted by the parameters' WIT types where JSON alone cannot tell (bytes).</summary>
    /// <exception cref="PluginException"><see cref="PluginErrorCode.InvalidArguments"/>: too many or too few, or bytes that are not base64.</exception>
    public static object?[] Arguments(CallTarget target, FunctionSignature signature, IReadOnlyList<JsonElement> args)
    {
        var parameters = signature.Parameters;
        if (args.Count != parameters.Count)
            throw new PluginException(PluginErrorCode.InvalidArguments, $"{target} takes {parameters.Count} argument(s) ({string.Join(", ", parameters)}), got {args.Count}");
        var values = new object?[args.Count];
        for (var i = 0; i < args.Count; i++)
            values[i] = parameters[i].Type == "list<u8>" ? Bytes(args[i], i, parameters[i], target) : FromJson(args[i]);
        return values;
    }

    private static object? Bytes(JsonElement arg, int index, ParameterSignature parameter, CallTarget target)
    {
        if (arg.ValueKind != JsonValueKind.String) return FromJson(arg);
        try
        {
            return Convert.FromBase64String(arg.GetString()!);
        }
        catch (FormatException)
        {
            throw new PluginException(PluginErrorCode.InvalidArguments, $"argument {index + 1} ({parameter}) of {target}: expected base64, got a string that is not");
        }
    }

    /// <summary>A JSON value as a plain .NET value: arrays of bytes become <c>byte[]</c>, of strings <c>string[]</c> (lists and flags).</summary>
    private static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => e.GetString(),
        // Boxed one by one: a conditional expression would widen every number to double.
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.TryGetUInt64(out var u) ? (object)u : e.GetDouble(),
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value)),
        JsonValueKind.Array => Array(e),
        _ => throw new JsonException($"unexpected JSON {e.ValueKind}"),
    };

    private static object Array(JsonElement e)
    {
        var items = e.EnumerateArray().Select(FromJson).ToArray();
        if (items.Length > 0 && items.All(i => i is long n && n is >= 0 and <= 255)) return items.Select(i => (byte)(long)i!).ToArray();
        if (items.Length > 0 && items.All(i => i is string)) return items.Cast<string>().ToArray();
        return items;
    }

    /// <summary>A call's result (or an <c>err</c> payload) as JSON.</summary>
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        byte[] bytes => Convert.ToBase64String(bytes),
        string s => s,
        bool b => b,
        Rune r => r.ToString(),
        float f => Number(f),
        double d => Number(d),
        sbyte or byte or short or ushort or int or uint or long or ulong => JsonValue.Create(Convert.ToDecimal(value)),
        WitResult r => new JsonObject { [r.IsOk ? "ok" : "err"] = ToJson(r.Value) },
        WitVariantValue v => new JsonObject { ["tag"] = v.Tag, ["val"] = ToJson(v.Value) },
        IDictionary<string, object?> record => new JsonObject(record.Select(p => KeyValuePair.Create(p.Key, ToJson(p.Value)))),
        IEnumerable items => new JsonArray(items.Cast<object?>().Select(ToJson).ToArray()),
        _ => value.ToString(),
    };

    /// <summary>A float; JSON has no NaN or infinities, so those are strings as in <see cref="PluginSupervisor.CallJson"/>.</summary>
    private static JsonNode Number(double d) => double.IsFinite(d) ? d : d.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
