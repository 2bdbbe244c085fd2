using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>What kind of failure a <see cref="WasmtimeException"/> is, as far as the message tells.</summary>
internal enum WasmtimeErrorKind
{
    /// <summary>Compilation, linking, type or argument error: no guest code ran.</summary>
    Error,
    /// <summary>The guest trapped (unreachable, out of bounds, ...), or a host function failed.</summary>
    Trap,
    /// <summary>Stopped by the epoch deadline.</summary>
    Interrupt,
    /// <summary>Ran out of fuel.</summary>
    OutOfFuel,
    /// <summary>Stack exhausted.</summary>
    StackOverflow,
    /// <summary>The instance was poisoned by an earlier trap and cannot be entered again.</summary>
    CannotEnter,
    /// <summary>A WASI exit with a status code.</summary>
    Exit,
}

/// <summary>
/// A Wasmtime error or trap. The C API gives no trap code for a wasmtime_error_t (only wasm_trap_t has one),
/// so the kind is recovered from the message Wasmtime renders ("wasm trap: interrupt", ...): stable across
/// recent releases, but text.
/// </summary>
internal sealed class WasmtimeException : Exception
{
    public WasmtimeException(string message, WasmtimeErrorKind kind) : base(message) => Kind = kind;

    public WasmtimeErrorKind Kind { get; }

    /// <summary>True when guest code was running: the instance must be discarded.</summary>
    public bool IsTrap => Kind is not WasmtimeErrorKind.Error;

    /// <summary>Consumes (frees) <paramref name="error"/> and returns the exception describing it.</summary>
    public static unsafe WasmtimeException FromOwnedError(nint error, bool duringCall = false)
    {
        try
        {
            WasmByteVec message = default;
            Native.wasmtime_error_message(error, &message);
            string text;
            try { text = Encoding.UTF8.GetString(message.AsSpan()); }
            finally { Native.wasm_byte_vec_delete(&message); }

            int status;
            if (Native.wasmtime_error_exit_status(error, &status)) return new WasmtimeException(text, WasmtimeErrorKind.Exit);
            return new WasmtimeException(text, Classify(text, duringCall));
        }
        finally
        {
            Native.wasmtime_error_delete(error);
        }
    }

    /// <summary>Throws if <paramref name="error"/> is not null, freeing it.</summary>
    public static void ThrowIfError(nint error)
    {
        if (error != 0) throw FromOwnedError(error);
    }

    internal static WasmtimeErrorKind Classify(string message, bool duringCall)
    {
        if (message.Contains(EpochDeadlines.InterruptMessage, StringComparison.Ordinal)) return WasmtimeErrorKind.Interrupt;
        if (message.Contains("all fuel consumed", StringComparison.Ordinal)) return WasmtimeErrorKind.OutOfFuel;
        if (message.Contains("call stack exhausted", StringComparison.Ordinal)) return WasmtimeErrorKind.StackOverflow;
        if (message.Contains("cannot enter component instance", StringComparison.Ordinal)) return WasmtimeErrorKind.CannotEnter;
        if (duringCall || message.Contains("wasm trap:", StringComparison.Ordinal)) return WasmtimeErrorKind.Trap;
        return WasmtimeErrorKind.Error;
    }
}
