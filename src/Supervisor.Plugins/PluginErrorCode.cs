namespace Supervisor.Plugins;

/// <summary>What went wrong in the plugin layer.</summary>
public enum PluginErrorCode
{
    /// <summary>The call target is not <c>service:plugin/interface.function</c>.</summary>
    InvalidTarget,
    /// <summary>No component for the service and plugin in the plugin directory.</summary>
    PluginNotFound,
    /// <summary>The service name is invalid or reserved for the host.</summary>
    InvalidPluginName,
    /// <summary>The file is not a valid component, or compiling it failed.</summary>
    InvalidComponent,
    /// <summary>The component imports something outside the allowed set.</summary>
    ImportRefused,
    /// <summary>The plugin exports no such interface or function.</summary>
    FunctionNotFound,
    /// <summary>The arguments do not match the function's parameters.</summary>
    InvalidArguments,
    /// <summary>The plugin trapped (including a limit hit by a host interface).</summary>
    Trap,
    /// <summary>The call ran past its time limit.</summary>
    Timeout,
    /// <summary>The call stack grew past the depth limit, or a plugin called back into one already on the stack.</summary>
    CallDepth,
    /// <summary>The function returned the <c>err</c> case of its result; the operation failed.</summary>
    ErrorResult,
    /// <summary>The supervisor or its operation can no longer be used.</summary>
    Unavailable,
    /// <summary>The call would wait for a plugin's turn in a cycle of operations each waiting for the next; the message names the cycle.</summary>
    Deadlock,

    /// <summary>The app cancelled the call (its <see cref="CancellationToken"/>): the plugin was stopped or never started, and the operation failed.</summary>
    Cancelled,

    /// <summary>A typed call's result does not fit the .NET type asked for; the message names the part, its WIT type and the .NET type. The call itself completed.</summary>
    ResultMismatch,

    /// <summary>
    /// The store records another turn mode for the plugin than this supervisor's <see cref="SupervisorOptions.ConcurrentPlugins"/>
    /// gives it (PDP-TURN-8); the message says how to make them agree. Nothing ran.
    /// </summary>
    TurnModeConflict,
}
