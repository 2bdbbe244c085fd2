using System.Runtime.InteropServices;

namespace Supervisor.Plugins.Interop;

// Bindings for the parts of the Wasmtime 50 C API that this layer uses.
//
// Why bind the whole component path natively instead of reusing Wasmtime.Dotnet's Engine/Store/Linker:
// the managed package keeps its native handles internal (Engine.NativeHandle, Store context), so mixing
// would need reflection; and its component API has no resources, type introspection or span-based host
// functions. One native path keeps ownership rules in one place.
//
// Signatures follow the v50 headers (crates/c-api/include/wasmtime/component/*.h). The v50 trap: the
// *_import_nth/_export_nth/_get functions of component and instance types return an OWNED
// wasmtime_component_extern_t*, freed with wasmtime_component_extern_delete.
//
// An argument Wasmtime borrows for the call is the SafeHandle that owns it, so the marshaller keeps the object
// alive (AddRef/Release) until the call returns, even if another thread disposes it meanwhile. nint remains for
// what no SafeHandle owns: store contexts (owned by their store), pointers borrowed from Wasmtime (callback
// arguments, types inside items, values' parts), new objects returned, and the *_delete functions the handles call.
internal static unsafe partial class Native
{
    // Same name as Wasmtime.Dotnet's own DllImport, so the runtimes/<rid>/native/libwasmtime.so the
    // package ships (listed in deps.json) is the file that resolves.
    internal const string Lib = "wasmtime";

    // ---------------------------------------------------------------- byte vectors / errors
    [LibraryImport(Lib)] internal static partial void wasm_byte_vec_new_uninitialized(WasmByteVec* output, nuint size);
    [LibraryImport(Lib)] internal static partial void wasm_byte_vec_new(WasmByteVec* output, nuint size, byte* data);
    [LibraryImport(Lib)] internal static partial void wasm_byte_vec_delete(WasmByteVec* vec);

    [LibraryImport(Lib)] internal static partial nint wasmtime_error_new(byte* nulTerminatedMessage);
    [LibraryImport(Lib)] internal static partial void wasmtime_error_delete(nint error);
    [LibraryImport(Lib)] internal static partial void wasmtime_error_message(nint error, WasmByteVec* message);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_error_exit_status(nint error, int* status);

    [LibraryImport(Lib)] internal static partial nint wasmtime_wat2wasm(byte* wat, nuint watLength, WasmByteVec* result);

    // ---------------------------------------------------------------- config / engine
    [LibraryImport(Lib)] internal static partial nint wasm_config_new();
    [LibraryImport(Lib)] internal static partial void wasmtime_config_strategy_set(nint config, byte strategy);
    [LibraryImport(Lib)] internal static partial void wasmtime_config_cranelift_opt_level_set(nint config, byte level);
    [LibraryImport(Lib)] internal static partial void wasmtime_config_epoch_interruption_set(nint config, [MarshalAs(UnmanagedType.U1)] bool enable);
    [LibraryImport(Lib)] internal static partial void wasmtime_config_consume_fuel_set(nint config, [MarshalAs(UnmanagedType.U1)] bool enable);
    [LibraryImport(Lib)] internal static partial void wasmtime_config_wasm_component_model_set(nint config, [MarshalAs(UnmanagedType.U1)] bool enable);
    [LibraryImport(Lib)] internal static partial void wasmtime_config_parallel_compilation_set(nint config, [MarshalAs(UnmanagedType.U1)] bool enable);
    [LibraryImport(Lib)] internal static partial void wasmtime_config_max_wasm_stack_set(nint config, nuint bytes);
    /// <summary>Takes ownership of <paramref name="config"/>.</summary>
    [LibraryImport(Lib)] internal static partial nint wasm_engine_new_with_config(nint config);
    [LibraryImport(Lib)] internal static partial void wasm_engine_delete(nint engine);
    [LibraryImport(Lib)] internal static partial void wasmtime_engine_increment_epoch(EngineHandle engine);

    // ---------------------------------------------------------------- store
    [LibraryImport(Lib)] internal static partial nint wasmtime_store_new(EngineHandle engine, nint data, nint finalizer);
    [LibraryImport(Lib)] internal static partial nint wasmtime_store_context(nint store);
    [LibraryImport(Lib)] internal static partial void wasmtime_store_delete(nint store);
    [LibraryImport(Lib)] internal static partial void wasmtime_store_limiter(StoreHandle store, long memorySize, long tableElements, long instances, long tables, long memories);
    [LibraryImport(Lib)] internal static partial nint wasmtime_context_get_data(nint context);
    [LibraryImport(Lib)] internal static partial void wasmtime_context_set_epoch_deadline(nint context, ulong ticksBeyondCurrent);
    /// <summary>Takes ownership of <paramref name="wasiConfig"/>.</summary>
    [LibraryImport(Lib)] internal static partial nint wasmtime_context_set_wasi(nint context, nint wasiConfig);
    [LibraryImport(Lib)] internal static partial nint wasi_config_new();
    [LibraryImport(Lib)] internal static partial void wasi_config_set_stderr_custom(nint config,
        delegate* unmanaged<nint, byte*, nuint, nint> callback, nint data, delegate* unmanaged<nint, void> finalizer);

