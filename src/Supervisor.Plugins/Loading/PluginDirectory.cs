using Supervisor.Storage;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Resolves services to component files laid out as <c>&lt;dir&gt;/&lt;service&gt;/&lt;plugin&gt;.wasm</c>
/// (or <c>.wat</c>). The folder name is the plugin's identity, so it must be a valid psibase
/// account name that the host does not reserve.
/// </summary>
internal sealed class PluginDirectory
{
    /// <summary>Services the host itself provides; no plugin may be loaded under them.</summary>
    public static readonly IReadOnlySet<string> ReservedServices = new HashSet<string>(StringComparer.Ordinal)
    {
        Names.ClientData, "host", "wasi", "supervisor",
    };

    public PluginDirectory(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }

    /// <summary>Throws unless <paramref name="service"/> may name a plugin.</summary>
    public static void ValidateService(string service)
    {
        if (!Names.IsValidService(service))
        {
            try
            {
                Names.ValidateService(service);
            }
            catch (StorageException e)
            {
                throw new PluginException(PluginErrorCode.InvalidPluginName, $"plugin {e.Message}", e);
            }
        }
        if (ReservedServices.Contains(service))
            throw new PluginException(PluginErrorCode.InvalidPluginName,
                $"service name \"{service}\" is reserved for the host; rename the plugin directory entry");
    }

    /// <summary>The component file of <paramref name="service"/>'s <paramref name="plugin"/>.</summary>
    public string Resolve(string service, string plugin)
    {
        ValidateService(service);
        if (!CallTarget.IsKebab(plugin))
            throw new PluginException(PluginErrorCode.InvalidPluginName, $"plugin name \"{plugin}\" is not a WIT identifier");
        var dir = Path.Combine(Root, service);
        foreach (var ext in new[] { ".wasm", ".wat" })
        {
            var file = Path.Combine(dir, plugin + ext);
            if (File.Exists(file)) return file;
        }
        throw new PluginException(PluginErrorCode.PluginNotFound,
            $"no plugin \"{service}:{plugin}\": neither {plugin}.wasm nor {plugin}.wat in \"{dir}\"");
    }

    /// <summary>Every (service, plugin) pair present, refusing reserved or invalid service folders by name.</summary>
    public IEnumerable<(string Service, string Plugin, string File)> Enumerate()
    {
        if (!Directory.Exists(Root)) yield break;
        foreach (var dir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            var service = Path.GetFileName(dir);
            foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
            {
                var ext = Path.GetExtension(file);
                if (ext is not (".wasm" or ".wat")) continue;
                yield return (service, Path.GetFileNameWithoutExtension(file), file);
            }
        }
    }
}
