using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Loading;

/// <summary>A compiled, import-checked and linked plugin: everything its instances are made from.</summary>
internal sealed class LoadedPlugin(string service, string plugin, string file, CompiledPlugin compiled, ComponentLinker linker,
    IReadOnlyList<ImportVerdict> imports, StoreLimits limits) : IDisposable
{
    /// <summary>The plugin's identity: its service name.</summary>
    public string Service { get; } = service;

    public string Name { get; } = plugin;

    public string File { get; } = file;

    public CompiledPlugin Compiled { get; } = compiled;

    public WasmtimeComponent Component => Compiled.Component;

    public ComponentLinker Linker { get; } = linker;

    /// <summary>The import check's verdicts on the plugin's own imports.</summary>
    public IReadOnlyList<ImportVerdict> Imports { get; } = imports;

    /// <summary>True when it imports another plugin's interface, so a call of it can start a chain of calls.</summary>
    public bool CallsPlugins { get; } = imports.Any(i => i.Kind == ImportKind.Plugin);

    /// <summary>The counts each of its stores may hold.</summary>
    public StoreLimits Limits { get; } = limits;

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

    public void Dispose()
    {
        Linker.Dispose();
        Compiled.Dispose();
    }
}
