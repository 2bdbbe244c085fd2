using SQLitePCL;

namespace Supervisor.Storage.Backends.Sqlite;

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
