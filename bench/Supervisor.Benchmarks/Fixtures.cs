using System.Buffers.Text;
using Microsoft.Data.Sqlite;
using Supervisor.Storage;

namespace Supervisor.Benchmarks;

/// <summary>Shared data: a fixed set of keys that writes overwrite round-robin, and values.</summary>
public static class Data
{
    /// <summary>Keys written and read; fixed so quotas (10 MiB default) never trip at 100 KiB.</summary>
    public const int KeyCount = 64;

    /// <summary>Keys in the listing bucket (a page is 100 of them).</summary>
    public const int ListKeys = 1000;

    public const string Chain = "bench";

    public static readonly string[] Keys = Enumerable.Range(0, KeyCount).Select(i => $"key-{i:D4}").ToArray();

    public static readonly string[] ListKeyNames = Enumerable.Range(0, ListKeys).Select(i => $"item-{i:D6}").ToArray();

    public static byte[] Value(int size)
    {
        var v = new byte[size];
        new Random(size).NextBytes(v);
        return v;
    }

    /// <summary>Two different values of a size: writers alternate them so each overwrite changes the record.</summary>
    public static byte[][] Values(int size) => [Value(size), Value(size + 1)[..size]];

    /// <summary>A service per value size, so each size is charged to its own owner's quota.</summary>
    public static string Service(int size) => $"svc{size}";

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "supervisor-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}

/// <summary>Our path: KeyValueStore over the SQLite backend with default settings, one long operation.</summary>
public sealed class Ours : IDisposable
{
    private readonly KeyValueStore _store;
    private readonly StorageSession _session;
    private readonly Operation _op;

    public Ours(string path, bool quotas, int valueSize)
    {
        var limits = quotas ? new StorageLimits() : new StorageLimits { QuotaBytes = 0, QuotaItems = 0 };
        _store = KeyValueStore.Create(new StorageOptions { Location = path, Limits = limits });
        _session = _store.OpenSession();
        _op = _session.BeginOperation();
        Bucket = _op.OpenBucket(Data.Chain, DbMode.NonTransactional, StorageDuration.Persistent, Data.Service(valueSize), "b");
        Counters = _op.OpenBucket(Data.Chain, DbMode.NonTransactional, StorageDuration.Persistent, "counters", "c");
        List = _op.OpenBucket(Data.Chain, DbMode.NonTransactional, StorageDuration.Persistent, "lister", "l");
        var value = Data.Value(valueSize);
        foreach (var k in Data.Keys) Bucket.Set(k, value);
        Counters.Set("counter", "0"u8);
        foreach (var chunk in Data.ListKeyNames.Chunk(500))
            List.SetMany(chunk.Select(k => new KeyValuePair<string, byte[]>(k, [1, 2, 3, 4])).ToList());
    }

    public Bucket Bucket { get; }
    public Bucket Counters { get; }
    public Bucket List { get; }

    public void Dispose()
    {
        _op.Dispose();
        _session.Dispose();
        _store.Dispose();
    }
}

/// <summary>Schema and statement variants of the raw Microsoft.Data.Sqlite baseline.</summary>
public enum RawSchema
{
    /// <summary>records(bucket_id, key, value, PRIMARY KEY(bucket_id, key)) as a rowid table, no triggers: the baseline.</summary>
    Rowid,
    /// <summary>The same table declared WITHOUT ROWID.</summary>
    WithoutRowid,
    /// <summary>Our exact schema: rowid table plus the usage triggers on a buckets table.</summary>
    Triggers,
    /// <summary>Candidate fix: a stored size column that the triggers read instead of length(OLD.value).</summary>
    TriggersSizeColumn,
    /// <summary>Candidate fix without a new column: BEFORE UPDATE/DELETE triggers that read the old length with a subquery
    /// (length() of a table column reads only the record header, never the overflow pages).</summary>
    TriggersLengthSubquery,
}

/// <summary>
/// Raw Microsoft.Data.Sqlite doing the same work: prepared commands reused, WAL, synchronous=NORMAL.
/// </summary>
public sealed class Raw : IDisposable
{
    private readonly SqliteConnection _conn;
    private readonly SqliteCommand _upsert, _get, _list, _begin, _commit, _usage, _incr1, _readCounter;
    private readonly SqliteParameter _uKey, _uVal, _gKey, _lAfter, _iKey, _rKey;

