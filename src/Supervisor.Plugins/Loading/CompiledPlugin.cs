using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Loading;

/// <summary>A warning given while a plugin was compiled (the byte adapter could not be used), kept with its cache entry so a cache hit repeats it.</summary>
internal readonly record struct CompileNotice(string Message, string? Reason);

/// <summary>
/// A compiled plugin: the component Wasmtime runs (composed with the byte adapters when they apply), the plugin's own
/// type (what the import check and descriptions judge), and the adapters' host interfaces it imports besides.
/// </summary>
internal sealed record CompiledPlugin(WasmtimeComponent Component, ComponentTypeInfo OriginalType, IReadOnlyList<string> AddedImports, bool Adapted, CompileNotice? Notice)
    : IDisposable
{
    /// <summary>A compiled component and what the composition added (null when it was not composed).</summary>
    public static CompiledPlugin Of(WasmtimeComponent component, IReadOnlyList<string>? added, CompileNotice? notice) =>
        added is null
            ? new(component, component.Type, [], false, notice)
            : new(component, new ComponentTypeInfo(component.Type.Imports.Where(i => !added.Contains(i.Name)).ToList(), component.Type.Exports), added, true, notice);

    public void Dispose() => Component.Dispose();
}
