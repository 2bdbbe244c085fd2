using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Calling;

/// <summary>
/// A call target resolved once per call: the exported interface it names (<paramref name="Export"/>, found by
/// <see cref="Loading.ExportAddressing"/>), the loaded plugin's instances and the exported function's type.
/// </summary>
internal readonly record struct ResolvedTarget(CallTarget Target, string Export, InstancePool Pool, WitFunctionType Type)
{
    /// <summary>The error for <paramref name="count"/> arguments given to a function that takes another number.</summary>
    public PluginException ArityError(int count)
    {
        var ps = Type.Parameters;
        var detail = count < ps.Count
            ? $"missing {string.Join(", ", ps.Skip(count).Select(p => $"{p.Name}: {p.Type}"))}"
            : $"{count - ps.Count} too many";
        return new PluginException(PluginErrorCode.InvalidArguments,
            $"{Target} takes {ps.Count} argument{(ps.Count == 1 ? "" : "s")} {Type}; got {count} ({detail})");
    }
}
