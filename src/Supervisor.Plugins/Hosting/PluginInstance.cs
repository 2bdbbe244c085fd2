using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.Hosting;

/// <summary>
/// One instantiation of a plugin in a store of its own. The store's host state points here, so a
/// host function knows which plugin is calling from the store it runs in.
/// </summary>
internal sealed class PluginInstance : IDisposable
{
    private readonly Dictionary<(string, string), ComponentFunction> _functions = new();
    private ComponentInstance? _instance;

    public PluginInstance(LoadedPlugin plugin, long memoryLimitBytes)
    {
        Plugin = plugin;
        Service = plugin.Service;
        ClientDataBucket = new BucketId(plugin.Host.ChainId, DbMode.NonTransactional, Names.ClientData, plugin.Service);
        Resources = new ResourceTable(plugin.Host.Options.MaxOpenBuckets);
        Store = new ComponentStore(plugin.Host.Engine, this);
        var limits = plugin.Limits;
        Store.SetLimits(memoryBytes: memoryLimitBytes, tableElements: limits.TableElements, instances: limits.Instances, tables: limits.Tables, memories: limits.Memories);
        Store.ConfigureWasiNothingGranted(Stderr);
    }

    public LoadedPlugin Plugin { get; }

    /// <summary>The plugin's identity: its service name.</summary>
    public string Service { get; }

    /// <summary>Where clientdata keeps this plugin's records.</summary>
    public BucketId ClientDataBucket { get; }

    public ComponentStore Store { get; }

    /// <summary>The last 4 KiB the plugin wrote to stderr (cleared before each call): shown with a trap, never the host's own.</summary>
    public OutputTail Stderr { get; } = new(4096);

    /// <summary>Host state behind the resource handles this instance holds.</summary>
    public ResourceTable Resources { get; }

    /// <summary>True after a trap or host error: Wasmtime will not enter the instance again.</summary>
    public bool IsPoisoned => _instance is null || _instance.IsPoisoned;

    public void Instantiate(ComponentLinker linker) => _instance = linker.Instantiate(Store, Plugin.Component);

    public ComponentFunction? Function(string? interfaceName, string name)
    {
        if (_functions.TryGetValue((interfaceName ?? "", name), out var f)) return f;
        f = _instance!.GetFunction(interfaceName, name);
        if (f is not null) _functions[(interfaceName ?? "", name)] = f;
        return f;
    }

    public void Dispose()
    {
        _functions.Clear();
        // Wasmtime does not run host resource destructors when a store goes: drop their state here.
        Resources.Clear();
        Store.Dispose();
    }
}