    // ---------------------------------------------------------------- component
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_new(EngineHandle engine, byte* bytes, nuint length, nint* componentOut);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_serialize(ComponentHandle component, WasmByteVec* result);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_deserialize(EngineHandle engine, byte* bytes, nuint length, nint* componentOut);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_delete(nint component);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_type(ComponentHandle component);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_get_export_index(ComponentHandle component, ExportIndexHandle instanceExportIndex, byte* name, nuint nameLength);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_export_index_delete(nint exportIndex);

    // ---------------------------------------------------------------- component types
    [LibraryImport(Lib)] internal static partial void wasmtime_component_type_delete(nint type);
    [LibraryImport(Lib)] internal static partial nuint wasmtime_component_type_import_count(nint type, EngineHandle engine);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_type_import_nth(nint type, EngineHandle engine, nuint nth, byte** name, nuint* nameLength, nint* externOut);
    [LibraryImport(Lib)] internal static partial nuint wasmtime_component_type_export_count(nint type, EngineHandle engine);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_type_export_nth(nint type, EngineHandle engine, nuint nth, byte** name, nuint* nameLength, nint* externOut);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_extern_type(ExternHandle ext, ComponentItem* itemOut);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_extern_delete(nint ext);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_item_delete(ComponentItem* item);

    [LibraryImport(Lib)] internal static partial nuint wasmtime_component_instance_type_export_count(nint type, EngineHandle engine);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_instance_type_export_nth(nint type, EngineHandle engine, nuint nth, byte** name, nuint* nameLength, nint* externOut);

    [LibraryImport(Lib)] internal static partial void wasmtime_component_func_type_delete(nint type);
    [LibraryImport(Lib)] internal static partial nuint wasmtime_component_func_type_param_count(nint type);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_func_type_param_nth(nint type, nuint nth, byte** name, nuint* nameLength, ComponentValType* typeOut);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_func_type_result(nint type, ComponentValType* typeOut);

    [LibraryImport(Lib)] internal static partial void wasmtime_component_valtype_delete(ComponentValType* type);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_list_type_element(nint type, ComponentValType* typeOut);
    [LibraryImport(Lib)] internal static partial nuint wasmtime_component_record_type_field_count(nint type);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_record_type_field_nth(nint type, nuint nth, byte** name, nuint* nameLength, ComponentValType* typeOut);
    [LibraryImport(Lib)] internal static partial nuint wasmtime_component_tuple_type_types_count(nint type);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_tuple_type_types_nth(nint type, nuint nth, ComponentValType* typeOut);
    [LibraryImport(Lib)] internal static partial nuint wasmtime_component_variant_type_case_count(nint type);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_variant_type_case_nth(nint type, nuint nth, byte** name, nuint* nameLength, byte* hasPayload, ComponentValType* payloadOut);
    [LibraryImport(Lib)] internal static partial nuint wasmtime_component_enum_type_names_count(nint type);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_enum_type_names_nth(nint type, nuint nth, byte** name, nuint* nameLength);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_option_type_ty(nint type, ComponentValType* typeOut);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_result_type_ok(nint type, ComponentValType* typeOut);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_result_type_err(nint type, ComponentValType* typeOut);
    [LibraryImport(Lib)] internal static partial nuint wasmtime_component_flags_type_names_count(nint type);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_flags_type_names_nth(nint type, nuint nth, byte** name, nuint* nameLength);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_map_type_key(nint type, ComponentValType* typeOut);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_map_type_value(nint type, ComponentValType* typeOut);

    [LibraryImport(Lib)] internal static partial nint wasmtime_component_resource_type_new_host(uint hostTypeId);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_resource_type_clone(nint type);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_resource_type_equal(ResourceTypeHandle a, nint b);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_resource_type_delete(nint type);

