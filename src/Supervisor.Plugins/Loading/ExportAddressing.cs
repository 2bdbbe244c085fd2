using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Loading;

/// <summary>The exported interfaces a name matches, and the one it resolves to when it matches exactly one.</summary>
internal sealed record InterfaceMatch(string? Export, IReadOnlyList<string> Candidates);

/// <summary>
/// How a plugin's exports are addressed (PDP-CALL-4), written once for calls from the app, imports of other plugins
/// and <c>plugin inspect</c>: the service (the plugin folder) names the plugin, and an interface is found by its name
/// among the component's exported interfaces, whatever WIT package the component was built from. Only when two
/// exported interfaces share a name must the address name the package.
/// </summary>
internal static class ExportAddressing
{
    /// <summary>The interface's own name: <c>api</c> of <c>probe:plugin/api@1.0.0</c>.</summary>
    public static string InterfaceOf(string export)
    {
        var slash = export.LastIndexOf('/');
        var at = export.IndexOf('@', slash + 1);
        return at < 0 ? export[(slash + 1)..] : export[(slash + 1)..at];
    }

    /// <summary>The package with its version if any: <c>probe:plugin@1.0.0</c> of <c>probe:plugin/api@1.0.0</c>.</summary>
    public static string PackageOf(string export)
    {
        var slash = export.LastIndexOf('/');
        var at = export.IndexOf('@', slash + 1);
        return slash < 0 ? "" : at < 0 ? export[..slash] : export[..slash] + export[at..];
    }

    /// <summary>
    /// The exported interfaces of <paramref name="type"/> named <paramref name="interface"/>, of
    /// <paramref name="package"/> when given (with a version, it must match; without, any version does).
    /// </summary>
    public static InterfaceMatch Match(ComponentTypeInfo type, string @interface, string? package)
    {
        var candidates = new List<string>();
        foreach (var e in type.Exports)
        {
            if (e.Kind != ComponentItemKind.Instance || InterfaceOf(e.Name) != @interface) continue;
            if (package is not null && !PackageMatches(PackageOf(e.Name), package)) continue;
            candidates.Add(e.Name);
        }
        return new InterfaceMatch(candidates.Count == 1 ? candidates[0] : null, candidates);
    }

    /// <summary>Resolves <paramref name="target"/>'s interface in <paramref name="type"/>, or explains why it cannot.</summary>
    /// <exception cref="PluginException"><see cref="PluginErrorCode.FunctionNotFound"/>: no such interface, or several.</exception>
    public static string Resolve(ComponentTypeInfo type, CallTarget target)
    {
        var match = Match(type, target.Interface, target.Package);
        if (match.Export is { } export) return export;
        if (match.Candidates.Count > 1)
            throw new PluginException(PluginErrorCode.FunctionNotFound,
                $"plugin \"{target.Service}:{target.Plugin}\" exports {match.Candidates.Count} interfaces named \"{target.Interface}\" " +
                $"({string.Join(", ", match.Candidates.Take(MaxListed))}{(match.Candidates.Count > MaxListed ? ", ..." : "")}); name the package: " +
                string.Join(" or ", match.Candidates.Take(MaxListed).Select(c => Address(target.Service, target.Plugin, c, qualified: true) + "." + target.Function)));
        throw new PluginException(PluginErrorCode.FunctionNotFound,
            $"plugin \"{target.Service}:{target.Plugin}\" exports no interface \"{(target.Package is null ? "" : target.Package + "/")}{target.Interface}\" for {target}; it exports: {Listing(type, target.Service, target.Plugin)}");
    }

    /// <summary>How an app calls the functions of exported interface <paramref name="export"/> (without the function).</summary>
    public static string AddressOf(ComponentTypeInfo type, string service, string plugin, string export) =>
        Address(service, plugin, export, qualified: Match(type, InterfaceOf(export), null).Candidates.Count > 1);

    /// <summary>How many exported functions an error names; a plugin declaring thousands would otherwise make every error that long.</summary>
    internal const int MaxListed = 30;

    /// <summary>The exported functions' addresses, for errors: the first <see cref="MaxListed"/>, then how many more.</summary>
    public static string Listing(ComponentTypeInfo type, string service, string plugin)
    {
        var names = new List<string>();
        var total = 0;
        foreach (var e in type.Exports)
        {
            if (e.Kind == ComponentItemKind.Func)
            {
                if (++total <= MaxListed) names.Add($"{e.Name} (a top-level function, which cannot be called)");
            }
            else if (e.Kind == ComponentItemKind.Instance)
            {
                var functions = e.Exports.Where(f => f.Kind == ComponentItemKind.Func).ToList();
                var room = Math.Max(0, MaxListed - total);
                total += functions.Count;
                if (room == 0) continue;
                var address = AddressOf(type, service, plugin, e.Name);
                names.AddRange(functions.Take(room).Select(f => $"{address}.{f.Name}"));
            }
        }
        if (names.Count == 0) return "nothing";
        var listed = string.Join(", ", names);
        return total > names.Count ? $"{listed} and {total - names.Count} more (`supervisor plugin inspect` lists them all)" : listed;
    }

    private static string Address(string service, string plugin, string export, bool qualified) =>
        qualified ? $"{service}:{plugin}/{PackageOf(export)}/{InterfaceOf(export)}" : $"{service}:{plugin}/{InterfaceOf(export)}";

    private static bool PackageMatches(string exported, string wanted) =>
        wanted.Contains('@') ? exported == wanted : (exported.IndexOf('@') is var at and >= 0 ? exported[..at] : exported) == wanted;
}
