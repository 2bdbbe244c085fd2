using Supervisor.Storage.Backends;
using Supervisor.Storage.Backends.Memory;

namespace Supervisor.Storage;

internal sealed class StoreOperation : Operation
{
    private readonly Session _session;
    private MemoryBackend? _ephemeral;
    // Pending transactional writes per (duration, bucket); null values are deletes.
    private readonly Dictionary<(StorageDuration, BucketId), SortedDictionary<string, byte[]?>> _pending = new();
    private long _pendingBytes;
    private OperationState _state;

    public StoreOperation(Session session) => _session = session;

    public override OperationState State => _state;

    internal Store Store => _session.Store;

    public override Bucket OpenBucket(BucketId id, StorageDuration duration)
    {
        EnsureActive();
        if (duration is not (StorageDuration.Persistent or StorageDuration.Session or StorageDuration.Ephemeral))
            throw new StorageException(StorageErrorCode.InvalidArgument, $"duration {(int)duration} is not a storage-duration");
        if (id.Chain is null)
            throw new StorageException(StorageErrorCode.InvalidArgument, "bucket id is default; create it with its constructor");
        return new StoreBucket(this, id, duration);
    }

    internal void EnsureActive()
    {
        if (_state != OperationState.Active)
            throw new StorageException(StorageErrorCode.OperationEnded, $"the operation has already {(_state == OperationState.Committed ? "committed" : "failed")}");
    }

    internal StorageBackend BackendFor(StorageDuration duration) => duration switch
    {
        StorageDuration.Persistent => _session.Store.Backend,
        StorageDuration.Session => _session.Memory,
        _ => _ephemeral ??= new MemoryBackend(),
    };

    internal SortedDictionary<string, byte[]?>? Pending(StorageDuration duration, BucketId id) =>
        _pending.GetValueOrDefault((duration, id));

    internal void Buffer(StorageDuration duration, BucketId id, string key, byte[]? value) =>
        Buffer(duration, id, [new KeyValuePair<string, byte[]?>(key, value)]);

    /// <summary>Buffers transactional writes: all of them, or (when over the cap) none.</summary>
    internal void Buffer(StorageDuration duration, BucketId id, IReadOnlyList<KeyValuePair<string, byte[]?>> batch)
    {
        long size = 0;
        foreach (var (key, value) in batch) size += key.Length * 3L + (value?.Length ?? 0);
        // Bound what a plugin can pile up in host memory before commit.
        var cap = Store.Limits.QuotaBytes;
        if (cap > 0 && _pendingBytes + size > cap * 2)
            throw new StorageException(StorageErrorCode.QuotaExceeded,
                $"the operation would buffer {_pendingBytes + size} bytes of transactional writes; the limit is {cap * 2} (twice the byte quota)");
        if (!_pending.TryGetValue((duration, id), out var writes))
            _pending[(duration, id)] = writes = new SortedDictionary<string, byte[]?>(Keys.Utf8Order);
        _pendingBytes += size;
        foreach (var (key, value) in batch) writes[key] = value;
    }

    public override void Commit()
    {
        EnsureActive();
        try
        {
            // Ephemeral data ends with the operation, so its transactional writes need no commit.
            // Session writes are checked first and applied last under the session's lock, with the
            // persistent commit in between: either both apply or neither does.
            var persistent = WritesOf(StorageDuration.Persistent);
            var session = WritesOf(StorageDuration.Session);
            void CommitPersistent()
            {
                if (persistent.Count > 0) Store.Backend.Apply(persistent, Store.Quota);
            }
            if (session.Count > 0) _session.Memory.Apply(session, Store.Quota, CommitPersistent);
            else CommitPersistent();
            _state = OperationState.Committed;
        }
        catch
        {
            _state = OperationState.Failed;
            throw;
        }
        finally
        {
            End();
        }
    }

    private List<Write> WritesOf(StorageDuration duration) =>
        _pending.Where(p => p.Key.Item1 == duration).SelectMany(p => p.Value.Select(w => new Write(p.Key.Item2, w.Key, w.Value))).ToList();

    public override void Fail()
    {
        if (_state != OperationState.Active) return;
        _state = OperationState.Failed;
        End();
    }

    private void End()
    {
        _pending.Clear();
        _pendingBytes = 0;
        _ephemeral?.Dispose();
        _ephemeral = null;
    }

    public override void Dispose() => Fail();
}

internal sealed class StoreBucket : Bucket
{
    private readonly StoreOperation _op;
    private readonly StorageBackend _backend;
    private readonly bool _transactional;
    private readonly StorageLimits _limits;

    public StoreBucket(StoreOperation op, BucketId id, StorageDuration duration)
    {
        _op = op;
        Id = id;
        Duration = duration;
        _backend = op.BackendFor(duration);
        _transactional = id.Mode == DbMode.Transactional;
        _limits = op.Store.Limits;
    }

    public override BucketId Id { get; }

    public override StorageDuration Duration { get; }

    private void CheckKey(string key)
    {
        _op.EnsureActive();
        Keys.Validate(key, _limits.MaxKeyBytes);
    }

    private void CheckValue(string key, int length) => _limits.ValidateValueSize(key, length);

    private void CheckBatch(int count)
    {
        if (count > _limits.MaxBatchSize)
            throw new StorageException(StorageErrorCode.InvalidArgument, $"batch holds {count} keys; the limit is {_limits.MaxBatchSize}");
    }

