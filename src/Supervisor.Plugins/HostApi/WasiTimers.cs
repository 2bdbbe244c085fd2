using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// A plugin cannot wait on a WASI timer. <c>monotonic-clock.subscribe-duration</c> and <c>subscribe-instant</c> make
/// pollables that <c>pollable.block</c> and <c>poll</c> wait on inside Wasmtime, where epoch interruption cannot reach
/// (no wasm runs), so a timer could hold a call, and an instance, past any deadline (2^64-1 ns: forever). Timers are
/// the only pollables that can block here (no preopened files, no sockets, an empty stdin), so the two functions that
/// make them trap instead. Defining the interface replaces WASI's whole instance (the linker matches it by version),
/// so <c>now</c> and <c>resolution</c> are defined here too, from the same monotonic clock .NET's Stopwatch reads.
/// Plugin calls are synchronous, as psibase's are.
/// </summary>
internal static class WasiTimers
{
    /// <summary>Nanoseconds on the monotonic clock (exact: no floating point).</summary>
    private static ulong Now() =>
        (ulong)((UInt128)(ulong)System.Diagnostics.Stopwatch.GetTimestamp() * 1_000_000_000 / (ulong)System.Diagnostics.Stopwatch.Frequency);

    /// <summary>The interface, up to its version.</summary>
    public const string Interface = "wasi:clocks/monotonic-clock@";

    public static void Define(LinkerInstance clock)
    {
        clock.AddFunction("now", static (in HostCall call) => ComponentValues.WriteU64(ref call.Results[0], Now()));
        clock.AddFunction("resolution", static (in HostCall call) =>
            ComponentValues.WriteU64(ref call.Results[0], (ulong)Math.Max(1, 1_000_000_000 / System.Diagnostics.Stopwatch.Frequency)));
        foreach (var function in new[] { "subscribe-duration", "subscribe-instant" })
        {
            var name = function;
            clock.AddFunction(name, (in HostCall call) =>
            {
                var (guest, state) = HostFunctions.Enter(call);
                var refusal = new PluginException(PluginErrorCode.Trap,
                    $"plugin \"{guest.Service}\" called wasi:clocks/monotonic-clock.{name}: timers are not available to plugins " +
                    "(a call cannot wait; nothing could stop the wait at the call's time limit)");
                state.Fault ??= refusal;
                throw refusal;
            });
        }
    }
}
