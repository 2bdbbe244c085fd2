using System.Collections.Concurrent;

namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>
/// The embedded default backend: one SQLite file (WAL) per supervisor domain, shared safely by
/// threads (a pool of connections) and processes (SQLite's locks, <c>BEGIN IMMEDIATE</c> for
/// read-modify-write). Buckets are rows of their own with running totals kept by triggers, so
/// usage is exact whoever writes; records are keyed by (bucket id, key).
/// </summary>
internal sealed class SqliteBackend : StorageBackend
{
    private const string SelectValue = "SELECT value FROM records WHERE bucket_id = ?1 AND key = ?2";
    private const string SelectExists = "SELECT 1 FROM records WHERE bucket_id = ?1 AND key = ?2";
    // size (UTF-8 key bytes + value bytes) is stored so the usage triggers never read OLD.value:
    // in a trigger that loads the whole old value (every overflow page), which made a 100 KiB overwrite 2-3x slower.
    private const string Upsert = "INSERT INTO records(bucket_id, key, value, size) VALUES (?1, ?2, ?3, length(CAST(?2 AS BLOB)) + length(?3)) ON CONFLICT(bucket_id, key) DO UPDATE SET value = excluded.value, size = excluded.size";
    private const string DeleteRecord = "DELETE FROM records WHERE bucket_id = ?1 AND key = ?2";
    private const string ListFirst = "SELECT key FROM records WHERE bucket_id = ?1 ORDER BY key LIMIT ?2";
    private const string ListAfter = "SELECT key FROM records WHERE bucket_id = ?1 AND key > ?2 ORDER BY key LIMIT ?3";
    private const string FindBucket = "SELECT id FROM buckets WHERE chain = ?1 AND mode = ?2 AND service = ?3 AND bucket = ?4";
    private const string InsertBucket = "INSERT INTO buckets(chain, mode, service, bucket, owner) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";
    private const string OwnerUsage = "SELECT total(bytes), total(items) FROM buckets WHERE chain = ?1 AND owner = ?2";

    private readonly SqliteOptions _options;
    private readonly SqliteConnectionPool _pool;
    private readonly SqliteTurnFiles _turnFiles;
    private readonly ConcurrentDictionary<BucketId, long> _bucketIds = new();

