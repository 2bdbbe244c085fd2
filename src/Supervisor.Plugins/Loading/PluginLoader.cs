using System.Collections.Concurrent;
using Supervisor.Plugins.HostApi;
using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Loads a plugin: finds its file, compiles it, checks its imports (<see cref="ImportPolicy"/>) and links them to the
/// host interfaces, WASI (nothing granted) and other plugins. Also describes plugins without running them.
/// </summary>
internal sealed class PluginLoader(PluginDirectory directory, PluginCompiler compiler, WasmtimeEngine engine, HostInterfaces hostApi) : IDisposable
{
    /// <summary>Component types of plugins compiled so far: an import of another plugin is checked against its exports.</summary>
    private readonly ConcurrentDictionary<(string, string), ComponentTypeInfo> _types = new();

    /// <summary>Plugins compiled only to read their types, kept for their own load so nothing is compiled twice.</summary>
    private readonly ConcurrentDictionary<(string, string), CompiledPlugin> _unclaimed = new();

    public PluginDirectory Directory { get; } = directory;

    /// <summary>Loads <paramref name="service"/>:<paramref name="plugin"/>, its plugin imports linked through <paramref name="forwarder"/>.</summary>
    /// <exception cref="PluginException">Missing, invalid, refused or unlinkable.</exception>
    public LoadedPlugin Load(string service, string plugin, IPluginForwarder forwarder)
    {
        var file = Directory.Resolve(service, plugin);
        var compiled = _unclaimed.TryRemove((service, plugin), out var early) ? early : compiler.Compile(service, plugin, file);
        _types[(service, plugin)] = compiled.Component.Type;
        try
        {
            var verdicts = CheckImports(service, compiled.OriginalType);
            var refused = verdicts.Where(v => !v.Allowed).ToList();
            if (refused.Count > 0)
                throw new PluginException(PluginErrorCode.ImportRefused,
                    $"plugin \"{service}:{plugin}\" imports what it may not: {string.Join("; ", refused.Select(r => $"{r.Name} ({r.Refusal})"))}");
            // A composed component also imports its adapters' host interfaces: one adapter instance each in every store.
            IReadOnlyList<ImportVerdict> linked = [.. verdicts, .. compiled.AddedImports.Select(name => new ImportVerdict(name, ImportKind.Host, null))];
            var linker = Link(service, compiled.Component, linked, forwarder);
            return new LoadedPlugin(service, plugin, file, compiled, linker, verdicts, StoreLimits.For(compiled.AddedImports.Count));
        }
        catch (WasmtimeException e)
        {
            compiled.Dispose();
            throw new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{service}:{plugin}\" cannot be linked: {PluginCompiler.FirstLine(e.Message)}", e);
        }
        catch
        {
            compiled.Dispose();
            throw;
        }
    }

    /// <summary>The import check's verdict on each import of <paramref name="type"/>, as plugin <paramref name="service"/>'s.</summary>
    public IReadOnlyList<ImportVerdict> CheckImports(string service, ComponentTypeInfo type) =>
        type.Imports.Select(i => ImportPolicy.Judge(i, service, TypeOf)).ToList();

    /// <summary>The component type of <paramref name="service"/>:<paramref name="plugin"/>, compiling it once if need be; null when it is not in the directory.</summary>
    /// <exception cref="PluginException">It cannot be compiled.</exception>
    private ComponentTypeInfo? TypeOf(string service, string plugin)
    {
        if (_types.TryGetValue((service, plugin), out var known)) return known;
        string file;
        try
        {
            file = Directory.Resolve(service, plugin);
        }
        catch (PluginException)
        {
            return null;
        }
        var compiled = compiler.Compile(service, plugin, file);
        var type = compiled.Component.Type;
        if (!_unclaimed.TryAdd((service, plugin), compiled)) compiled.Dispose();
        return _types.GetOrAdd((service, plugin), type);
    }

    private ComponentLinker Link(string service, WasmtimeComponent component, IReadOnlyList<ImportVerdict> verdicts, IPluginForwarder forwarder)
    {
        var linker = new ComponentLinker(engine);
        try
        {
            linker.AddWasiP2();
            // WASI's timers are replaced (below): the only definitions a plugin's imports may shadow.
            linker.AllowShadowing(true);
            using var root = linker.Root();
            foreach (var verdict in verdicts)
            {
                if (verdict.Kind == ImportKind.Wasi)
                {
                    if (verdict.Name.StartsWith(WasiTimers.Interface, StringComparison.Ordinal))
                    {
                        using var clock = root.AddInstance(verdict.Name);
                        WasiTimers.Define(clock);
                    }
                    continue;
                }
                using var li = root.AddInstance(verdict.Name);
                var interfaceName = verdict.Name;
                li.Decorate = (function, body) => HostFunctions.RefuseWhileInstantiating(interfaceName, function, body);
                var import = component.Type.Imports.First(i => i.Name == verdict.Name);
                if (verdict.Kind == ImportKind.Host)
                {
                    hostApi.Define(verdict.Name, import, li);
                    continue;
                }
                foreach (var fn in import.Exports.Where(e => e.Kind == ComponentItemKind.Func))
                    forwarder.Define(li, service, verdict.Name, verdict.Export!, fn.Name, fn.Function!);
            }
            return linker;
        }
        catch
        {
            linker.Dispose();
            throw;
        }
    }

    /// <summary>Describes the plugin in <paramref name="file"/> (compiled, not run) as <paramref name="service"/>'s.</summary>
    public PluginDescription Describe(string service, string plugin, string file)
    {
        using var compiled = compiler.Compile(service, plugin, file);
        var type = compiled.OriginalType;
        var verdicts = CheckImports(service, type);
        var imports = type.Imports.Zip(verdicts, (item, v) => new ImportDescription(item.Name,
            v.Kind?.ToString().ToLowerInvariant(), v.Refusal,
            item.Exports.Where(e => e.Kind == ComponentItemKind.Func).Select(e => $"{e.Name}: {e.Function}").ToList())).ToList();
        return new PluginDescription(service, plugin, file, imports, Exports(compiled.Component.Type, service, plugin));
    }

    /// <summary>Every exported function of <paramref name="type"/>, with its interface and the address an app calls it by.</summary>
    public static List<ExportDescription> Exports(ComponentTypeInfo type, string service, string plugin)
    {
        var list = new List<ExportDescription>();
        foreach (var e in type.Exports)
        {
            if (e.Kind == ComponentItemKind.Func) list.Add(new ExportDescription(null, e.Name, e.Function!.ToString()));
            else if (e.Kind == ComponentItemKind.Instance)
            {
                var address = ExportAddressing.AddressOf(type, service, plugin, e.Name);
                list.AddRange(e.Exports.Where(f => f.Kind == ComponentItemKind.Func)
                    .Select(f => new ExportDescription(e.Name, f.Name, f.Function!.ToString()) { Address = $"{address}.{f.Name}" }));
            }
        }
        return list;
    }

    public void Dispose()
    {
        foreach (var key in _unclaimed.Keys)
            if (_unclaimed.TryRemove(key, out var compiled)) compiled.Dispose();
    }
}
