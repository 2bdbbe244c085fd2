using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// An instantiated component inside a store. Not owned separately: it lives as long as its store. After a trap
/// or a host error the instance is poisoned (Wasmtime refuses to enter it again): discard the store.
/// </summary>
internal sealed unsafe class ComponentInstance
{
    private readonly ComponentInstanceRaw _raw;

    internal ComponentInstance(ComponentStore store, WasmtimeComponent component, ComponentInstanceRaw raw)
    {
        Store = store;
        Component = component;
        _raw = raw;
    }

    public ComponentStore Store { get; }

    public WasmtimeComponent Component { get; }

    /// <summary>Set once a call into this instance failed with a trap; later calls would fail anyway.</summary>
    public bool IsPoisoned { get; internal set; }

    /// <summary>A top-level exported function, or null.</summary>
    public ComponentFunction? GetFunction(string name) => GetFunction(null, name);

    /// <summary>
    /// A function exported by the exported instance <paramref name="instanceName"/> (e.g.
    /// <c>clientdata:plugin/keyvalue</c>), or a top-level one when it is null; null when absent or not a function.
    /// </summary>
    public ComponentFunction? GetFunction(string? instanceName, string name)
    {
        ExportIndexHandle? parent = null;
        try
        {
            if (instanceName is not null)
            {
                parent = GetExportIndex(instanceName, null);
                if (parent is null) return null;
            }
            using var index = GetExportIndex(name, parent);
            if (index is null) return null;
            ComponentFuncRaw func;
            var raw = _raw;
            if (!Native.wasmtime_component_instance_get_func(&raw, Store.Context, index, &func)) return null;
            return new ComponentFunction(this, func, instanceName is null ? name : $"{instanceName}#{name}");
        }
        finally
        {
            parent?.Dispose();
        }
    }

    private ExportIndexHandle? GetExportIndex(string name, ExportIndexHandle? parent)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        var raw = _raw;
        nint index;
        fixed (byte* p = bytes)
            index = Native.wasmtime_component_instance_get_export_index(&raw, Store.Context, parent ?? ExportIndexHandle.None, p, (nuint)bytes.Length);
        return index == 0 ? null : new ExportIndexHandle(index);
    }
}

/// <summary>An exported component function, callable with raw values or with .NET values converted by its type.</summary>
internal sealed unsafe class ComponentFunction
{
    private readonly ComponentFuncRaw _raw;
    private WitFunctionType? _type;
    private int _paramCount = -1;
    private int _resultCount = -1;

    internal ComponentFunction(ComponentInstance instance, ComponentFuncRaw raw, string name)
    {
        Instance = instance;
        _raw = raw;
        Name = name;
    }

    public ComponentInstance Instance { get; }

    public string Name { get; }

    /// <summary>The function's signature (read once from Wasmtime).</summary>
    public WitFunctionType Type
    {
        get
        {
            if (_type is null)
            {
                var raw = _raw;
                using var ft = new FuncTypeHandle(Native.wasmtime_component_func_type(&raw, Instance.Store.Context));
                using var reader = new ComponentTypeReader(Instance.Store.Engine.Handle);
                _type = reader.ReadFunction(ft.Pointer);
                _paramCount = _type.Parameters.Count;
                _resultCount = _type.Result is null ? 0 : 1;
            }
            return _type;
        }
    }

    public int ParameterCount { get { _ = Type; return _paramCount; } }

    public int ResultCount { get { _ = Type; return _resultCount; } }

    /// <summary>
    /// Calls with raw values. <paramref name="args"/> stay the caller's (free them if Wasmtime allocated them);
    /// on success <paramref name="results"/> hold new values the caller must free with
    /// <see cref="ComponentValues.Delete"/>. Throws <see cref="WasmtimeException"/> on a trap or error.
    /// </summary>
    public void Call(ReadOnlySpan<ComponentVal> args, Span<ComponentVal> results)
    {
        if (args.Length != ParameterCount) throw new ArgumentException($"{Name} takes {ParameterCount} arguments, got {args.Length}");
        if (results.Length != ResultCount) throw new ArgumentException($"{Name} has {ResultCount} results, got room for {results.Length}");
        if (Instance.IsPoisoned) throw new WasmtimeException($"{Name}: the instance trapped earlier and cannot be entered again", WasmtimeErrorKind.CannotEnter);
        var raw = _raw;
        nint error;
        fixed (ComponentVal* a = args)
        fixed (ComponentVal* r = results)
            error = Native.wasmtime_component_func_call(&raw, Instance.Store.Context, a, (nuint)args.Length, r, (nuint)results.Length);
        if (error != 0)
        {
            var e = WasmtimeException.FromOwnedError(error, duringCall: true);
            if (e.IsTrap) Instance.IsPoisoned = true;
            throw e;
        }
    }

    /// <summary>Calls with .NET values converted by the function's type; returns the converted result (null when none).</summary>
    public object? Invoke(params object?[] args) => Invoke(args, null);

    /// <summary>
    /// As <see cref="Invoke(object?[])"/>; <paramref name="argumentError"/> turns a conversion failure of argument
    /// <c>i</c> into the exception to throw (before the guest runs).
    /// </summary>
    public object? Invoke(IReadOnlyList<object?> args, Func<int, Exception, Exception>? argumentError)
    {
        var type = Type;
        if (args.Count != type.Parameters.Count) throw new ArgumentException($"{Name} takes {type.Parameters.Count} arguments, got {args.Count}");
        var context = Instance.Store.Context;
        var nativeArgs = args.Count <= 8 ? stackalloc ComponentVal[args.Count] : new ComponentVal[args.Count];
        nativeArgs.Clear();
        Span<ComponentVal> results = stackalloc ComponentVal[1];
        results = results[..ResultCount];
        results.Clear();
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                try
                {
                    ManagedValues.FromManaged(ref nativeArgs[i], type.Parameters[i].Type, args[i], context);
                }
                catch (Exception e) when (argumentError is not null && e is ArgumentException or InvalidCastException or FormatException or OverflowException or InvalidOperationException)
                {
                    throw argumentError(i, e);
                }
            }
            Call(nativeArgs, results);
            try
            {
                return type.Result is null ? null : ManagedValues.ToManaged(results[0], type.Result, context);
            }
            finally
            {
                for (var i = 0; i < results.Length; i++) ComponentValues.Delete(ref results[i]);
            }
        }
        finally
        {
            // Arguments were built with Wasmtime's allocators; Wasmtime copied them, so they are ours to free.
            for (var i = 0; i < nativeArgs.Length; i++) ComponentValues.Delete(ref nativeArgs[i]);
        }
    }
}
