using Supervisor.Plugins.Interop;

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
