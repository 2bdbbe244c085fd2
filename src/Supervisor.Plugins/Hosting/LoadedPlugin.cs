using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Hosting;

/// <summary>
/// A compiled, import-checked plugin with its linker and a pool of instances. Calls take an
/// idle instance (or make one, up to the configured maximum), so no store is ever entered by
/// two threads and a call into a busy plugin from another thread never deadlocks on it.
/// </summary>
internal sealed class LoadedPlugin : IDisposable
{
    private readonly object _gate = new();
    private readonly Stack<PluginInstance> _idle = new();
    private readonly int _maxInstances;
    private int _count;
    private bool _disposed;
    private bool _interrupted;

    public LoadedPlugin(SupervisorHost host, string service, string plugin, string file, WasmtimeComponent component,
        ComponentLinker linker, IReadOnlyList<ImportVerdict> imports, int maxInstances, StoreLimits limits)
    {
        Limits = limits;
        Host = host;
        Service = service;
        Name = plugin;
        File = file;
        Component = component;
        Linker = linker;
        Imports = imports;
        _maxInstances = maxInstances;
    }

    public SupervisorHost Host { get; }

    public string Service { get; }

    public string Name { get; }

    public string File { get; }

    public WasmtimeComponent Component { get; }

    public ComponentLinker Linker { get; }

    public IReadOnlyList<ImportVerdict> Imports { get; }

    /// <summary>True when it imports another plugin's interface, so a call of it can start a chain of calls.</summary>
    public bool CallsPlugins => Imports.Any(i => i.Kind == ImportKind.Plugin);

    /// <summary>The counts each of its stores may hold.</summary>
    public StoreLimits Limits { get; }

    /// <summary>The type of an exported function, or null.</summary>
    public WitFunctionType? ExportType(string? interfaceName, string function)
    {
        var items = Component.Type.Exports;
        if (interfaceName is not null)
        {
            var iface = items.FirstOrDefault(e => e.Name == interfaceName && e.Kind == ComponentItemKind.Instance);
            if (iface is null) return null;
            items = iface.Exports;
        }
        return items.FirstOrDefault(e => e.Name == function && e.Kind == ComponentItemKind.Func)?.Function;
    }

    /// <summary>An instance for one call; waits while all allowed instances are busy.</summary>
    public PluginInstance Rent(DateTime deadline)
    {
        lock (_gate)
        {
            while (true)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_interrupted)
                    throw new PluginException(PluginErrorCode.Unavailable, "the supervisor was disposed while the call waited for an instance");
                if (_idle.TryPop(out var idle)) return idle;
                if (_count < _maxInstances)
                {
                    _count++;
                    break;
                }
                var wait = deadline - DateTime.UtcNow;
                if (wait <= TimeSpan.Zero || !Monitor.Wait(_gate, wait))
                    throw new PluginException(PluginErrorCode.Timeout,
                        $"all {_maxInstances} instances of plugin \"{Service}\" stayed busy until the call's time limit");
            }
        }
        try
        {
            var instance = new PluginInstance(this, Host.Options.MemoryLimitBytes);
            try
            {
                Host.RunWithDeadline(instance.Store, deadline, () => instance.Instantiate(Linker));
            }
            catch
            {
                instance.Dispose();
                throw;
            }
            return instance;
        }
        catch
        {
            lock (_gate)
            {
                _count--;
                Monitor.Pulse(_gate);
            }
            throw;
        }
    }

    /// <summary>Returns an instance after a call; a poisoned one is discarded so the next call gets a fresh one.</summary>
    public void Return(PluginInstance instance)
    {
        lock (_gate)
        {
            if (instance.IsPoisoned || _disposed)
            {
                _count--;
                instance.Dispose();
            }
            else
            {
                _idle.Push(instance);
            }
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Ends every wait for an instance (the supervisor is being disposed); later rents fail.</summary>
    public void Interrupt()
    {
        lock (_gate)
        {
            _interrupted = true;
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            while (_idle.TryPop(out var i)) i.Dispose();
            Monitor.PulseAll(_gate);
        }
        Linker.Dispose();
        Component.Dispose();
    }
}
