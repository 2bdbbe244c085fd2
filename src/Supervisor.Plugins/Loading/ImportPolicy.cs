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

/// <summary>A component import and the policy's verdict on it.</summary>
internal sealed record ImportVerdict(string Name, ImportKind? Kind, string? Refusal)
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
    /// the host's own (<see cref="HostCatalog"/>); <paramref name="pluginExists"/> says whether a service:plugin
    /// pair is in the directory.
    /// </summary>
    public static ImportVerdict Judge(ComponentItemInfo item, string self, Func<string, string, bool> pluginExists)
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
            if (pluginExists(service, plugin))
                return new(import, ImportKind.Plugin, null);
            return new(import, null, $"no plugin \"{service}:{plugin}\" in the plugin directory");
        }
        return new(import, null, "not a host interface, a WASI preview 2 interface or another plugin's interface");
    }
}
