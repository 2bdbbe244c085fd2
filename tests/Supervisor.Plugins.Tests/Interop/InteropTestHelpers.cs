using System.Runtime.InteropServices;
using System.Text;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests;

/// <summary>
/// Conveniences only the tests use, kept out of the production binding: WAT compilation, file deserialization,
/// fuel, host functions over .NET values, and a few value shortcuts.
/// </summary>
internal static unsafe partial class InteropTestHelpers
{
    /// <summary>Compiles a component from WAT text (Wasmtime's wat2wasm accepts the component text format).</summary>
    public static WasmtimeComponent CompileWat(this WasmtimeEngine engine, string wat) => engine.Compile(Wat.ToBinary(wat));

    /// <summary>Like <see cref="WasmtimeEngine.Deserialize"/> but memory-maps the file.</summary>
    public static WasmtimeComponent DeserializeFile(this WasmtimeEngine engine, string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        nint component;
        nint error;
        fixed (byte* p = bytes) error = wasmtime_component_deserialize_file(engine.Handle, p, &component);
        WasmtimeException.ThrowIfError(error);
        return new WasmtimeComponent(engine, new ComponentHandle(component));
    }

    /// <summary>Sets the fuel left (needs <see cref="EngineOptions.ConsumeFuel"/>).</summary>
    public static void SetFuel(this ComponentStore store, ulong fuel) => WasmtimeException.ThrowIfError(wasmtime_context_set_fuel(store.Context, fuel));

    public static ulong GetFuel(this ComponentStore store)
    {
        ulong fuel;
        WasmtimeException.ThrowIfError(wasmtime_context_get_fuel(store.Context, &fuel));
        return fuel;
    }

    /// <summary>Defines <paramref name="function"/> as <c>instance/name</c> (instance may be null for the root).</summary>
    public static void DefineFunction(this ComponentLinker linker, string? instance, string name, HostFunction function)
    {
        using var root = linker.Root();
        if (instance is null) { root.AddFunction(name, function); return; }
        using var inst = root.AddInstance(instance);
        inst.AddFunction(name, function);
    }

    /// <summary>
    /// Defines a host function over .NET values: arguments converted by the function's type (read from Wasmtime
    /// on the first call), the returned object converted back as the result (ignored when there is none).
    /// </summary>
    public static void AddDynamicFunction(this LinkerInstance instance, string name, Func<ComponentStore, object?[], object?> implementation)
    {
        ArgumentNullException.ThrowIfNull(implementation);
        WitFunctionType? type = null;
        instance.AddFunction(name, (in HostCall call) =>
        {
            if (type is null)
            {
                using var reader = new ComponentTypeReader(call.Store.Engine.Handle);
                type = reader.ReadFunction(call.FuncType);
            }
            var args = new object?[call.Args.Length];
            for (var i = 0; i < args.Length; i++) args[i] = ManagedValues.ToManaged(call.Args[i], type.Parameters[i].Type, call.Context);
            var result = implementation(call.Store, args);
            if (type.Result is not null && call.Results.Length > 0)
                ManagedValues.FromManaged(ref call.Results[0], type.Result, result, call.Context);
        });
    }

    /// <summary>Reads an <c>option&lt;list&lt;u8&gt;&gt;</c>: null for none.</summary>
    public static byte[]? ReadOptionBytes(in ComponentVal v)
    {
        if (v.Kind != ComponentValKind.Option) throw new InvalidCastException($"value is {v.Kind}, expected Option");
        return v.Pointer8 == 0 ? null : ComponentValues.ReadBytes(*(ComponentVal*)v.Pointer8);
    }

    public static void WriteU32(ref ComponentVal dst, uint value) => dst = new ComponentVal { Kind = ComponentValKind.U32, U32 = value };

    [LibraryImport(Native.Lib)] private static partial nint wasmtime_component_deserialize_file(EngineHandle engine, byte* nulTerminatedPath, nint* componentOut);
    [LibraryImport(Native.Lib)] private static partial nint wasmtime_context_set_fuel(nint context, ulong fuel);
    [LibraryImport(Native.Lib)] private static partial nint wasmtime_context_get_fuel(nint context, ulong* fuel);
}
