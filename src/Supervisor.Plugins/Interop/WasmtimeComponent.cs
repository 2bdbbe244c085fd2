using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>A compiled component. Thread-safe to share; instantiate it into stores through a <see cref="ComponentLinker"/>.</summary>
internal sealed class WasmtimeComponent : IDisposable
{
    private readonly ComponentHandle _handle;
    private ComponentTypeInfo? _type;

    internal WasmtimeComponent(WasmtimeEngine engine, ComponentHandle handle)
    {
        Engine = engine;
        _handle = handle;
    }

    public WasmtimeEngine Engine { get; }

    internal ComponentHandle Handle => _handle;

    /// <summary>The compiled artifact, for a compile cache (load with <see cref="WasmtimeEngine.Deserialize"/>).</summary>
    public unsafe byte[] Serialize()
    {
        WasmByteVec bytes = default;
        WasmtimeException.ThrowIfError(Native.wasmtime_component_serialize(_handle, &bytes));
        try { return bytes.AsSpan().ToArray(); }
        finally { Native.wasm_byte_vec_delete(&bytes); }
    }

    /// <summary>Imports and exports with full function signatures (computed once).</summary>
    public ComponentTypeInfo Type => _type ??= ReadType();

    private ComponentTypeInfo ReadType()
    {
        using var type = new ComponentTypeHandle(Native.wasmtime_component_type(_handle));
        using var reader = new ComponentTypeReader(Engine.Handle);
        return reader.ReadComponent(type.Pointer);
    }

    /// <summary>
    /// The export index of <paramref name="name"/>, nested in <paramref name="parent"/> (an exported instance)
    /// when given; null when there is no such export. Indices are valid for every instance of this component.
    /// </summary>
    public unsafe ExportIndexHandle? GetExportIndex(string name, ExportIndexHandle? parent = null)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        nint index;
        fixed (byte* p = bytes)
            index = Native.wasmtime_component_get_export_index(_handle, parent ?? ExportIndexHandle.None, p, (nuint)bytes.Length);
        return index == 0 ? null : new ExportIndexHandle(index);
    }

    public void Dispose() => _handle.Dispose();
}
