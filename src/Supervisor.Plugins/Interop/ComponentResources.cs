namespace Supervisor.Plugins.Interop;

/// <summary>
/// A host resource type: a process-unique 32-bit id that Wasmtime uses to tell host resource types apart.
/// </summary>
internal sealed class HostResourceType : IDisposable
{
    private static int s_nextId;
    private readonly ResourceTypeHandle _handle;

    public HostResourceType(string name)
    {
        Name = name;
        TypeId = (uint)Interlocked.Increment(ref s_nextId);
        _handle = new ResourceTypeHandle(Native.wasmtime_component_resource_type_new_host(TypeId));
    }

    public string Name { get; }

    public uint TypeId { get; }

    internal ResourceTypeHandle Handle => _handle;

    /// <summary>An owned handle to representation <paramref name="rep"/>, for writing into a result.</summary>
    public HostResource Own(uint rep) => new(TypeId, rep, Owned: true);

    public void Dispose() => _handle.Dispose();
}

/// <summary>A host-defined resource as the host sees it: its type id, its representation, owned or borrowed.</summary>
internal readonly record struct HostResource(uint TypeId, uint Rep, bool Owned = true);

/// <summary>
/// Resource values: host resources written into results and read back from arguments. A resource_any_t in a
/// value belongs to the value (Wasmtime drops it with the value); the resource_host_t made here is ours to free.
/// </summary>
internal static unsafe class ComponentResources
{
    /// <summary>Writes an owned handle to a host resource (e.g. a constructor's or an open function's result).</summary>
    public static void WriteHostResource(nint context, ref ComponentVal dst, HostResource resource)
    {
        // A raw temporary freed in the finally, as in TryReadHostResource: this runs once per resource a host
        // function returns, and a SafeHandle would add an allocation and a finalizer there (bench `handles`).
        var host = Native.wasmtime_component_resource_host_new(resource.Owned, resource.Rep, resource.TypeId);
        nint any;
        try { WasmtimeException.ThrowIfError(Native.wasmtime_component_resource_host_to_any(context, host, &any)); }
        finally { Native.wasmtime_component_resource_host_delete(host); }
        dst.Kind = ComponentValKind.Resource;
        dst.Pointer8 = any;
    }

    /// <summary>
    /// The host type id and representation behind a resource value (a <c>borrow&lt;T&gt;</c> or <c>own&lt;T&gt;</c>
    /// argument); null if it is not a host resource.
    /// </summary>
    public static HostResource? TryReadHostResource(nint context, in ComponentVal v)
    {
        ComponentValues.Expect(v, ComponentValKind.Resource);
        // A raw temporary freed in the finally: a SafeHandle would add an allocation per resource argument
        // (bench `handles`).
        nint host;
        var error = Native.wasmtime_component_resource_any_to_host(context, v.Pointer8, &host);
        if (error != 0)
        {
            Native.wasmtime_error_delete(error);
            return null;
        }
        try
        {
            return new HostResource(Native.wasmtime_component_resource_host_type(host), Native.wasmtime_component_resource_host_rep(host),
                Native.wasmtime_component_resource_host_owned(host));
        }
        finally { Native.wasmtime_component_resource_host_delete(host); }
    }

    /// <summary>The representation of a host resource argument of the expected type; throws otherwise.</summary>
    public static uint ReadHostResourceRep(nint context, in ComponentVal v, HostResourceType expected)
    {
        var r = TryReadHostResource(context, v) ?? throw new InvalidOperationException("not a host resource");
        if (r.TypeId != expected.TypeId) throw new InvalidOperationException($"resource of host type {r.TypeId}, expected {expected.Name} ({expected.TypeId})");
        return r.Rep;
    }
}

/// <summary>
/// A resource handle Wasmtime gave back (guest-defined, or not resolvable to a host resource): owns a clone
/// of the resource_any_t, so it can be passed back into a later call.
/// </summary>
internal sealed class ComponentResource(ResourceAnyHandle handle) : IDisposable
{
    internal ResourceAnyHandle Handle { get; } = handle;

    public void Dispose() => Handle.Dispose();
}
