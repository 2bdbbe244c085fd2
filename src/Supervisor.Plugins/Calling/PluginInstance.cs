using Supervisor.Plugins.HostApi;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Loading;
using Supervisor.Storage;

namespace Supervisor.Plugins.Calling;

/// <summary>
/// One instantiation of a plugin in a store of its own. The store's host state is the instance's
/// <see cref="GuestState"/>, so a host function knows which plugin is calling from the store it runs in.
/// </summary>
internal sealed class PluginInstance : IDisposable
{
    private readonly Dictionary<(string, string), ComponentFunction> _functions = new();
    private ComponentInstance? _instance;

    public PluginInstance(LoadedPlugin plugin, WasmtimeEngine engine, string chainId, long memoryLimitBytes, int maxOpenBuckets)
    {
        Plugin = plugin;
        Guest = new GuestState(plugin.Service, new BucketId(chainId, DbMode.NonTransactional, Names.ClientData, plugin.Service), maxOpenBuckets);
        Store = new ComponentStore(engine, Guest);
        var limits = plugin.Limits;
        Store.SetLimits(memoryBytes: memoryLimitBytes, tableElements: limits.TableElements, instances: limits.Instances, tables: limits.Tables, memories: limits.Memories);
        Store.ConfigureWasiNothingGranted(Stderr);
    }

    public LoadedPlugin Plugin { get; }

    /// <summary>What host functions know of this instance.</summary>
    public GuestState Guest { get; }

    public ComponentStore Store { get; }

    /// <summary>The last 4 KiB the plugin wrote to stderr (cleared before each call): shown with a trap, never the host's own.</summary>
    public OutputTail Stderr { get; } = new(4096);

    /// <summary>True after a trap or host error: Wasmtime will not enter the instance again.</summary>
    public bool IsPoisoned => _instance is null || _instance.IsPoisoned;

    public void Instantiate() => _instance = Plugin.Linker.Instantiate(Store, Plugin.Component);

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
        Guest.Resources.Clear();
        Store.Dispose();
    }
}
