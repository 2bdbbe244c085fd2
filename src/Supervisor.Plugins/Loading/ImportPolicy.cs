using Supervisor.Plugins.HostApi;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Loading;

/// <summary>What an import resolves to, when the policy allows it.</summary>
internal enum ImportKind
{
    /// <summary>An interface the host implements (clientdata, host:*, wasi:keyvalue).</summary>
    Host,
    /// <summary>A WASI preview 2 interface, linked with nothing granted.</summary>
    Wasi,
    /// <summary>Another plugin's exported interface, linked through the supervisor.</summary>
    Plugin,
}

/// <summary>
/// A component import and the policy's verdict on it; for another plugin's interface, <paramref name="Export"/> is the
/// exported interface it resolved to (<see cref="ExportAddressing"/>).
/// </summary>
internal sealed record ImportVerdict(string Name, ImportKind? Kind, string? Refusal, string? Export = null)
{
    public bool Allowed => Refusal is null;
}

/// <summary>
/// The capability check run on every component before anything of it runs: a plugin gets only
/// the host interfaces, WASI preview 2 (nothing granted) and other plugins' interfaces.
/// </summary>
internal static class ImportPolicy
{
    /// <summary>WASI preview 2 packages the host links (with nothing granted).</summary>
    private static readonly string[] WasiPackages = ["wasi:cli/", "wasi:io/", "wasi:clocks/", "wasi:random/", "wasi:filesystem/", "wasi:sockets/"];

    /// <summary>
    /// Judges one import of the plugin <paramref name="self"/>: by name, and for a host interface by type against
    /// the host's own (<see cref="HostCatalog"/>), and for another plugin's interface against what that plugin
    /// exports: <paramref name="pluginType"/> gives a service:plugin pair's component type, null when it is not in the
    /// directory (it throws <see cref="PluginException"/> when the plugin cannot be compiled).
    /// </summary>
    public static ImportVerdict Judge(ComponentItemInfo item, string self, Func<string, string, ComponentTypeInfo?> pluginType)
    {
        var import = item.Name;
        if (item.Kind != ComponentItemKind.Instance)
            return new(import, null, $"a top-level {item.Kind.ToString().ToLowerInvariant()} import; plugins may import only interfaces");
        if (import.StartsWith(Composition.ComponentComposer.AdapterInterfacePrefix, StringComparison.Ordinal))
            return new(import, null, "the supervisor's internal byte-adapter interface; plugins cannot import it");
        if (HostCatalog.Provides(import))
            return HostCatalog.Mismatch(item) is { } mismatch
                ? new(import, null, $"types differ from the host's: {mismatch}")
                : new(import, ImportKind.Host, null);
        if (import.StartsWith("wasi:keyvalue/", StringComparison.Ordinal))
            return new(import, null, "wasi:keyvalue is provided at 0.2.0-draft and 0.2.0-draft2 only");
        if (import.StartsWith("wasi:", StringComparison.Ordinal))
        {
            foreach (var p in WasiPackages)
            {
                if (import.StartsWith(p, StringComparison.Ordinal))
                {
                    var at = import.IndexOf('@');
                    return at > 0 && import[(at + 1)..].StartsWith("0.2.", StringComparison.Ordinal)
                        ? new(import, ImportKind.Wasi, null)
                        : new(import, null, "only WASI preview 2 (0.2.x) is provided");
                }
            }
            return new(import, null, "this WASI interface is not provided");
        }
        var colon = import.IndexOf(':');
        var slash = import.IndexOf('/');
        if (colon > 0 && slash > colon + 1 && import.IndexOf('@') < 0)
        {
            var service = import[..colon];
            var plugin = import[(colon + 1)..slash];
            if (PluginDirectory.ReservedServices.Contains(service))
                return new(import, null, $"\"{service}\" is a host namespace and has no such interface");
            if (service == self)
                return new(import, null, "a plugin cannot import its own service's interfaces");
            ComponentTypeInfo? callee;
            try
            {
                callee = pluginType(service, plugin);
            }
            catch (PluginException e)
            {
                return new(import, null, $"plugin \"{service}:{plugin}\" cannot be loaded: {e.Message}");
            }
            return callee is null
                ? new(import, null, $"no plugin \"{service}:{plugin}\" in the plugin directory")
                : JudgePluginImport(item, service, plugin, callee);
        }
        return new(import, null, "not a host interface, a WASI preview 2 interface or another plugin's interface");
    }

    /// <summary>
    /// Resolves an import of another plugin's interface by the interface's name (PDP-CALL-4). Each function is checked
    /// against the export when it is called (PDP-KV-9: a handle passed to another plugin traps that call, not the load).
    /// </summary>
    private static ImportVerdict JudgePluginImport(ComponentItemInfo item, string service, string plugin, ComponentTypeInfo callee)
    {
        var import = item.Name;
        var name = ExportAddressing.InterfaceOf(import);
        var match = ExportAddressing.Match(callee, name, null);
        if (match.Candidates.Count > 1)
            return new(import, null, $"plugin \"{service}:{plugin}\" exports {match.Candidates.Count} interfaces named \"{name}\" ({string.Join(", ", match.Candidates)}), so the import is ambiguous");
        if (match.Export is not { } export)
            return new(import, null, $"plugin \"{service}:{plugin}\" exports no interface named \"{name}\"; it exports: {ExportAddressing.Listing(callee, service, plugin)}");
        return new(import, ImportKind.Plugin, null, export);
    }
}
