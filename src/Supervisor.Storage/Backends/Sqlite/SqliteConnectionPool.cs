using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>
/// The connections of one store file: a thread rents one for a call (<c>using var lease = pool.Rent()</c>) and the
/// lease gives it back. Connections are opened on demand and closed only with the pool.
/// </summary>
internal sealed class SqliteConnectionPool(string path, SqliteOptions options) : IDisposable
{
    private readonly ConcurrentBag<SqliteConnectionSlot> _idle = new();
    private readonly ConcurrentQueue<SqliteConnectionSlot> _all = new();

    /// <summary>Opens a connection the pool will close, not yet configured (the store's header is read before anything is set).</summary>
    public SqliteConnectionSlot Open()
    {
        try
        {
            var slot = new SqliteConnectionSlot(path, options);
            _all.Enqueue(slot);
            return slot;
        }
        catch (SqliteException e)
        {
            throw new StorageException(StorageErrorCode.BackendFailure, $"cannot open the store \"{path}\": {e.Message}", e);
        }
    }

    /// <summary>Applies the per-connection settings: the durability of a commit.</summary>
    public void Configure(SqliteConnectionSlot c) =>
        c.Exec(options.Durability == SqliteDurability.Power ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");

    /// <summary>An idle connection, or a new one, with its wait for other writers bounded by the caller's deadline.</summary>
    public SqliteLease Rent()
    {
        if (!_idle.TryTake(out var c))
        {
            c = Open();
            Configure(c);
        }
        c.BoundBusyWait();
        return new SqliteLease(this, c);
    }

    /// <summary>Makes a connection available to the next <see cref="Rent"/>.</summary>
    public void Return(SqliteConnectionSlot c) => _idle.Add(c);

    public void Dispose()
    {
        while (_all.TryDequeue(out var c)) c.Dispose();
        _idle.Clear();
    }
}
