using System.Runtime.InteropServices;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// Base for every owned native Wasmtime object. SafeHandle gives idempotent, thread-safe release and
/// keeps the pointer alive across P/Invoke calls that take the handle.
/// </summary>
internal abstract class WasmtimeHandle : SafeHandle
{
    protected WasmtimeHandle(nint pointer) : base(0, ownsHandle: true) => SetHandle(pointer);

    public override bool IsInvalid => handle == 0;

    /// <summary>The raw pointer; throws <see cref="ObjectDisposedException"/> once released.</summary>
    public nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed || IsInvalid, this);
            return handle;
        }
    }
}

internal sealed class EngineHandle(nint p) : WasmtimeHandle(p)
{
    protected override bool ReleaseHandle() { Native.wasm_engine_delete(handle); return true; }
}

internal sealed class ComponentHandle(nint p) : WasmtimeHandle(p)
{
    protected override bool ReleaseHandle() { Native.wasmtime_component_delete(handle); return true; }
}

internal sealed class ComponentTypeHandle(nint p) : WasmtimeHandle(p)
{
    protected override bool ReleaseHandle() { Native.wasmtime_component_type_delete(handle); return true; }
}

internal sealed class ExternHandle(nint p) : WasmtimeHandle(p)
{
    protected override bool ReleaseHandle() { Native.wasmtime_component_extern_delete(handle); return true; }
}

internal sealed class FuncTypeHandle(nint p) : WasmtimeHandle(p)
{
    protected override bool ReleaseHandle() { Native.wasmtime_component_func_type_delete(handle); return true; }
}

internal sealed class ExportIndexHandle(nint p) : WasmtimeHandle(p)
{
    /// <summary>No parent index (a top-level export): a null pointer, never released.</summary>
    public static ExportIndexHandle None { get; } = new(0);

    protected override bool ReleaseHandle() { Native.wasmtime_component_export_index_delete(handle); return true; }
}

internal sealed class LinkerHandle(nint p) : WasmtimeHandle(p)
{
    protected override bool ReleaseHandle() { Native.wasmtime_component_linker_delete(handle); return true; }
}

internal sealed class LinkerInstanceHandle(nint p) : WasmtimeHandle(p)
{
    protected override bool ReleaseHandle() { Native.wasmtime_component_linker_instance_delete(handle); return true; }
}

internal sealed class ResourceTypeHandle(nint p) : WasmtimeHandle(p)
{
    protected override bool ReleaseHandle() { Native.wasmtime_component_resource_type_delete(handle); return true; }
}

internal sealed class ResourceAnyHandle(nint p) : WasmtimeHandle(p)
{
    protected override bool ReleaseHandle() { Native.wasmtime_component_resource_any_delete(handle); return true; }
}

/// <summary>
/// The store owns a GCHandle (its host-state pointer) besides the native store, released together.
/// </summary>
internal sealed class StoreHandle : WasmtimeHandle
{
    private readonly nint _gcHandle;

    public StoreHandle(nint store, nint gcHandle) : base(store) => _gcHandle = gcHandle;

    protected override bool ReleaseHandle()
    {
        Native.wasmtime_store_delete(handle);
        if (_gcHandle != 0) GCHandle.FromIntPtr(_gcHandle).Free();
        return true;
    }
}

/// <summary>A valtype (16-byte struct) whose pointer part Wasmtime allocated; freed with valtype_delete.</summary>
internal unsafe struct OwnedValType : IDisposable
{
    public ComponentValType Value;

    public void Dispose()
    {
        if (Value.Ptr == 0) return;
        fixed (ComponentValType* p = &Value) Native.wasmtime_component_valtype_delete(p);
        Value = default;
    }
}
