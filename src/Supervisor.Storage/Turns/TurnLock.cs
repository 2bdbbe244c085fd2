namespace Supervisor.Storage;

/// <summary>
/// A turn held against other processes sharing the store (<see cref="Backends.StorageBackend.LockTurn"/>): a lock file
/// for SQLite, a lease for Redis. Disposing it lets the next process in.
/// </summary>
public abstract class TurnLock : IDisposable
{
    /// <summary>
    /// The fencing token writes under this turn carry, so a store that knows a newer holder refuses them; 0 where the
    /// lock cannot be lost while held (an operating-system lock dies with its process).
    /// </summary>
    public virtual long FencingToken => 0;

    /// <summary>Releases the turn.</summary>
    public abstract void Dispose();
}
