using System.Text.Json;
using System.Text.Json.Nodes;
using Supervisor.Plugins.Calling;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Json;

namespace Supervisor.Plugins;

/// <summary>How <c>list&lt;u8&gt;</c> values are written as JSON (and how a JSON string for one is read).</summary>
public enum ByteListFormat
{
    /// <summary>Written as a base64 string; a string argument is read as base64 (the default).</summary>
    Base64,
    /// <summary>Written as an array of numbers; a string argument is read as base64.</summary>
    Array,
    /// <summary>Written as a string when the bytes are valid UTF-8 (else as an array); a string argument is read as UTF-8 text.</summary>
    Text,
}

/// <summary>A plugin function's WIT signature.</summary>
/// <param name="Target">The function.</param>
/// <param name="Parameters">Its parameters in order.</param>
/// <param name="Result">Its result type in WIT-like text, or null when it returns nothing.</param>
public sealed record FunctionSignature(CallTarget Target, IReadOnlyList<ParameterSignature> Parameters, string? Result)
{
    /// <summary>WIT-like text: <c>func(key: string) -&gt; option&lt;list&lt;u8&gt;&gt;</c>.</summary>
    public override string ToString() => $"func({string.Join(", ", Parameters)}){(Result is null ? "" : " -> " + Result)}";
}

/// <summary>One parameter of a plugin function.</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="Type">Its WIT type in WIT-like text.</param>
public sealed record ParameterSignature(string Name, string Type)
{
    /// <summary><c>name: type</c>.</summary>
    public override string ToString() => $"{Name}: {Type}";
}

/// <summary>The JSON face of <see cref="PluginSupervisor.Call(CallTarget, IReadOnlyList{object?}, string?)"/>.</summary>
internal static class JsonCalls
{
    public static FunctionSignature Signature(CallTarget target, WitFunctionType type) =>
        new(target, type.Parameters.Select(p => new ParameterSignature(p.Name, p.Type.ToString())).ToList(), type.Result?.ToString());

    /// <summary>A call's result as JSON; null for a function without a result.</summary>
    public static JsonNode? ResultToJson(object? result, WitFunctionType type, ByteListFormat bytes) =>
        type.Result is null ? null : WitJson.ToJson(result, type.Result, bytes);

    /// <summary>
    /// Converts JSON arguments to the .NET values of the target's parameters, naming the parameter and its type on a
    /// mismatch; a string argument past <paramref name="limit"/> bytes is refused from its text before it is decoded.
    /// </summary>
    public static object?[] FromJson(ResolvedTarget call, IReadOnlyList<JsonElement> args, ByteListFormat bytes, long limit)
    {
        var (target, type) = (call.Target, call.Type);
        if (args.Count != type.Parameters.Count) throw call.ArityError(args.Count);
        RefuseOversized(target, type, args, limit);
        return FromJson(target, type, args, bytes);
    }

    /// <summary>
    /// Refuses, before it is decoded, a JSON string argument whose text alone says it is past the limit: however it is
    /// read (text, or base64 at 3 bytes per 4 characters, each perhaps a 6-character escape), it counts at least a byte
    /// per 8 characters. A 200 MB argument line costs no more than its own text; the exact count follows on the values.
    /// </summary>
    private static void RefuseOversized(CallTarget target, WitFunctionType type, IReadOnlyList<JsonElement> args, long limit)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].ValueKind != JsonValueKind.String) continue;
            var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(args[i]).Length;
            if ((raw - 2) / 8 > limit)
                throw new PluginException(PluginErrorCode.InvalidArguments,
                    $"argument {i + 1} ({type.Parameters[i].Name}: {type.Parameters[i].Type}) of {target} holds more than {limit} bytes ({raw} characters of JSON); the limit is SupervisorOptions.MaxArgumentBytes");
        }
    }

    private static object?[] FromJson(CallTarget target, WitFunctionType type, IReadOnlyList<JsonElement> args, ByteListFormat bytes)
    {
        var ps = type.Parameters;
        var values = new object?[ps.Count];
        for (var i = 0; i < ps.Count; i++)
        {
            try
            {
                values[i] = WitJson.FromJson(args[i], ps[i].Type, bytes);
            }
            catch (WitJson.MismatchException e)
            {
                throw new PluginException(PluginErrorCode.InvalidArguments,
                    $"argument {i + 1} ({ps[i].Name}: {ps[i].Type}) of {target}: {e.Message}", e);
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json refuses to unescape a lone surrogate anywhere (a property name too).
                throw new PluginException(PluginErrorCode.InvalidArguments,
                    $"argument {i + 1} ({ps[i].Name}: {ps[i].Type}) of {target}: a string holds a lone UTF-16 surrogate, which is not text ({e.Message})", e);
            }
        }
        return values;
    }
}
