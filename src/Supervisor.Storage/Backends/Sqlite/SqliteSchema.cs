namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>
/// The store file's schema: its version and application id in the header, the tables, the usage triggers, and the
/// migration from every older version. A file that is not a store, or is a newer one, is refused untouched.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this code writes (<c>PRAGMA user_version</c>).</summary>
    public const long Version = 3;

    /// <summary>The header's <c>PRAGMA application_id</c>: "SUPV".</summary>
    public const long ApplicationId = 0x53555056;

    // Version 2: records.size, and triggers that read it instead of length(OLD.value).
    private const string UsageTriggers = """
        CREATE TRIGGER records_insert AFTER INSERT ON records BEGIN
            UPDATE buckets SET items = items + 1, bytes = bytes + NEW.size WHERE id = NEW.bucket_id;
        END;
        CREATE TRIGGER records_update AFTER UPDATE OF size ON records BEGIN
            UPDATE buckets SET bytes = bytes + NEW.size - OLD.size WHERE id = NEW.bucket_id;
        END;
        CREATE TRIGGER records_delete AFTER DELETE ON records BEGIN
            UPDATE buckets SET items = items - 1, bytes = bytes - OLD.size WHERE id = OLD.bucket_id;
        END;
        """;

    // Version 3: the turn mode each owner's plugin runs in (PDP-TURN-8). Older supervisors do not read it, so the
    // version bump also keeps them (which would take no part in the check) off a store that has it.
    private const string TurnModes = """
        CREATE TABLE turn_modes(
            chain TEXT NOT NULL,
            owner TEXT NOT NULL,
            mode INTEGER NOT NULL,
            PRIMARY KEY(chain, owner)) WITHOUT ROWID;
        """;

    private static readonly string Create = $"""
        CREATE TABLE buckets(
            id INTEGER PRIMARY KEY,
            chain TEXT NOT NULL,
            mode INTEGER NOT NULL,
            service TEXT NOT NULL,
            bucket TEXT NOT NULL,
            owner TEXT NOT NULL,
            items INTEGER NOT NULL DEFAULT 0,
            bytes INTEGER NOT NULL DEFAULT 0,
            UNIQUE(chain, mode, service, bucket));
        CREATE INDEX buckets_owner ON buckets(chain, owner);
        -- size comes before value: a column after a large value can only be read by walking its overflow pages.
        CREATE TABLE records(
            bucket_id INTEGER NOT NULL,
            key TEXT NOT NULL,
            size INTEGER NOT NULL,
            value BLOB NOT NULL,
            PRIMARY KEY(bucket_id, key));
        {UsageTriggers}
        {TurnModes}
        PRAGMA application_id = {ApplicationId};
        PRAGMA user_version = {Version};
        """;

    // Version 1 -> 2: add the stored size and switch the triggers to it.
    private static readonly string From1 = $"""
        DROP TRIGGER records_insert;
        DROP TRIGGER records_update;
        DROP TRIGGER records_delete;
        ALTER TABLE records ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
        UPDATE records SET size = length(CAST(key AS BLOB)) + length(value);
        {UsageTriggers}
        PRAGMA user_version = 2;
        """;

    // Version 2 -> 3: the turn modes.
    private static readonly string From2 = $"""
        {TurnModes}
        PRAGMA user_version = {Version};
        """;

    /// <summary>
    /// Checks the header of the file <paramref name="c"/> has open, switches it to WAL, and creates or migrates the
    /// schema to <see cref="Version"/>.
    /// </summary>
    public static void Initialize(SqliteConnectionSlot c, string path)
    {
        // Read the header before writing anything: a foreign or damaged file is left untouched.
        long appId, version, objects;
        try
        {
            // One read transaction: another process may be creating the schema right now, and
            // reading the header and the tables at different moments would mistake it for a foreign file.
            using var read = SqliteTransaction.Read(c);
            appId = c.Scalar("PRAGMA application_id");
            version = c.Scalar("PRAGMA user_version");
            objects = c.Scalar("SELECT count(*) FROM sqlite_master");
        }
        catch (StorageException e) when (e.Code == StorageErrorCode.StoreCorrupt)
        {
            throw new StorageException(StorageErrorCode.StoreCorrupt,
                $"\"{path}\" is not a supervisor store: it is damaged or not a SQLite database; it was left unchanged", e);
        }
        if (appId == 0 && version == 0 && objects > 0 || appId != 0 && appId != ApplicationId)
            throw new StorageException(StorageErrorCode.ForeignStore,
                $"\"{path}\" is a SQLite database of another application; it was left unchanged");
        if (version > Version)
            throw new StorageException(StorageErrorCode.StoreTooNew,
                $"\"{path}\" has schema version {version}, written by a newer supervisor; this one reads up to version {Version}. It was left unchanged");
        c.Exec("PRAGMA journal_mode = WAL");
        if (version == Version) return;
        using var write = SqliteTransaction.Write(c);
        // Another process may have created or migrated the schema while we waited for the lock.
        switch (c.Scalar("PRAGMA user_version"))
        {
            case 0:
                c.Exec(Create);
                break;
            case 1:
                c.Exec(From1);
                c.Exec(From2);
                break;
            case 2:
                c.Exec(From2);
                break;
        }
        write.Commit();
    }
}