    public Raw(string path, RawSchema schema, int valueSize, int cacheKiB = 0)
    {
        _conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        _conn.Open();
        Exec("PRAGMA journal_mode = WAL");
        Exec("PRAGMA synchronous = NORMAL");
        if (cacheKiB > 0) Exec($"PRAGMA cache_size = -{cacheKiB}");
        var sized = schema == RawSchema.TriggersSizeColumn;
        var without = schema == RawSchema.WithoutRowid ? " WITHOUT ROWID" : "";
        Exec($"""
            CREATE TABLE IF NOT EXISTS buckets(id INTEGER PRIMARY KEY, chain TEXT NOT NULL, owner TEXT NOT NULL,
                items INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX IF NOT EXISTS buckets_owner ON buckets(chain, owner);
            INSERT OR IGNORE INTO buckets(id, chain, owner) VALUES (1, 'bench', 'svc'), (2, 'bench', 'counters'), (3, 'bench', 'lister');
            CREATE TABLE IF NOT EXISTS records(bucket_id INTEGER NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,{(sized ? " size INTEGER NOT NULL," : "")}
                PRIMARY KEY(bucket_id, key)){without};
            """);
        if (schema == RawSchema.Triggers)
            Exec("""
                CREATE TRIGGER IF NOT EXISTS records_insert AFTER INSERT ON records BEGIN
                    UPDATE buckets SET items = items + 1, bytes = bytes + length(CAST(NEW.key AS BLOB)) + length(NEW.value) WHERE id = NEW.bucket_id;
                END;
                CREATE TRIGGER IF NOT EXISTS records_update AFTER UPDATE OF value ON records BEGIN
                    UPDATE buckets SET bytes = bytes + length(NEW.value) - length(OLD.value) WHERE id = NEW.bucket_id;
                END;
                CREATE TRIGGER IF NOT EXISTS records_delete AFTER DELETE ON records BEGIN
                    UPDATE buckets SET items = items - 1, bytes = bytes - length(CAST(OLD.key AS BLOB)) - length(OLD.value) WHERE id = OLD.bucket_id;
                END;
                """);
        if (schema == RawSchema.TriggersLengthSubquery)
            Exec("""
                CREATE TRIGGER IF NOT EXISTS records_insert AFTER INSERT ON records BEGIN
                    UPDATE buckets SET items = items + 1, bytes = bytes + length(CAST(NEW.key AS BLOB)) + length(NEW.value) WHERE id = NEW.bucket_id;
                END;
                CREATE TRIGGER IF NOT EXISTS records_update BEFORE UPDATE OF value ON records BEGIN
                    UPDATE buckets SET bytes = bytes + length(NEW.value) - (SELECT length(value) FROM records WHERE bucket_id = OLD.bucket_id AND key = OLD.key) WHERE id = NEW.bucket_id;
                END;
                CREATE TRIGGER IF NOT EXISTS records_delete BEFORE DELETE ON records BEGIN
                    UPDATE buckets SET items = items - 1, bytes = bytes - length(CAST(OLD.key AS BLOB)) - (SELECT length(value) FROM records WHERE bucket_id = OLD.bucket_id AND key = OLD.key) WHERE id = OLD.bucket_id;
                END;
                """);
        if (sized)
            Exec("""
                CREATE TRIGGER IF NOT EXISTS records_insert AFTER INSERT ON records BEGIN
                    UPDATE buckets SET items = items + 1, bytes = bytes + NEW.size WHERE id = NEW.bucket_id;
                END;
                CREATE TRIGGER IF NOT EXISTS records_update AFTER UPDATE OF size ON records BEGIN
                    UPDATE buckets SET bytes = bytes + NEW.size - OLD.size WHERE id = NEW.bucket_id;
                END;
                CREATE TRIGGER IF NOT EXISTS records_delete AFTER DELETE ON records BEGIN
                    UPDATE buckets SET items = items - 1, bytes = bytes - OLD.size WHERE id = OLD.bucket_id;
                END;
                """);

        _upsert = Prepare(sized
                ? "INSERT INTO records(bucket_id, key, value, size) VALUES ($b, $k, $v, length(CAST($k AS BLOB)) + length($v)) ON CONFLICT(bucket_id, key) DO UPDATE SET value = excluded.value, size = excluded.size"
                : "INSERT INTO records(bucket_id, key, value) VALUES ($b, $k, $v) ON CONFLICT(bucket_id, key) DO UPDATE SET value = excluded.value",
            out var ub, out _uKey, out _uVal);
        ub.Value = 1L;
        _get = Prepare("SELECT value FROM records WHERE bucket_id = 1 AND key = $k", out _gKey);
        _list = Prepare("SELECT key FROM records WHERE bucket_id = 3 AND key > $a ORDER BY key LIMIT 101", out _lAfter);
        _lAfter.Value = "";
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _usage = Prepare("SELECT total(bytes), total(items) FROM buckets WHERE chain = 'bench' AND owner = 'svc'");
        _incr1 = Prepare("INSERT INTO records(bucket_id, key, value) VALUES (2, $k, '1') ON CONFLICT(bucket_id, key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) RETURNING value",
            out _iKey);
        _iKey.Value = "counter";
        _readCounter = Prepare("SELECT value FROM records WHERE bucket_id = 2 AND key = $k", out _rKey);
        _rKey.Value = "counter";

        var value = Data.Value(valueSize);
        foreach (var k in Data.Keys) Set(k, value);
        SetIn(2, "counter", "0"u8.ToArray());
        Exec("BEGIN");
        foreach (var k in Data.ListKeyNames) SetIn(3, k, [1, 2, 3, 4]);
        Exec("COMMIT");
    }

