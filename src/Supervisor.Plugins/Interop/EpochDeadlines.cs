using System.Runtime.InteropServices;
using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// Decides, when a store reaches its epoch deadline, whether guest code goes on (by how many more ticks) or stops:
/// how a running call is stopped for its time limit, for cancellation, and when the supervisor is disposed, without
/// touching other stores (the engine's epoch is shared). Runs on the thread running the guest, inside Wasmtime.
/// </summary>
internal static unsafe partial class EpochDeadlines
{
    /// <summary>The words of a stop: the same as Wasmtime's own epoch trap, so both classify as an interrupt.</summary>
    public const string InterruptMessage = "wasm trap: interrupt";

    /// <summary>Ticks more to run, or null to stop. Set once by the calling stage; must not throw.</summary>
    private static Func<ulong?>? s_decide;

    public static void Decide(Func<ulong?> decide) => s_decide = decide;

    /// <summary>Makes the store ask <see cref="Decide"/> at each deadline instead of trapping at once.</summary>
    internal static void Install(StoreHandle store) => wasmtime_store_epoch_deadline_callback(store, &OnDeadline, 0, null);

    [LibraryImport(Native.Lib)]
    private static partial void wasmtime_store_epoch_deadline_callback(StoreHandle store, delegate* unmanaged<nint, nint, ulong*, byte*, nint> callback, nint data, delegate* unmanaged<nint, void> finalizer);

    [UnmanagedCallersOnly]
    private static nint OnDeadline(nint context, nint data, ulong* delta, byte* kind)
    {
        ulong? more;
        try
        {
            more = s_decide?.Invoke();
        }
        catch
        {
            more = null;
        }
        if (more is { } ticks)
        {
            *delta = ticks;
            *kind = 0; // WASMTIME_UPDATE_DEADLINE_CONTINUE
            return 0;
        }
        var bytes = Encoding.UTF8.GetBytes(InterruptMessage + "\0");
        fixed (byte* message = bytes) return Native.wasmtime_error_new(message);
    }
}
