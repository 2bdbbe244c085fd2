namespace Supervisor.Plugins.Interop;

/// <summary>
/// What a host function sees: its arguments and result slots as spans over Wasmtime's own val_t arrays
/// (no copies), and the store it is called in. Arguments belong to Wasmtime: never free them. Result slots
/// arrive holding bool false; write each once with <see cref="ComponentValues"/>' writers.
/// </summary>
internal readonly unsafe ref struct HostCall
{
    internal HostCall(nint context, nint funcType, ComponentVal* args, nuint argCount, ComponentVal* results, nuint resultCount)
    {
        Context = context;
        FuncType = funcType;
        Args = new ReadOnlySpan<ComponentVal>(args, checked((int)argCount));
        Results = new Span<ComponentVal>(results, checked((int)resultCount));
    }

    /// <summary>The calling store's wasmtime_context_t* (needed for resources).</summary>
    public nint Context { get; }

    /// <summary>The borrowed wasmtime_component_func_type_t* of the function being called.</summary>
    public nint FuncType { get; }

    public ReadOnlySpan<ComponentVal> Args { get; }

    public Span<ComponentVal> Results { get; }

    /// <summary>The managed store this call runs in.</summary>
    public ComponentStore Store => ComponentStore.FromContext(Context) ?? throw new InvalidOperationException("the store is gone");
}

/// <summary>
/// A host function. Throwing is allowed and safe: the trampoline catches every exception and turns it into a
/// Wasmtime error carrying the message, which traps the guest (and poisons its instance).
/// </summary>
internal delegate void HostFunction(in HostCall call);

/// <summary>Called when the guest drops the last owned handle of a host resource.</summary>
internal delegate void HostResourceDestructor(ComponentStore? store, uint rep);
