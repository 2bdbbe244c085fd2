namespace Supervisor.Plugins;

/// <summary>
/// A session of its own inside a supervisor (<see cref="PluginSupervisor.OpenSession"/>): calls made through it share
/// its session-duration data, which no other session sees and which ends when it is disposed (PDP-SESSION-2). A web
/// app opens one per user or client, so session data never crosses users; plugins, compiled code and persistent data
/// are shared with the supervisor.
/// </summary>
public abstract class PluginSession : IDisposable
{
    /// <summary>Calls <c>service:plugin/interface.function</c> in this session as one operation made by the default caller.</summary>
    /// <exception cref="PluginException">The call failed; its operation was failed.</exception>
    public object? Call(string target, params object?[] args) => Call(CallTarget.Parse(target), args);

    /// <summary>Calls a plugin function in this session as one operation made by <paramref name="caller"/>.</summary>
    /// <exception cref="PluginException">The call failed; its operation was failed.</exception>
    public abstract object? Call(CallTarget target, IReadOnlyList<object?> args, string? caller = null);

    /// <summary>Calls a plugin function in this session on a thread-pool thread, cancellable (as <see cref="PluginSupervisor.CallAsync(CallTarget, IReadOnlyList{object?}, string?, CancellationToken)"/>).</summary>
    public abstract Task<object?> CallAsync(CallTarget target, IReadOnlyList<object?> args, string? caller = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls a plugin function in this session with JSON arguments and returns its result as JSON, in the mapping of
    /// <see cref="PluginSupervisor.CallJson"/> (for an <c>err</c>, <see cref="PluginException.ErrorValue"/> is <c>{"err": ...}</c>).
    /// </summary>
    /// <exception cref="PluginException">The call failed; its operation was failed.</exception>
    public System.Text.Json.Nodes.JsonNode? CallJson(CallTarget target, IReadOnlyList<System.Text.Json.JsonElement> args, string? caller = null,
        ByteListFormat bytes = ByteListFormat.Base64) => CallJsonCore(target, args, caller, bytes, CancellationToken.None);

    /// <summary>The JSON call (<see cref="CallJson"/>) on a thread-pool thread, cancellable as <see cref="CallAsync"/>.</summary>
    /// <exception cref="PluginException">The call failed; its operation was failed.</exception>
    /// <exception cref="OperationCanceledException">The call was cancelled; its operation was failed.</exception>
    public Task<System.Text.Json.Nodes.JsonNode?> CallJsonAsync(CallTarget target, IReadOnlyList<System.Text.Json.JsonElement> args, string? caller = null,
        ByteListFormat bytes = ByteListFormat.Base64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        return PluginSupervisor.RunAsync(() => CallJsonCore(target, args, caller, bytes, cancellationToken), cancellationToken);
    }

    internal abstract System.Text.Json.Nodes.JsonNode? CallJsonCore(CallTarget target, IReadOnlyList<System.Text.Json.JsonElement> args, string? caller,
        ByteListFormat bytes, CancellationToken cancellation);

    /// <summary>Starts an operation grouping several calls in this session; the app decides its outcome.</summary>
    public abstract PluginOperation BeginOperation(string? caller = null);

    /// <summary>Ends the session: its session-duration data goes with it.</summary>
    public abstract void Dispose();
}
