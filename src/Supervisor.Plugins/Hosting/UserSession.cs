using Supervisor.Storage;

namespace Supervisor.Plugins.Hosting;

/// <summary>A session of its own: the supervisor's calls over its own storage session (session-duration buckets).</summary>
internal sealed class UserSession(SupervisorHost host, StorageSession session) : PluginSession
{
    private int _disposed;

    public override object? Call(CallTarget target, IReadOnlyList<object?> args, string? caller = null) =>
        host.CallIn(Open(), target, args, caller, CancellationToken.None);

    public override Task<object?> CallAsync(CallTarget target, IReadOnlyList<object?> args, string? caller = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        var open = Open();
        return PluginSupervisor.RunAsync(() => host.CallIn(open, target, args, caller, cancellationToken), cancellationToken);
    }

    internal override System.Text.Json.Nodes.JsonNode? CallJsonCore(CallTarget target, IReadOnlyList<System.Text.Json.JsonElement> args, string? caller,
        ByteListFormat bytes, CancellationToken cancellation) => host.CallJsonIn(Open(), target, args, caller, bytes, cancellation);

    public override PluginOperation BeginOperation(string? caller = null) => host.Begin(caller, Open());

    private StorageSession Open()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return session;
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) session.Dispose();
    }
}
