using System.Diagnostics;
using Supervisor.Plugins.Calling;
using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// What every host function does first: find the calling plugin from the store it runs in and the thread's
/// <see cref="CallState"/>, and record a failure so the trap it causes is reported with its real cause.
/// </summary>
internal static class HostFunctions
{
    /// <summary>The calling instance's state and its call; throws if called outside a supervised call.</summary>
    public static (GuestState Guest, CallState Call) Enter(in HostCall call)
    {
        var guest = call.Store.HostState as GuestState
            ?? throw new InvalidOperationException("host function called from a store the supervisor does not own");
        var state = CallState.Current
            ?? throw new InvalidOperationException("host function called outside a supervised call");
        if (state.Receiver != guest.Service)
            throw new InvalidOperationException("host function called from a plugin that is not on top of the call stack");
        if (state.Instantiating is not null)
            throw new InvalidOperationException("host function called while the plugin is being instantiated");
        return (guest, state);
    }

    /// <summary>Records the first failure of a host function in the call's state, so the trap it causes can be reported with its real cause.</summary>
    public static HostFunction Guard(HostFunction function) => (in HostCall call) =>
    {
        try
        {
            function(call);
        }
        catch (Exception e)
        {
            if (CallState.Current is { } state) state.HostError ??= e;
            throw;
        }
    };

    /// <summary>
    /// The kind of storage operation a <c>wasi:keyvalue</c> or <c>host:db</c> function is, named as in its span (the
    /// bucket methods both interfaces have map alike); null for those that touch no records (open, cas.current, a
    /// constructor).
    /// </summary>
    public static string? StorageOperation(string function) => function switch
    {
        "[method]bucket.get" => "get",
        "[method]bucket.set" => "set",
        "[method]bucket.delete" => "delete",
        "[method]bucket.exists" => "exists",
        "[method]bucket.list-keys" => "list",
        "increment" => "increment",
        "[static]cas.new" => "get",
        "swap" => "swap",
        "get-many" => "get-many",
        "set-many" => "set-many",
        "delete-many" => "delete-many",
        _ => null,
    };

    /// <summary>
    /// Runs a storage function inside a span of its own, a child of the running call's span (PDP-HOST-3): named by the
    /// operation kind, tagged with the interface, the owner (the calling plugin, from the store it runs in) and, when
    /// given, the bucket's mode and duration. Nothing of the arguments goes in: a failure marks the span with its code
    /// or exception type only, since messages can quote keys.
    /// </summary>
    public static HostFunction Storage(string operation, string api, HostFunction body, DbMode? mode = null, StorageDuration? duration = null) => (in HostCall call) =>
    {
        if (!Telemetry.Source.HasListeners())
        {
            body(call);
            return;
        }
        using var span = Telemetry.StartStorage(operation, api, (call.Store.HostState as GuestState)?.Service, mode, duration);
        try
        {
            body(call);
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, FailureCode(e));
            throw;
        }
    };

    /// <summary>What a span may say of a failure: its code, or its exception type.</summary>
    public static string FailureCode(Exception e) => e switch
    {
        PluginException p => p.Code.ToString(),
        StorageException s => s.Code.ToString(),
        _ => e.GetType().Name,
    };

    /// <summary>
    /// Traps a call made while the calling plugin is being instantiated (from a core start function): its frame is
    /// on the stack only to keep it from acting as the frame below, and nothing of it may reach the host or
    /// another plugin before an exported function of it is called.
    /// </summary>
    public static HostFunction RefuseWhileInstantiating(string interfaceName, string function, HostFunction body)
    {
        var name = Composition.ByteAdapter.PluginFacingName(interfaceName, function);
        return (in HostCall call) =>
        {
            if (CallState.Current is { Instantiating: { } plugin } state)
            {
                var refusal = new PluginException(PluginErrorCode.Trap,
                    $"plugin \"{plugin}\" called {name} while being instantiated; host interfaces and other plugins can be called only from a plugin's exported functions");
                state.Fault ??= refusal;
                throw refusal;
            }
            body(call);
        };
    }
}