    public SqliteBackend(string path, SqliteOptions options)
    {
        _options = options;
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir)) PrivateFiles.CreateFolder(dir);
        // Made owner-only before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode.
        PrivateFiles.Ensure(Path);
        if (PrivateFiles.SharedMode(Path) is { } mode)
            AccessWarning = $"the store {Path} can be read or written by other users of this machine (mode {mode}); every plugin's private records are in it: run chmod 600 on it";
        _pool = new SqliteConnectionPool(Path, options);
        _turnFiles = new SqliteTurnFiles(Path);
        var first = _pool.Open();
        try
        {
            SqliteSchema.Initialize(first, Path);
        }
        catch
        {
            first.Dispose();
            throw;
        }
        _pool.Configure(first);
        _pool.Return(first);
    }

    /// <summary>The full path of the store file.</summary>
    public string Path { get; }

    public override string? AccessWarning { get; }

    public override string TypeName => "sqlite";

    public override bool IsPersistent => true;

    private SqliteLease Rent()
    {
        ThrowIfDisposed();
        return _pool.Rent();
    }

    /// <summary>Reads an integer pragma on a pooled connection (tests check per-connection settings with it).</summary>
    internal long ReadPragma(string name)
    {
        if (!name.All(ch => char.IsAsciiLetter(ch) || ch == '_')) throw new ArgumentException($"not a pragma name: {name}", nameof(name));
        using var lease = Rent();
        return lease.Connection.Scalar($"PRAGMA {name}");
    }

    /// <summary>The row id of a bucket, or null if it was never written (when not creating).</summary>
    private long? BucketRow(SqliteConnectionSlot c, BucketId bucket, bool create)
    {
        if (_bucketIds.TryGetValue(bucket, out var id)) return id;
        var row = FindBucketRow(c, bucket);
        if (row is null && create) row = InsertBucketRow(c, bucket);
        if (row is { } found) _bucketIds[bucket] = found;
        return row;
    }

    /// <summary>A bucket's row inside a write transaction; rows it makes go to <paramref name="made"/>, not the shared cache.</summary>
    private long BucketRowInTransaction(SqliteConnectionSlot c, BucketId bucket, Dictionary<BucketId, long> made)
    {
        if (_bucketIds.TryGetValue(bucket, out var id) || made.TryGetValue(bucket, out id)) return id;
        return made[bucket] = FindBucketRow(c, bucket) ?? InsertBucketRow(c, bucket);
    }

    private static long? FindBucketRow(SqliteConnectionSlot c, BucketId bucket)
    {
        using var find = c[FindBucket];
        find.Bind(1, bucket.Chain).Bind(2, (long)bucket.Mode).Bind(3, bucket.Service).Bind(4, bucket.Bucket);
        return find.Step() ? find.Int64(0) : null;
    }

    /// <summary>Inserts a bucket's row (another writer may have just done so) and returns its id.</summary>
    private static long InsertBucketRow(SqliteConnectionSlot c, BucketId bucket)
    {
        c[InsertBucket].Bind(1, bucket.Chain).Bind(2, (long)bucket.Mode).Bind(3, bucket.Service).Bind(4, bucket.Bucket).Bind(5, bucket.Owner).Run();
        return FindBucketRow(c, bucket) ?? throw new StorageException(StorageErrorCode.BackendFailure, $"bucket {bucket} could not be created");
    }

    public override byte[]? Get(BucketId bucket, string key)
    {
        using var lease = Rent();
        var c = lease.Connection;
        return BucketRow(c, bucket, false) is { } id ? ReadValue(c, id, key) : null;
    }

    private static byte[]? ReadValue(SqliteConnectionSlot c, long bucketId, string key)
    {
        using var s = c[SelectValue];
        s.Bind(1, bucketId).Bind(2, key);
        return s.Step() ? s.Blob(0).ToArray() : null;
    }

    public override bool Exists(BucketId bucket, string key)
    {
        using var lease = Rent();
        var c = lease.Connection;
        if (BucketRow(c, bucket, false) is not { } id) return false;
        using var s = c[SelectExists];
        return s.Bind(1, id).Bind(2, key).Step();
    }

    public override void Set(BucketId bucket, string key, ReadOnlySpan<byte> value, Quota quota)
    {
        using var lease = Rent();
        var c = lease.Connection;
        var id = BucketRow(c, bucket, true)!.Value;
        if (quota.IsUnlimited)
        {
            // One autocommit statement: the triggers keep usage exact within it.
            c[Upsert].Bind(1, id).Bind(2, key).BindBlob(3, value).Run();
            return;
        }
        // Not through InWriteTransaction: its body could capture the value only as a copy, and this is the hot path.
        using var tx = SqliteTransaction.Write(c);
        var before = Usage(c, bucket.Chain, bucket.Owner);
        c[Upsert].Bind(1, id).Bind(2, key).BindBlob(3, value).Run();
        CheckQuota(c, bucket.Chain, bucket.Owner, before, quota);
        tx.Commit();
    }

    public override bool Delete(BucketId bucket, string key)
    {
        using var lease = Rent();
        var c = lease.Connection;
        if (BucketRow(c, bucket, false) is not { } id) return false;
        c[DeleteRecord].Bind(1, id).Bind(2, key).Run();
        return SQLitePCL.raw.sqlite3_changes(c.Db) > 0;
    }

    public override IReadOnlyList<string> ListKeys(BucketId bucket, string? after, int limit)
    {
        using var lease = Rent();
        var c = lease.Connection;
        if (BucketRow(c, bucket, false) is not { } id) return [];
        using var s = after is null ? c[ListFirst].Bind(1, id).Bind(2, limit) : c[ListAfter].Bind(1, id).Bind(2, after).Bind(3, limit);
        var keys = new List<string>();
        while (s.Step()) keys.Add(s.Text(0));
        return keys;
    }

    public override long Increment(BucketId bucket, string key, long delta, Quota quota) =>
        InWriteTransaction(bucket, quota, (c, id) =>
        {
            var current = ReadValue(c, id, key) is { } v ? Keys.ParseCounter(v, key) : 0;
            var next = Keys.AddCounter(current, delta, key);
            c[Upsert].Bind(1, id).Bind(2, key).BindBlob(3, Keys.FormatCounter(next)).Run();
            return next;
        });

    public override bool CompareAndSwap(BucketId bucket, string key, byte[]? expected, ReadOnlySpan<byte> value, Quota quota)
    {
        var copy = value.ToArray();
        return InWriteTransaction(bucket, quota, (c, id) =>
        {
            var matches = Keys.SwapMatches(ReadValue(c, id, key), expected);
            if (matches) c[Upsert].Bind(1, id).Bind(2, key).BindBlob(3, copy).Run();
            return matches;
        });
    }

    /// <summary>A read-modify-write of one bucket in one write transaction, committed only if its owner stays within <paramref name="quota"/>.</summary>
    private T InWriteTransaction<T>(BucketId bucket, Quota quota, Func<SqliteConnectionSlot, long, T> body)
    {
        using var lease = Rent();
        var c = lease.Connection;
        var id = BucketRow(c, bucket, true)!.Value;
        using var tx = SqliteTransaction.Write(c);
        var before = quota.IsUnlimited ? default : Usage(c, bucket.Chain, bucket.Owner);
        var result = body(c, id);
        if (!quota.IsUnlimited) CheckQuota(c, bucket.Chain, bucket.Owner, before, quota);
        tx.Commit();
        return result;
    }

    public override byte[]?[] GetMany(BucketId bucket, IReadOnlyList<string> keys)
    {
        var result = new byte[]?[keys.Count];
        using var lease = Rent();
        var c = lease.Connection;
        if (BucketRow(c, bucket, false) is not { } id) return result;
        // One read transaction, so the values come from one snapshot.
        using var read = SqliteTransaction.Read(c);
        for (var i = 0; i < keys.Count; i++) result[i] = ReadValue(c, id, keys[i]);
        return result;
    }

    public override void Apply(IReadOnlyList<Write> writes, Quota quota)
    {
        if (writes.Count == 0) return;
        using var lease = Rent();
        var c = lease.Connection;
        var ids = new Dictionary<BucketId, long>();
        foreach (var w in writes)
            if (!ids.ContainsKey(w.Bucket)) ids[w.Bucket] = BucketRow(c, w.Bucket, true)!.Value;
        var owners = writes.Select(w => (w.Bucket.Chain, w.Bucket.Owner)).Distinct().ToList();
        using var tx = SqliteTransaction.Write(c);
        var before = quota.IsUnlimited ? null : owners.Select(o => Usage(c, o.Chain, o.Owner)).ToList();
        foreach (var w in writes) Put(c, ids[w.Bucket], w);
        if (before is not null)
            for (var i = 0; i < owners.Count; i++) CheckQuota(c, owners[i].Chain, owners[i].Owner, before[i], quota);
        tx.Commit();
    }

    public override bool AppliesAllAtomically => true;

    /// <summary>
    /// One write transaction for every batch: all or nothing, quotas checked on the final state. Bucket rows made inside
    /// it are remembered only once it commits, so no other writer ever uses the id of a row a rollback took away.
    /// </summary>
    public override void ApplyAll(IEnumerable<IReadOnlyList<Write>> batches, Quota quota)
    {
        using var lease = Rent();
        var c = lease.Connection;
        var made = new Dictionary<BucketId, long>();
        using (var tx = SqliteTransaction.Write(c))
        {
            var before = new Dictionary<(string Chain, string Owner), (long Bytes, long Items)>();
            foreach (var writes in batches)
            {
                foreach (var w in writes)
                {
                    var id = BucketRowInTransaction(c, w.Bucket, made);
                    var owner = (w.Bucket.Chain, w.Bucket.Owner);
                    if (!quota.IsUnlimited && !before.ContainsKey(owner)) before[owner] = Usage(c, owner.Chain, owner.Owner);
                    Put(c, id, w);
                }
            }
            foreach (var ((chain, owner), usage) in before) CheckQuota(c, chain, owner, usage, quota);
            tx.Commit();
        }
        foreach (var (bucket, id) in made) _bucketIds[bucket] = id;
    }

    /// <summary>Applies one write (a set, or a delete when its value is null) to the bucket row <paramref name="bucketId"/>.</summary>
    private static void Put(SqliteConnectionSlot c, long bucketId, Write w)
    {
        if (w.Value is null) c[DeleteRecord].Bind(1, bucketId).Bind(2, w.Key).Run();
        else c[Upsert].Bind(1, bucketId).Bind(2, w.Key).BindBlob(3, w.Value).Run();
    }

    private static (long Bytes, long Items) Usage(SqliteConnectionSlot c, string chain, string owner)
    {
        using var s = c[OwnerUsage];
        s.Bind(1, chain).Bind(2, owner);
        s.Step();
        return (s.Int64(0), s.Int64(1));
    }

    private static void CheckQuota(SqliteConnectionSlot c, string chain, string owner, (long Bytes, long Items) before, Quota quota)
    {
        var after = Usage(c, chain, owner);
        quota.Check(chain, owner, after.Bytes, after.Items, after.Bytes - before.Bytes, after.Items - before.Items);
    }

    public override UsageEntry GetOwnerUsage(string chain, string owner)
    {
        using var lease = Rent();
        var (bytes, items) = Usage(lease.Connection, chain, owner);
        return new UsageEntry(owner, items, bytes);
    }

    public override IReadOnlyList<UsageEntry> ListChains() =>
        Query("SELECT chain, sum(items), sum(bytes) FROM buckets WHERE items > 0 GROUP BY chain ORDER BY chain", _ => { },
            s => new UsageEntry(s.Text(0), s.Int64(1), s.Int64(2)));

    public override IReadOnlyList<UsageEntry> ListServices(string chain) =>
        Query("SELECT service, sum(items), sum(bytes) FROM buckets WHERE chain = ?1 AND items > 0 GROUP BY service ORDER BY service",
            s => s.Bind(1, chain), s => new UsageEntry(s.Text(0), s.Int64(1), s.Int64(2)));

    public override IReadOnlyList<(BucketId Bucket, UsageEntry Usage)> ListBuckets(string chain, string service) =>
        Query("SELECT bucket, mode, items, bytes FROM buckets WHERE chain = ?1 AND service = ?2 AND items > 0 ORDER BY bucket, mode",
            s => s.Bind(1, chain).Bind(2, service),
            s => (new BucketId(chain, (DbMode)s.Int64(1), service, s.Text(0)), new UsageEntry(s.Text(0), s.Int64(2), s.Int64(3))));

    private List<T> Query<T>(string sql, Action<Statement> bind, Func<Statement, T> read)
    {
        using var lease = Rent();
        using var s = lease.Connection[sql];
        bind(s);
        var list = new List<T>();
        while (s.Step()) list.Add(read(s));
        return list;
    }

    public override long Clear(string chain, string? service)
    {
        using var lease = Rent();
        var c = lease.Connection;
        // Bucket rows stay (other processes cache their ids); their totals drop to zero.
        var s = service is null
            ? c["DELETE FROM records WHERE bucket_id IN (SELECT id FROM buckets WHERE chain = ?1)"].Bind(1, chain)
            : c["DELETE FROM records WHERE bucket_id IN (SELECT id FROM buckets WHERE chain = ?1 AND service = ?2)"].Bind(1, chain).Bind(2, service);
        s.Run();
        return SQLitePCL.raw.sqlite3_changes(c.Db);
    }

    public override TurnMode ClaimTurnMode(string chain, string owner, TurnMode proposed)
    {
        // Read first: once a mode is recorded, every later claim is a read, not a write waiting for the file's lock.
        if (GetTurnMode(chain, owner) is { } recorded) return recorded;
        using var lease = Rent();
        var c = lease.Connection;
        // One statement: the first process to claim records its mode, every later one reads it back.
        using var s = c["""
            INSERT INTO turn_modes(chain, owner, mode) VALUES(?1, ?2, ?3)
            ON CONFLICT(chain, owner) DO UPDATE SET mode = mode RETURNING mode
            """].Bind(1, chain).Bind(2, owner).Bind(3, (long)proposed);
        s.Step();
        return ModeAt(s.Int64(0), chain, owner);
    }

    public override TurnMode? GetTurnMode(string chain, string owner) =>
        Query("SELECT mode FROM turn_modes WHERE chain = ?1 AND owner = ?2", s => s.Bind(1, chain).Bind(2, owner), s => ModeAt(s.Int64(0), chain, owner))
            is [var mode] ? mode : null;

    private TurnMode ModeAt(long stored, string chain, string owner) =>
        ParseTurnMode(stored.ToString(System.Globalization.CultureInfo.InvariantCulture), $"\"{Path}\" (turn_modes, chain \"{chain}\", owner \"{owner}\")");

    public override void SetTurnMode(string chain, string owner, TurnMode? mode)
    {
        using var lease = Rent();
        var c = lease.Connection;
        using var s = mode is { } m
            ? c["INSERT INTO turn_modes(chain, owner, mode) VALUES(?1, ?2, ?3) ON CONFLICT(chain, owner) DO UPDATE SET mode = excluded.mode"]
                .Bind(1, chain).Bind(2, owner).Bind(3, (long)m)
            : c["DELETE FROM turn_modes WHERE chain = ?1 AND owner = ?2"].Bind(1, chain).Bind(2, owner);
        s.Run();
    }

    public override IEnumerable<StoredRecord> Scan(string? chain, string? service)
    {
        ThrowIfDisposed();
        // A connection of its own: the read transaction stays open while the caller consumes rows.
        using var c = new SqliteConnectionSlot(Path, _options);
        using var s = c["""
            SELECT b.chain, b.mode, b.service, b.bucket, r.key, r.value
            FROM buckets b JOIN records r ON r.bucket_id = b.id
            WHERE (?1 IS NULL OR b.chain = ?1) AND (?2 IS NULL OR b.service = ?2)
            ORDER BY b.id, r.key
            """];
        if (chain is not null) s.Bind(1, chain);
        if (service is not null) s.Bind(2, service);
        while (s.Step())
            yield return new StoredRecord(new BucketId(s.Text(0), (DbMode)s.Int64(1), s.Text(2), s.Text(3)), s.Text(4), s.Blob(5).ToArray());
    }

    /// <summary>Operations on one file share one turn table in this process, whichever object opened it.</summary>
    public override string TurnScope => _turnScope ??= "sqlite:" + Path;

    private string? _turnScope;

    public override TurnLock? LockTurn(string chain, string owner, DateTime deadline, CancellationToken cancellation) =>
        _turnFiles.Take(chain, owner, deadline, cancellation);

    protected override void Dispose(bool disposing)
    {
        _turnFiles.Dispose();
        _pool.Dispose();
    }
}
