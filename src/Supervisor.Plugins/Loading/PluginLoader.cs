using Supervisor.Plugins.HostApi;
using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Loads a plugin: finds its file, compiles it, checks its imports (<see cref="ImportPolicy"/>) and links them to the
/// host interfaces, WASI (nothing granted) and other plugins. Also describes plugins without running them.
/// </summary>
internal sealed class PluginLoader(PluginDirectory directory, PluginCompiler compiler, WasmtimeEngine engine, HostInterfaces hostApi)
{
    public PluginDirectory Directory { get; } = directory;

    /// <summary>Loads <paramref name="service"/>:<paramref name="plugin"/>, its plugin imports linked through <paramref name="forwarder"/>.</summary>
    /// <exception cref="PluginException">Missing, invalid, refused or unlinkable.</exception>
    public LoadedPlugin Load(string service, string plugin, IPluginForwarder forwarder)
    {
        var file = Directory.Resolve(service, plugin);
        var compiled = compiler.Compile(service, plugin, file);
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
        type.Imports.Select(i => ImportPolicy.Judge(i, service, PluginExists)).ToList();

    private bool PluginExists(string service, string plugin)
    {
        try
        {
            Directory.Resolve(service, plugin);
            return true;
        }
        catch (PluginException)
        {
            return false;
        }
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
                    forwarder.Define(li, service, verdict.Name, fn.Name, fn.Function!);
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
        return new PluginDescription(service, plugin, file, imports, Exports(compiled.Component.Type));
    }

    /// <summary>Every exported function of <paramref name="type"/>, with its interface.</summary>
    public static List<ExportDescription> Exports(ComponentTypeInfo type)
    {
        var list = new List<ExportDescription>();
        foreach (var e in type.Exports)
        {
            if (e.Kind == ComponentItemKind.Func) list.Add(new ExportDescription(null, e.Name, e.Function!.ToString()));
            else if (e.Kind == ComponentItemKind.Instance)
                list.AddRange(e.Exports.Where(f => f.Kind == ComponentItemKind.Func).Select(f => new ExportDescription(e.Name, f.Name, f.Function!.ToString())));
        }
        return list;
    }
}
