using System.Runtime.InteropServices;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// A Wasmtime store: the unit of isolation for one plugin's instances. Not thread-safe (Wasmtime stores are
/// single-threaded): use it from one thread at a time. The native store's data pointer is a weak GCHandle
/// to this object, so host callbacks can find it (<see cref="FromContext"/>) without keeping it alive.
/// </summary>
internal sealed class ComponentStore : IDisposable
{
    /// <summary>Deadline used when none is wanted: epoch interruption traps at once with the default deadline 0.</summary>
    public const ulong NoDeadline = ulong.MaxValue / 2;

    private readonly StoreHandle _handle;
    private readonly nint _context;

    public ComponentStore(WasmtimeEngine engine, object? hostState = null)
    {
        Engine = engine;
        HostState = hostState;
        var gc = GCHandle.Alloc(this, GCHandleType.Weak);
        var store = Native.wasmtime_store_new(engine.Handle, GCHandle.ToIntPtr(gc), 0);
        if (store == 0)
        {
            gc.Free();
            throw new InvalidOperationException("wasmtime_store_new failed");
        }
        _handle = new StoreHandle(store, GCHandle.ToIntPtr(gc));
        _context = Native.wasmtime_store_context(store);
        if (engine.Options.EpochInterruption) SetEpochDeadline(NoDeadline);
    }

    public WasmtimeEngine Engine { get; }

    /// <summary>Whatever the host wants to reach from callbacks (the caller's identity, open buckets...).</summary>
    public object? HostState { get; set; }

    /// <summary>The wasmtime_context_t*; valid while the store lives.</summary>
    internal nint Context
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _context;
        }
    }

    /// <summary>The store whose context this is (from inside a host callback); null if it was collected.</summary>
    public static ComponentStore? FromContext(nint context)
    {
        var data = Native.wasmtime_context_get_data(context);
        return data == 0 ? null : GCHandle.FromIntPtr(data).Target as ComponentStore;
    }

    /// <summary>
    /// Limits (Wasmtime's StoreLimits): bytes of any one linear memory, elements of a table, and the number of
    /// instances, tables and memories. Negative keeps the default. A memory.grow past the limit returns -1.
    /// </summary>
    public void SetLimits(long memoryBytes = -1, long tableElements = -1, long instances = -1, long tables = -1, long memories = -1) =>
        Native.wasmtime_store_limiter(_handle, memoryBytes, tableElements, instances, tables, memories);

    /// <summary>At each epoch deadline, asks <see cref="EpochDeadlines"/> whether guest code goes on, instead of trapping at once.</summary>
    public void DecideAtEpochDeadlines() => EpochDeadlines.Install(_handle);

    /// <summary>Guest code traps with an interrupt once the engine's epoch has advanced this many ticks from now.</summary>
    public void SetEpochDeadline(ulong ticksFromNow) => Native.wasmtime_context_set_epoch_deadline(Context, ticksFromNow);

    /// <summary>
    /// Gives the store a WASI preview 2 context with nothing granted: no preopened directories, no network,
    /// no environment, no arguments, empty stdin and discarded stdout/stderr (wasi_config_new's defaults).
    /// Needed before instantiating through a linker with <see cref="ComponentLinker.AddWasiP2"/>: Wasmtime's
    /// WASI host functions assume the context exists.
    /// </summary>
    public void ConfigureWasiNothingGranted(OutputTail? stderr = null)
    {
        var config = Native.wasi_config_new();
        if (config == 0) throw new InvalidOperationException("wasi_config_new failed");
        if (stderr is not null)
        {
            var gc = GCHandle.Alloc(stderr);
            unsafe
            {
                Native.wasi_config_set_stderr_custom(config, &Trampolines.WriteOutput, GCHandle.ToIntPtr(gc), &Trampolines.FreeGCHandle);
            }
        }
        // set_wasi takes the config whatever happens.
        WasmtimeException.ThrowIfError(Native.wasmtime_context_set_wasi(Context, config));
        HasWasi = true;
    }

    /// <summary>True once the store has a WASI context.</summary>
    public bool HasWasi { get; private set; }

    public bool IsDisposed => _handle.IsClosed;

    /// <summary>
    /// Deletes the native store and everything in it. Wasmtime does not run host resource destructors here:
    /// callers that track live resources must release them themselves.
    /// </summary>
    public void Dispose() => _handle.Dispose();
}