    // ---------------------------------------------------------------- linker
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_linker_new(EngineHandle engine);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_linker_delete(nint linker);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_linker_allow_shadowing(LinkerHandle linker, [MarshalAs(UnmanagedType.U1)] bool allow);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_linker_root(LinkerHandle linker);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_linker_instantiate(LinkerHandle linker, nint context, ComponentHandle component, ComponentInstanceRaw* instanceOut);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_linker_add_wasip2(LinkerHandle linker);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_linker_instance_add_instance(LinkerInstanceHandle linkerInstance, byte* name, nuint nameLength, nint* linkerInstanceOut);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_linker_instance_add_func(
        LinkerInstanceHandle linkerInstance, byte* name, nuint nameLength,
        delegate* unmanaged<nint, nint, nint, ComponentVal*, nuint, ComponentVal*, nuint, nint> callback,
        nint data, delegate* unmanaged<nint, void> finalizer);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_linker_instance_add_resource(
        LinkerInstanceHandle linkerInstance, byte* name, nuint nameLength, ResourceTypeHandle resourceType,
        delegate* unmanaged<nint, nint, uint, nint> destructor,
        nint data, delegate* unmanaged<nint, void> finalizer);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_linker_instance_delete(nint linkerInstance);

    // ---------------------------------------------------------------- instance / func
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_instance_get_export_index(ComponentInstanceRaw* instance, nint context, ExportIndexHandle instanceExportIndex, byte* name, nuint nameLength);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_instance_get_func(ComponentInstanceRaw* instance, nint context, ExportIndexHandle exportIndex, ComponentFuncRaw* funcOut);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_func_type(ComponentFuncRaw* func, nint context);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_func_call(ComponentFuncRaw* func, nint context, ComponentVal* args, nuint argCount, ComponentVal* results, nuint resultCount);

    // ---------------------------------------------------------------- values
    [LibraryImport(Lib)] internal static partial void wasmtime_component_vallist_new_uninit(ValVec* output, nuint size);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_valrecord_new_uninit(ValVec* output, nuint size);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_valtuple_new_uninit(ValVec* output, nuint size);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_valflags_new_uninit(ValVec* output, nuint size);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_valmap_new_uninit(ValVec* output, nuint size);
    /// <summary>Moves <paramref name="value"/> into a new heap value (the source is reset).</summary>
    [LibraryImport(Lib)] internal static partial ComponentVal* wasmtime_component_val_new(ComponentVal* value);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_val_delete(ComponentVal* value);

    [LibraryImport(Lib)] internal static partial nint wasmtime_component_resource_any_clone(nint resource);
    [LibraryImport(Lib, EntryPoint = "wasmtime_component_resource_any_clone")]
    internal static partial nint wasmtime_component_resource_any_clone(ResourceAnyHandle resource);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_resource_any_delete(nint resource);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_resource_host_new([MarshalAs(UnmanagedType.U1)] bool owned, uint rep, uint hostTypeId);
    [LibraryImport(Lib)] internal static partial uint wasmtime_component_resource_host_rep(nint resource);
    [LibraryImport(Lib)] internal static partial uint wasmtime_component_resource_host_type(nint resource);
    [LibraryImport(Lib)] [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool wasmtime_component_resource_host_owned(nint resource);
    [LibraryImport(Lib)] internal static partial void wasmtime_component_resource_host_delete(nint resource);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_resource_any_to_host(nint context, nint resourceAny, nint* hostOut);
    [LibraryImport(Lib)] internal static partial nint wasmtime_component_resource_host_to_any(nint context, nint resourceHost, nint* anyOut);
}

/// <summary>wasm_byte_vec_t / wasm_name_t, and the layout shared by every Wasmtime vector: size then data.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct WasmByteVec
{
    public nuint Size;
    public byte* Data;

    public readonly ReadOnlySpan<byte> AsSpan() => new(Data, checked((int)Size));
}

/// <summary>A Wasmtime vector of values (list, tuple, record entries, flag names): size then data.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ValVec
{
    public nuint Size;
    public void* Data;
}

/// <summary>wasmtime_component_valtype_t: 16 bytes, kind at 0, pointer at 8.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ComponentValType
{
    [FieldOffset(0)] public byte Kind;
    [FieldOffset(8)] public nint Ptr;
}

/// <summary>wasmtime_component_item_t: 24 bytes, kind at 0, union at 8 (a pointer, or a valtype for kind 6).</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct ComponentItem
{
    [FieldOffset(0)] public byte Kind;
    [FieldOffset(8)] public nint Ptr;
    [FieldOffset(8)] public ComponentValType Type;
}

/// <summary>wasmtime_component_instance_t: a store id plus an index (16 bytes, measured); not owned, lives as long as its store.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ComponentInstanceRaw
{
    public ulong StoreId;
    public uint Private;
}

/// <summary>
/// wasmtime_component_func_t. The older headers say 24 bytes ({ {u64, u32}, u32 }); libwasmtime 50.0.1 writes
/// 32 (a pointer-sized field at 24, measured by filling a buffer with a pattern). Declared as 48 so that a
/// wrong header can never again make Wasmtime write past it: the struct is only an out-param passed back
/// by pointer, so extra room is harmless.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct ComponentFuncRaw
{
    [FieldOffset(0)] public ulong StoreId;
}
