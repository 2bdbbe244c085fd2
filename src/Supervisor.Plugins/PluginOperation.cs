using Supervisor.Storage;

namespace Supervisor.Plugins;

/// <summary>Several calls that commit or fail together.</summary>
public abstract class PluginOperation : IDisposable
{
    /// <summary>Active, committed or failed. A trap or an <c>err</c> result fails it.</summary>
    public abstract OperationState State { get; }

    /// <summary>Calls a plugin function within this operation.</summary>
    public abstract object? Call(CallTarget target, IReadOnlyList<object?> args);

    /// <summary>Calls a plugin function within this operation.</summary>
    public object? Call(string target, params object?[] args) => Call(CallTarget.Parse(target), args);

    /// <summary>Commits the operation's transactional writes.</summary>
    public abstract void Complete();

    /// <summary>Drops the operation's transactional and ephemeral writes.</summary>
    public abstract void Fail();

    /// <summary>Fails the operation if it was not completed.</summary>
    public abstract void Dispose();
}