    private void Exec(string sql)
    {
        using var c = _conn.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params SqliteParameter[] ps)
    {
        var c = _conn.CreateCommand();
        c.CommandText = sql;
        foreach (var p in ps) c.Parameters.Add(p);
        c.Prepare();
        return c;
    }

    private SqliteCommand Prepare(string sql) => Prepare(sql, []);

    private SqliteCommand Prepare(string sql, out SqliteParameter a)
    {
        a = new SqliteParameter("$k", SqliteType.Text);
        if (sql.Contains("$a")) a.ParameterName = "$a";
        return Prepare(sql, a);
    }

    private SqliteCommand Prepare(string sql, out SqliteParameter b, out SqliteParameter k, out SqliteParameter v)
    {
        b = new SqliteParameter("$b", SqliteType.Integer);
        k = new SqliteParameter("$k", SqliteType.Text);
        v = new SqliteParameter("$v", SqliteType.Blob);
        return Prepare(sql, b, k, v);
    }

    private void SetIn(long bucket, string key, byte[] value)
    {
        _upsert.Parameters[0].Value = bucket;
        _uKey.Value = key;
        _uVal.Value = value;
        _upsert.ExecuteNonQuery();
        _upsert.Parameters[0].Value = 1L;
    }

    /// <summary>Autocommit upsert (the baseline set).</summary>
    public void Set(string key, byte[] value)
    {
        _uKey.Value = key;
        _uVal.Value = value;
        _upsert.ExecuteNonQuery();
    }

    /// <summary>Upsert inside BEGIN IMMEDIATE ... COMMIT (what a quota-checked write needs).</summary>
    public void SetInTransaction(string key, byte[] value, bool usageQueries)
    {
        _begin.ExecuteNonQuery();
        if (usageQueries) Usage();
        Set(key, value);
        if (usageQueries) Usage();
        _commit.ExecuteNonQuery();
    }

    private double Usage()
    {
        using var r = _usage.ExecuteReader();
        r.Read();
        return r.GetDouble(0) + r.GetDouble(1);
    }

    public byte[]? Get(string key)
    {
        _gKey.Value = key;
        using var r = _get.ExecuteReader();
        return r.Read() ? r.GetFieldValue<byte[]>(0) : null;
    }

    /// <summary>Read-modify-write in one BEGIN IMMEDIATE transaction, as our backend's Increment does.</summary>
    public long IncrementTx()
    {
        _begin.ExecuteNonQuery();
        long n;
        using (var r = _readCounter.ExecuteReader())
        {
            r.Read();
            var bytes = r.GetFieldValue<byte[]>(0);
            Utf8Parser.TryParse(bytes, out n, out _);
        }
        n++;
        Span<byte> buf = stackalloc byte[24];
        Utf8Formatter.TryFormat(n, buf, out var len);
        SetIn(2, "counter", buf[..len].ToArray());
        _commit.ExecuteNonQuery();
        return n;
    }

    /// <summary>The best raw SQLite can do: one UPSERT ... RETURNING statement.</summary>
    public long IncrementOneStatement() => Convert.ToInt64(_incr1.ExecuteScalar());

    /// <summary>First page of 100 keys (reads 101 to know whether more follow, as the store does).</summary>
    public int ListPage()
    {
        var n = 0;
        using var r = _list.ExecuteReader();
        while (r.Read())
        {
            _ = r.GetString(0);
            n++;
        }
        return n;
    }

    public void Dispose()
    {
        foreach (var c in new[] { _upsert, _get, _list, _begin, _commit, _usage, _incr1, _readCounter }) c.Dispose();
        _conn.Dispose();
    }
}
