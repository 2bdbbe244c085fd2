using SQLitePCL;

namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>
/// A prepared statement bound and stepped through SQLitePCL's raw API, so values bind
/// straight from spans and read straight into arrays with no ADO.NET objects per call.
/// It stays prepared in its connection's cache: <see cref="Dispose"/> resets it for the next use
/// (as disposing Microsoft.Data.Sqlite's data reader resets its command's statements), and
/// <see cref="Close"/>, called by the connection, finalizes it.
/// </summary>
internal sealed class Statement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly string _sql;

    public Statement(sqlite3 db, string sql)
    {
        _db = db;
        _sql = sql;
        SqliteErrors.Check(raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _stmt, out _), db, sql);
    }

    public Statement Bind(int index, long value)
    {
        SqliteErrors.Check(raw.sqlite3_bind_int64(_stmt, index, value), _db, _sql);
        return this;
    }

    public Statement Bind(int index, string value)
    {
        SqliteErrors.Check(raw.sqlite3_bind_text(_stmt, index, value), _db, _sql);
        return this;
    }

    public Statement BindBlob(int index, ReadOnlySpan<byte> value)
    {
        // An empty span would bind NULL; a value is never NULL.
        var rc = value.IsEmpty ? raw.sqlite3_bind_zeroblob(_stmt, index, 0) : raw.sqlite3_bind_blob(_stmt, index, value);
        SqliteErrors.Check(rc, _db, _sql);
        return this;
    }

    /// <summary>Steps once: true when a row is available.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc == raw.SQLITE_DONE) return false;
        raw.sqlite3_reset(_stmt);
        throw SqliteErrors.Failure(rc, _db, _sql);
    }

    /// <summary>Steps to completion of a statement that returns no rows.</summary>
    public void Run()
    {
        try
        {
            while (Step())
            {
            }
        }
        finally
        {
            Reset();
        }
    }

    public long Int64(int column) => raw.sqlite3_column_int64(_stmt, column);

    public bool IsNull(int column) => raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_NULL;

    public string Text(int column) => raw.sqlite3_column_text(_stmt, column).utf8_to_string();

    public ReadOnlySpan<byte> Blob(int column) => raw.sqlite3_column_blob(_stmt, column);

    /// <summary>Ends the current use: resets the statement and clears its bindings (an unbound parameter is NULL).</summary>
    public void Reset()
    {
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
    }

    /// <summary>Resets the statement, so <c>using var s = connection[sql]</c> leaves it ready however the use ends.</summary>
    public void Dispose() => Reset();

    /// <summary>Finalizes the prepared statement; its connection calls this when it closes.</summary>
    public void Close() => _stmt.Dispose();
}
