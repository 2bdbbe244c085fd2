using System.Runtime.InteropServices;
using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>A component linker: host functions, host resources and WASI, then instantiation into stores.</summary>
internal sealed class ComponentLinker : IDisposable
{
    private readonly LinkerHandle _handle;
    private LinkerInstance? _openRoot;

    public ComponentLinker(WasmtimeEngine engine)
    {
        Engine = engine;
        var linker = Native.wasmtime_component_linker_new(engine.Handle);
        if (linker == 0) throw new InvalidOperationException("wasmtime_component_linker_new failed");
        _handle = new LinkerHandle(linker);
    }

    public WasmtimeEngine Engine { get; }

    private LinkerHandle Handle
    {
        get
        {
            // Wasmtime requires the root (and its children) to be deleted before the linker is used again.
            if (_openRoot is { IsDisposed: false }) throw new InvalidOperationException("dispose the linker's root instance before using the linker");
            return _handle;
        }
    }

    public void AllowShadowing(bool allow) => Native.wasmtime_component_linker_allow_shadowing(Handle, allow);

    /// <summary>
    /// Adds WASI preview 2 (sync). Each store instantiated through this linker needs
    /// <see cref="ComponentStore.ConfigureWasiNothingGranted"/> (or another WASI context) first.
    /// </summary>
    public void AddWasiP2()
    {
        WasmtimeException.ThrowIfError(Native.wasmtime_component_linker_add_wasip2(Handle));
        HasWasi = true;
    }

    /// <summary>True once WASI was added: stores must then have a WASI context (Wasmtime's WASI functions
    /// unwrap it, and a Rust panic there would abort the process).</summary>
    public bool HasWasi { get; private set; }

    /// <summary>
    /// The root namespace, to define instances, functions and resources in. The linker is locked until the
    /// returned object (and every instance made from it) is disposed.
    /// </summary>
    public LinkerInstance Root()
    {
        var root = new LinkerInstance(new LinkerInstanceHandle(Native.wasmtime_component_linker_root(Handle)), parent: null);
        _openRoot = root;
        return root;
    }

    public unsafe ComponentInstance Instantiate(ComponentStore store, WasmtimeComponent component)
    {
        if (HasWasi && !store.HasWasi)
            throw new InvalidOperationException("this linker provides WASI: configure the store's WASI context first (ConfigureWasiNothingGranted)");
        ComponentInstanceRaw raw;
        WasmtimeException.ThrowIfError(Native.wasmtime_component_linker_instantiate(Handle, store.Context, component.Handle, &raw));
        return new ComponentInstance(store, component, raw);
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>
/// A namespace inside a linker (the root, or an instance such as <c>wasi:keyvalue/store@0.2.0-draft</c>).
/// Only the most recently opened instance may be used: Wasmtime locks the parent while a child is open.
/// </summary>
internal sealed unsafe class LinkerInstance : IDisposable
{
    private readonly LinkerInstanceHandle _handle;
    private readonly LinkerInstance? _parent;
    private LinkerInstance? _openChild;

    internal LinkerInstance(LinkerInstanceHandle handle, LinkerInstance? parent)
    {
        _handle = handle;
        _parent = parent;
    }

    public bool IsDisposed => _handle.IsClosed;

    /// <summary>
    /// Applied to every function defined on this instance from now on, with its name: checks that every
    /// function of an interface shares are added in one place, not in each definition.
    /// </summary>
    public Func<string, HostFunction, HostFunction>? Decorate { get; set; }

    private LinkerInstanceHandle Handle
    {
        get
        {
            if (_openChild is { IsDisposed: false }) throw new InvalidOperationException("dispose the nested linker instance before using its parent");
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    public LinkerInstance AddInstance(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        nint child;
        fixed (byte* p = bytes)
            WasmtimeException.ThrowIfError(Native.wasmtime_component_linker_instance_add_instance(Handle, p, (nuint)bytes.Length, &child));
        var result = new LinkerInstance(new LinkerInstanceHandle(child), this);
        _openChild = result;
        return result;
    }

    /// <summary>
    /// Defines a host function. The delegate is kept alive by a GCHandle that Wasmtime frees (through the
    /// finalizer callback) when the last linker or instance using the definition is gone.
    /// </summary>
    public void AddFunction(string name, HostFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (Decorate is { } decorate) function = decorate(name, function);
        var bytes = Encoding.UTF8.GetBytes(name);
        var self = Handle; // may throw: before the GCHandle exists, so nothing leaks
        var gc = GCHandle.Alloc(function);
        nint error;
        fixed (byte* p = bytes)
            error = Native.wasmtime_component_linker_instance_add_func(self, p, (nuint)bytes.Length,
                &Trampolines.InvokeHostFunction, GCHandle.ToIntPtr(gc), &Trampolines.FreeGCHandle);
        // On failure Wasmtime has already run the finalizer (it owned the data from the call on).
        WasmtimeException.ThrowIfError(error);
    }

    /// <summary>
    /// Defines a host resource type under <paramref name="name"/>. <paramref name="destructor"/> runs once per
    /// dropped owned handle (not when the store is deleted: track live handles per store).
    /// </summary>
    public void AddResource(string name, HostResourceType type, HostResourceDestructor destructor)
    {
        ArgumentNullException.ThrowIfNull(destructor);
        var bytes = Encoding.UTF8.GetBytes(name);
        var self = Handle;
        var resourceType = type.Handle;
        ObjectDisposedException.ThrowIf(resourceType.IsClosed, type);
        var gc = GCHandle.Alloc(destructor);
        nint error;
        fixed (byte* p = bytes)
            error = Native.wasmtime_component_linker_instance_add_resource(self, p, (nuint)bytes.Length, resourceType,
                &Trampolines.InvokeResourceDestructor, GCHandle.ToIntPtr(gc), &Trampolines.FreeGCHandle);
        WasmtimeException.ThrowIfError(error);
    }

    public void Dispose()
    {
        _openChild?.Dispose();
        _handle.Dispose();
    }
}
