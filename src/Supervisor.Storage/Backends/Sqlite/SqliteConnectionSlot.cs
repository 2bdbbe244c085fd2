using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>One SQLite connection with its prepared statements; used by one thread at a time.</summary>
internal sealed class SqliteConnectionSlot : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, Statement> _statements = new(StringComparer.Ordinal);
    private readonly TimeSpan _busyTimeout;
    private int _appliedBusyMs;

    public SqliteConnectionSlot(string path, SqliteOptions options)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        _connection = new SqliteConnection(builder.ToString());
        _connection.Open();
        Db = _connection.Handle!;
        _busyTimeout = options.BusyTimeout;
        _appliedBusyMs = (int)options.BusyTimeout.TotalMilliseconds;
        raw.sqlite3_busy_timeout(Db, _appliedBusyMs);
    }

    /// <summary>Bounds SQLite's wait for another writer's lock by this thread's <see cref="StorageDeadline"/> (one native call when it changes).</summary>
    public void BoundBusyWait()
    {
        var ms = (int)Math.Ceiling(StorageDeadline.Bound(_busyTimeout).TotalMilliseconds);
        if (ms == _appliedBusyMs) return;
        raw.sqlite3_busy_timeout(Db, ms);
        _appliedBusyMs = ms;
    }

    public sqlite3 Db { get; }

    /// <summary>The cached prepared statement for <paramref name="sql"/>.</summary>
    public Statement this[string sql]
    {
        get
        {
            if (!_statements.TryGetValue(sql, out var s))
                _statements[sql] = s = new Statement(Db, sql);
            return s;
        }
    }

    /// <summary>Runs SQL text that may hold several statements (schema, pragmas).</summary>
    public void Exec(string sql) => SqliteErrors.Check(raw.sqlite3_exec(Db, sql), Db, sql);

    /// <summary>Reads one integer pragma or scalar.</summary>
    public long Scalar(string sql)
    {
        using var s = this[sql];
        return s.Step() ? s.Int64(0) : 0;
    }

    public void Dispose()
    {
        foreach (var s in _statements.Values) s.Close();
        _statements.Clear();
        _connection.Dispose();
    }
}
