using System.Text.Json;
using System.Text.Json.Nodes;
using Supervisor.Plugins.Calling;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Json;

namespace Supervisor.Plugins;

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
