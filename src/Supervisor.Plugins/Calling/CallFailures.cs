using Microsoft.Extensions.Logging;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Loading;
using Supervisor.Storage;

namespace Supervisor.Plugins.Calling;

/// <summary>Turns a failed call's Wasmtime error into the <see cref="PluginException"/> the app sees, from the host's record of the call.</summary>
internal sealed class CallFailures(SupervisorOptions options, ILogger logger, CallGate gate)
{
    /// <summary>
    /// Wasmtime's "hostcall fuel": what one call of a plugin may pass to the host (so to another plugin, through the
    /// supervisor), 128 MiB, counted as 48 bytes per list element. The C API cannot raise it.
    /// </summary>
    internal const long HostcallFuelBytes = 128L << 20;

    internal const int HostcallBytesPerElement = 48;

    /// <summary>The failure of a call stopped because the supervisor is being disposed.</summary>
    public static PluginException Disposed() => new(PluginErrorCode.Unavailable, "the supervisor was disposed while the call ran; the call was stopped");

    /// <summary>
    /// The failure of a call whose turn could not be taken because the store failed (<see cref="StorageException"/>:
    /// its message, written for the app, is kept) or the host did (anything else: logged, and the app reads only that the
    /// host failed). The plugin never ran.
    /// </summary>
    public PluginException TurnFailed(CallTarget target, Exception e)
    {
        if (e is StorageException storage)
            return new PluginException(PluginErrorCode.Unavailable, $"call to {target}: the plugin's turn could not be taken: {storage.Message}", storage);
        logger.LogError(e, "taking the turn of {Service} failed for {Target}", target.Service, target);
        return new PluginException(PluginErrorCode.Unavailable, $"call to {target}: the plugin's turn could not be taken: the host failed (see the host's log)", e);
    }

    /// <summary>The failure of a call whose time limit had passed before it could start.</summary>
    public PluginException TimeLimitPassed() =>
        new(PluginErrorCode.Timeout, $"the call's time limit of {options.CallTimeout.TotalSeconds:0.###} s has passed");

    /// <summary>
    /// The exception for a failed call, recorded as the context's fault; <paramref name="instantiating"/> holds the
    /// plugin's store limits when it failed while being instantiated, <paramref name="stderr"/> the tail of what the
    /// plugin printed (a JavaScript engine prints the uncaught error there, and the trap itself says only "unreachable").
    /// </summary>
    public PluginException Translate(CallContext context, CallTarget target, WasmtimeException e, StoreLimits? instantiating, string? stderr)
    {
        if (context.Fault is { } fault) return fault;
        var ex = FailureOf(context, target, e, instantiating);
        if (stderr is not null && e.Kind is not WasmtimeErrorKind.Interrupt)
        {
            logger.LogInformation("plugin {Service} failed in {Target}; its stderr ended with: {Stderr}", target.Service, target, stderr);
            if (ex.Code == PluginErrorCode.Trap)
                ex = new PluginException(PluginErrorCode.Trap, $"{ex.Message}; the plugin's stderr ended with: {stderr}", ex.InnerException);
        }
        context.Fault = ex;
        return ex;
    }

    /// <summary>What a failed call's Wasmtime error means (<see cref="Translate"/> adds the plugin's output).</summary>
    private PluginException FailureOf(CallContext context, CallTarget target, WasmtimeException e, StoreLimits? instantiating)
    {
        if (instantiating is { } limits && e.Kind is WasmtimeErrorKind.Error)
        {
            var cause = PluginCompiler.FirstLine(e.Message);
            // Wasmtime says "resource limit exceeded" for counts and "exceeds memory/table limits" for sizes: name ours.
            if (cause.Contains("limit", StringComparison.Ordinal)) cause += $" ({limits.Describe(options.MemoryLimitBytes)})";
            return new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{target.Service}\" cannot be instantiated: {cause}", e);
        }
        var where = instantiating is not null ? "while being instantiated (for " + target + ")" : "in " + target.ToString();
        if (context.HostError is StorageException { Code: StorageErrorCode.DeadlinePassed } locked)
            return new PluginException(PluginErrorCode.Timeout,
                $"call to {target} ran past its time limit of {options.CallTimeout.TotalSeconds:0.###} s: {locked.Message}", locked);
        if (context.HostError is { } hostError && e.Kind != WasmtimeErrorKind.Interrupt)
        {
            if (hostError is not (StorageException or PluginException) || hostError is StorageException { Code: StorageErrorCode.BackendFailure or StorageErrorCode.StoreCorrupt })
                logger.LogError(hostError, "host function failed in {Target}", target);
            var cause = hostError is StorageException or PluginException ? hostError.Message : "the host failed (see the host's log)";
            return new PluginException(PluginErrorCode.Trap, $"plugin \"{target.Service}\" trapped {where}: {cause}", hostError);
        }
        return e.Kind switch
        {
            WasmtimeErrorKind.Interrupt when gate.IsClosed => Disposed(),
            WasmtimeErrorKind.Interrupt when context.Cancellation.IsCancellationRequested => new PluginException(PluginErrorCode.Cancelled,
                $"call to {target} was cancelled and the plugin was stopped", e),
            WasmtimeErrorKind.Interrupt => new PluginException(PluginErrorCode.Timeout,
                $"call to {target} ran past its time limit of {options.CallTimeout.TotalSeconds:0.###} s and was stopped", e),
            WasmtimeErrorKind.StackOverflow => new PluginException(PluginErrorCode.Trap, $"plugin \"{target.Service}\" overflowed its stack {where}", e),
            _ => new PluginException(PluginErrorCode.Trap, $"plugin \"{target.Service}\" trapped {where}: {Explain(TrapCause(e.Message) ?? PluginCompiler.FirstLine(e.Message))}", e),
        };
    }

    /// <summary>A trap's cause with what the user needs to act on it, where Wasmtime's own words do not say.</summary>
    private static string Explain(string cause) =>
        cause.Contains("fuel allocated for hostcalls has been exhausted", StringComparison.Ordinal)
            ? $"{cause} (Wasmtime lets one call pass the host at most {HostcallFuelBytes >> 20} MiB of values at {HostcallBytesPerElement} bytes per list element: " +
              $"a list<u8> passed to another plugin may hold at most {HostcallFuelBytes / HostcallBytesPerElement} bytes)"
            : cause;

    /// <summary>The "Caused by:" part of a Wasmtime error: the trap itself, after the backtrace.</summary>
    private static string? TrapCause(string message)
    {
        var lines = message.Split('\n').Select(l => l.Trim()).ToList();
        var i = lines.FindIndex(l => l.StartsWith("Caused by:", StringComparison.Ordinal));
        if (i < 0) return null;
        var cause = lines.Skip(i + 1).Where(l => l.Length > 0).Select(l => l.TrimStart('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ' ')).ToList();
        return cause.Count == 0 ? null : string.Join("; ", cause);
    }
}
