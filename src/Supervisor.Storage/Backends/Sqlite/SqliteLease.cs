namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>A rented connection; disposing the lease returns it to its pool.</summary>
internal readonly struct SqliteLease(SqliteConnectionPool pool, SqliteConnectionSlot connection) : IDisposable
{
    public SqliteConnectionSlot Connection { get; } = connection;

    public void Dispose() => pool.Return(Connection);
}
