namespace Supervisor.Storage;

/// <summary>One session: one <c>Supervisor</c>. Holds session-duration data in memory until disposed.</summary>
public abstract class StorageSession : IDisposable
{
    /// <summary>Begins an operation: one outermost call, or several an app groups.</summary>
    public abstract Operation BeginOperation();

    /// <inheritdoc />
    public abstract void Dispose();
}
