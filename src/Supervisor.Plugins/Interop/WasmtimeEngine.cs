using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>Engine settings this project uses; everything else stays at Wasmtime's defaults.</summary>
internal sealed record EngineOptions
{
    /// <summary>Epoch interruption: the only way to stop a runaway guest without fuel's per-instruction cost.</summary>
    public bool EpochInterruption { get; init; } = true;

    /// <summary>Fuel metering (off by default: it slows all guest code).</summary>
    public bool ConsumeFuel { get; init; }

    /// <summary>Compile functions in parallel (a large plugin takes seconds on one core).</summary>
    public bool ParallelCompilation { get; init; } = true;

    /// <summary>Maximum guest stack in bytes; null keeps Wasmtime's default.</summary>
    public nuint? MaxWasmStack { get; init; }
}

/// <summary>A Wasmtime engine configured for components, Cranelift, and epoch interruption.</summary>
internal sealed class WasmtimeEngine : IDisposable
{
    private const byte StrategyCranelift = 1;
    private const byte OptLevelSpeed = 1;

    private readonly EngineHandle _handle;

    public WasmtimeEngine(EngineOptions? options = null)
    {
        Options = options ?? new EngineOptions();
        var config = Native.wasm_config_new();
        if (config == 0) throw new InvalidOperationException("wasm_config_new failed");
        Native.wasmtime_config_strategy_set(config, StrategyCranelift);
        Native.wasmtime_config_cranelift_opt_level_set(config, OptLevelSpeed);
        Native.wasmtime_config_wasm_component_model_set(config, true);
        Native.wasmtime_config_epoch_interruption_set(config, Options.EpochInterruption);
        Native.wasmtime_config_consume_fuel_set(config, Options.ConsumeFuel);
        Native.wasmtime_config_parallel_compilation_set(config, Options.ParallelCompilation);
        if (Options.MaxWasmStack is { } stack) Native.wasmtime_config_max_wasm_stack_set(config, stack);

        // The engine takes the config, even on failure.
        var engine = Native.wasm_engine_new_with_config(config);
        if (engine == 0) throw new InvalidOperationException("wasm_engine_new_with_config failed (invalid configuration)");
        _handle = new EngineHandle(engine);
    }

    public EngineOptions Options { get; }

    internal EngineHandle Handle => _handle;

    /// <summary>
    /// Advances the epoch; thread-safe, meant to be called from a timer (the handle's reference count keeps a
    /// concurrent Dispose from freeing the engine during the call).
    /// </summary>
    public void IncrementEpoch() => Native.wasmtime_engine_increment_epoch(_handle);

    /// <summary>Compiles a component from its binary encoding.</summary>
    public unsafe WasmtimeComponent Compile(ReadOnlySpan<byte> binary)
    {
        nint component;
        nint error;
        fixed (byte* p = binary) error = Native.wasmtime_component_new(_handle, p, (nuint)binary.Length, &component);
        WasmtimeException.ThrowIfError(error);
        return new WasmtimeComponent(this, new ComponentHandle(component));
    }

    /// <summary>
    /// Loads a component produced by <see cref="WasmtimeComponent.Serialize"/> with a compatible engine.
    /// Trusted input only: Wasmtime maps it as native code.
    /// </summary>
    public unsafe WasmtimeComponent Deserialize(ReadOnlySpan<byte> serialized)
    {
        nint component;
        nint error;
        fixed (byte* p = serialized) error = Native.wasmtime_component_deserialize(_handle, p, (nuint)serialized.Length, &component);
        WasmtimeException.ThrowIfError(error);
        return new WasmtimeComponent(this, new ComponentHandle(component));
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>WAT text to binary, through Wasmtime's own parser (handles modules and components).</summary>
internal static class Wat
{
    public static unsafe byte[] ToBinary(string wat)
    {
        var text = Encoding.UTF8.GetBytes(wat);
        WasmByteVec result = default;
        nint error;
        fixed (byte* p = text) error = Native.wasmtime_wat2wasm(p, (nuint)text.Length, &result);
        WasmtimeException.ThrowIfError(error);
        try { return result.AsSpan().ToArray(); }
        finally { Native.wasm_byte_vec_delete(&result); }
    }
}

/// <summary>
/// Ticks an engine's epoch on a timer so stores' epoch deadlines (counted in ticks) mean wall time.
/// </summary>
internal sealed class EpochTicker : IDisposable
{
    private readonly Timer _timer;

    public EpochTicker(WasmtimeEngine engine, TimeSpan interval)
    {
        _timer = new Timer(static state =>
        {
            try { ((WasmtimeEngine)state!).IncrementEpoch(); }
            catch (ObjectDisposedException) { } // the engine went first; nothing left to tick
        }, engine, interval, interval);
    }

    public void Dispose() => _timer.Dispose();
}
