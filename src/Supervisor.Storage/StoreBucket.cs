using Supervisor.Storage.Backends;

namespace Supervisor.Storage;

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
        var matches = Keys.SwapMatches(Get(key), expected);
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
