using SQLitePCL;

namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>
/// A prepared statement bound and stepped through SQLitePCL's raw API, so values bind
/// straight from spans and read straight into arrays with no ADO.NET objects per call.
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

    public void Reset()
    {
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
    }

    public void Dispose() => _stmt.Dispose();
}

/// <summary>Maps SQLite result codes to <see cref="StorageException"/>s a user can act on.</summary>
internal static class SqliteErrors
{
    public static void Check(int rc, sqlite3 db, string sql)
    {
        if (rc != raw.SQLITE_OK) throw Failure(rc, db, sql);
    }

    public static StorageException Failure(int rc, sqlite3 db, string? sql)
    {
        var message = raw.sqlite3_errmsg(db).utf8_to_string();
        var primary = rc & 0xFF;
        return primary switch
        {
            raw.SQLITE_BUSY or raw.SQLITE_LOCKED when StorageDeadline.HasPassed => new StorageException(StorageErrorCode.DeadlinePassed,
                $"the store stayed locked by another connection or process until the call's time limit ({message})"),
            raw.SQLITE_BUSY or raw.SQLITE_LOCKED => new StorageException(StorageErrorCode.BackendFailure,
                $"the store is locked by another connection or process and stayed locked past the busy timeout ({message})"),
            raw.SQLITE_CORRUPT or raw.SQLITE_NOTADB => new StorageException(StorageErrorCode.StoreCorrupt,
                $"the store file is damaged or is not a SQLite database ({message})"),
            raw.SQLITE_FULL => new StorageException(StorageErrorCode.BackendFailure, $"the disk holding the store is full ({message})"),
            raw.SQLITE_READONLY or raw.SQLITE_CANTOPEN or raw.SQLITE_PERM => new StorageException(StorageErrorCode.BackendFailure,
                $"the store file cannot be written ({message})"),
            _ => new StorageException(StorageErrorCode.BackendFailure, $"SQLite error {rc}: {message}" + (sql is null ? "" : $" in \"{sql}\"")),
        };
    }
}
