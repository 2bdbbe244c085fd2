using System.Text.Json;
using System.Text.Json.Nodes;
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

/// <summary>The JSON face of <see cref="Supervisor.Call(CallTarget, IReadOnlyList{object?}, string?)"/>.</summary>
internal static class JsonCalls
{
    public static FunctionSignature Signature(CallTarget target, WitFunctionType type) =>
        new(target, type.Parameters.Select(p => new ParameterSignature(p.Name, p.Type.ToString())).ToList(), type.Result?.ToString());

    public static JsonNode? Call(Supervisor supervisor, CallTarget target, IReadOnlyList<JsonElement> args, string? caller, ByteListFormat bytes)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        var type = supervisor.FunctionType(target);
        if (supervisor is Hosting.SupervisorHost host) RefuseOversized(target, type, args, host.Options.MaxArgumentBytes);
        var values = FromJson(target, type, args, bytes);
        object? result;
        try
        {
            result = supervisor.Call(target, values, caller);
        }
        catch (PluginException e) when (e.Code == PluginErrorCode.ErrorResult && type.Result is WitResultType)
        {
            // The err payload as JSON ({"err": ...}), so a caller that speaks JSON can show it.
            throw new PluginException(e.Code, e.Message, e) { ErrorValue = WitJson.ToJson(new WitResult(false, e.ErrorValue), type.Result, bytes) };
        }
        return type.Result is null ? null : WitJson.ToJson(result, type.Result, bytes);
    }

    /// <summary>
    /// Refuses, before it is decoded, a JSON string argument whose text alone says it is past the limit: however it is
    /// read (text, or base64 at 3 bytes per 4 characters, each perhaps a 6-character escape), it counts at least a byte
    /// per 8 characters. A 200 MB argument line costs no more than its own text; the exact count follows on the values.
    /// </summary>
    private static void RefuseOversized(CallTarget target, WitFunctionType type, IReadOnlyList<JsonElement> args, long limit)
    {
        for (var i = 0; i < Math.Min(args.Count, type.Parameters.Count); i++)
        {
            if (args[i].ValueKind != JsonValueKind.String) continue;
            var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(args[i]).Length;
            if ((raw - 2) / 8 > limit)
                throw new PluginException(PluginErrorCode.InvalidArguments,
                    $"argument {i + 1} ({type.Parameters[i].Name}: {type.Parameters[i].Type}) of {target} holds more than {limit} bytes ({raw} characters of JSON); the limit is SupervisorOptions.MaxArgumentBytes");
        }
    }

    /// <summary>Converts JSON arguments to the .NET values of <paramref name="type"/>'s parameters, naming the parameter and its type on a mismatch.</summary>
    public static object?[] FromJson(CallTarget target, WitFunctionType type, IReadOnlyList<JsonElement> args, ByteListFormat bytes)
    {
        var ps = type.Parameters;
        if (args.Count != ps.Count)
        {
            var detail = args.Count < ps.Count
                ? $"missing {string.Join(", ", ps.Skip(args.Count).Select(p => $"{p.Name}: {p.Type}"))}"
                : $"{args.Count - ps.Count} too many";
            throw new PluginException(PluginErrorCode.InvalidArguments,
                $"{target} takes {ps.Count} argument{(ps.Count == 1 ? "" : "s")} {type}; got {args.Count} ({detail})");
        }
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