    /// <summary>The pending write for a key: (true, value-or-null-for-deleted) or (false, _) when none.</summary>
    private (bool Found, byte[]? Value) PendingFor(string key)
    {
        if (!_transactional || _op.Pending(Duration, Id) is not { } p || !p.TryGetValue(key, out var v)) return (false, null);
        return (true, v);
    }

    public override byte[]? Get(string key)
    {
        CheckKey(key);
        var (found, value) = PendingFor(key);
        return found ? value : _backend.Get(Id, key);
    }

    public override bool Exists(string key)
    {
        CheckKey(key);
        var (found, value) = PendingFor(key);
        return found ? value is not null : _backend.Exists(Id, key);
    }

    public override void Set(string key, ReadOnlySpan<byte> value)
    {
        CheckKey(key);
        CheckValue(key, value.Length);
        if (_transactional) _op.Buffer(Duration, Id, key, value.ToArray());
        else _backend.Set(Id, key, value, _op.Store.Quota);
    }

    public override bool Delete(string key)
    {
        CheckKey(key);
        if (!_transactional) return _backend.Delete(Id, key);
        var existed = Exists(key);
        _op.Buffer(Duration, Id, key, null);
        return existed;
    }

    public override KeyPage ListKeys(byte[]? cursor = null, int pageSize = Keys.DefaultPageSize)
    {
        _op.EnsureActive();
        Keys.ValidatePageSize(pageSize);
        var after = Keys.ParseCursor(cursor, cursor is null);
        var pending = _transactional ? _op.Pending(Duration, Id) : null;
        // One key more than the page tells whether another page follows.
        var keys = pending is null || pending.Count == 0
            ? _backend.ListKeys(Id, after, pageSize + 1).ToList()
            : Merge(after, pending).Take(pageSize + 1).ToList();
        if (keys.Count <= pageSize) return new KeyPage(keys, null);
        keys.RemoveAt(keys.Count - 1);
        return new KeyPage(keys, Keys.CursorAfter(keys[^1]));
    }

    private IEnumerable<string> Merge(string? after, SortedDictionary<string, byte[]?> pending)
    {
        var order = Keys.Utf8Order;
        using var p = pending.Where(kv => after is null || order.Compare(kv.Key, after) > 0).GetEnumerator();
        var hasP = p.MoveNext();
        var from = after;
        while (true)
        {
            var chunk = _backend.ListKeys(Id, from, Keys.MaxPageSize);
            foreach (var k in chunk)
            {
                while (hasP && order.Compare(p.Current.Key, k) < 0)
                {
                    if (p.Current.Value is not null) yield return p.Current.Key;
                    hasP = p.MoveNext();
                }
                if (hasP && p.Current.Key == k)
                {
                    if (p.Current.Value is not null) yield return k;
                    hasP = p.MoveNext();
                }
                else
                {
                    yield return k;
                }
            }
            if (chunk.Count < Keys.MaxPageSize) break;
            from = chunk[^1];
        }
        for (; hasP; hasP = p.MoveNext())
            if (p.Current.Value is not null) yield return p.Current.Key;
    }

    public override long Increment(string key, long delta)
    {
        CheckKey(key);
        if (!_transactional) return _backend.Increment(Id, key, delta, _op.Store.Quota);
        var current = Get(key) is { } v ? Keys.ParseCounter(v, key) : 0;
        var next = Keys.AddCounter(current, delta, key);
        _op.Buffer(Duration, Id, key, Keys.FormatCounter(next));
        return next;
    }

    public override bool CompareAndSwap(string key, byte[]? expected, ReadOnlySpan<byte> value)
    {
        CheckKey(key);
        CheckValue(key, value.Length);
        if (!_transactional) return _backend.CompareAndSwap(Id, key, expected, value, _op.Store.Quota);
        var current = Get(key);
        var matches = expected is null ? current is null : current is not null && current.AsSpan().SequenceEqual(expected);
        if (matches) _op.Buffer(Duration, Id, key, value.ToArray());
        return matches;
    }

    public override byte[]?[] GetMany(IReadOnlyList<string> keys)
    {
        _op.EnsureActive();
        CheckBatch(keys.Count);
        foreach (var k in keys) Keys.Validate(k, _limits.MaxKeyBytes);
        var result = _backend.GetMany(Id, keys);
        if (_transactional)
        {
            for (var i = 0; i < keys.Count; i++)
            {
                var (found, value) = PendingFor(keys[i]);
                if (found) result[i] = value;
            }
        }
        return result;
    }

    public override void SetMany(IReadOnlyList<KeyValuePair<string, byte[]>> records)
    {
        _op.EnsureActive();
        CheckBatch(records.Count);
        foreach (var (k, v) in records)
        {
            Keys.Validate(k, _limits.MaxKeyBytes);
            ArgumentNullException.ThrowIfNull(v);
            CheckValue(k, v.Length);
        }
        if (_transactional)
        {
            _op.Buffer(Duration, Id, records.Select(r => new KeyValuePair<string, byte[]?>(r.Key, r.Value.ToArray())).ToList());
            return;
        }
        _backend.Apply(records.Select(r => new Write(Id, r.Key, r.Value)).ToList(), _op.Store.Quota);
    }

    public override void DeleteMany(IReadOnlyList<string> keys)
    {
        _op.EnsureActive();
        CheckBatch(keys.Count);
        foreach (var k in keys) Keys.Validate(k, _limits.MaxKeyBytes);
        if (_transactional)
        {
            _op.Buffer(Duration, Id, keys.Select(k => new KeyValuePair<string, byte[]?>(k, null)).ToList());
            return;
        }
        _backend.Apply(keys.Select(k => new Write(Id, k, null)).ToList(), _op.Store.Quota);
    }
}
