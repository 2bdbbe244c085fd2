using SQLitePCL;

namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>
/// A transaction on one connection: <see cref="Commit"/> ends it; disposing it while it is still open rolls it back
/// (as Microsoft.Data.Sqlite's <c>SqliteTransaction</c>), so <c>using var tx = ...</c> undoes a failed body.
/// </summary>
internal readonly struct SqliteTransaction : IDisposable
{
    private readonly SqliteConnectionSlot _connection;

    private SqliteTransaction(SqliteConnectionSlot connection, string begin)
    {
        _connection = connection;
        connection.Exec(begin);
    }

    /// <summary>
    /// A write transaction. <c>BEGIN IMMEDIATE</c> takes the write lock at once, waiting for another writer within the
    /// busy timeout; a plain <c>BEGIN</c> would take it only at the first write, where a read-modify-write racing another
    /// process fails with SQLITE_BUSY instead of waiting.
    /// </summary>
    public static SqliteTransaction Write(SqliteConnectionSlot connection) => new(connection, "BEGIN IMMEDIATE");

    /// <summary>A read transaction: every read in it sees one snapshot.</summary>
    public static SqliteTransaction Read(SqliteConnectionSlot connection) => new(connection, "BEGIN");

    public void Commit() => _connection.Exec("COMMIT");

    /// <summary>Rolls back unless the transaction has ended (committed, or rolled back by SQLite itself after an error).</summary>
    public void Dispose()
    {
        if (raw.sqlite3_get_autocommit(_connection.Db) == 0) _connection.Exec("ROLLBACK");
    }
}
