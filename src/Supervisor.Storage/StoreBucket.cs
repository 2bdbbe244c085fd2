using Supervisor.Storage.Backends;

namespace Supervisor.Storage;

/// <summary>
/// A bucket seen through one operation. Every call is checked here against the operation's state and the store's
/// limits, then handed to the bucket's mode: <see cref="DirectBucket"/> writes through to the backend,
/// <see cref="TransactionalBucket"/> keeps writes in the operation until it commits.
/// </summary>
internal abstract class StoreBucket : Bucket
{
    private readonly StorageLimits _limits;

    protected StoreBucket(StoreOperation op, BucketId id, StorageDuration duration)
    {
        Operation = op;
        Id = id;
        Duration = duration;
        Backend = op.BackendFor(duration);
        _limits = op.Store.Limits;
    }

    /// <summary>The bucket for <paramref name="id"/>'s mode.</summary>
    public static StoreBucket Open(StoreOperation op, BucketId id, StorageDuration duration) =>
        id.Mode == DbMode.Transactional ? new TransactionalBucket(op, id, duration) : new DirectBucket(op, id, duration);

    public sealed override BucketId Id { get; }

    public sealed override StorageDuration Duration { get; }

    protected StoreOperation Operation { get; }

    /// <summary>The backend of the bucket's duration.</summary>
    protected StorageBackend Backend { get; }

    protected Quota Quota => Operation.Store.Quota;

    public sealed override byte[]? Get(string key)
    {
        CheckKey(key);
        return Read(key);
    }

    public sealed override bool Exists(string key)
    {
        CheckKey(key);
        return Contains(key);
    }

    public sealed override void Set(string key, ReadOnlySpan<byte> value)
    {
        CheckKey(key);
        _limits.ValidateValueSize(key, value.Length);
        Put(key, value);
    }

    public sealed override bool Delete(string key)
    {
        CheckKey(key);
        return Remove(key);
    }

    public sealed override KeyPage ListKeys(byte[]? cursor = null, int pageSize = Keys.DefaultPageSize)
    {
        Operation.EnsureActive();
        Keys.ValidatePageSize(pageSize);
        var after = Keys.ParseCursor(cursor, cursor is null);
        // One key more than the page tells whether another page follows.
        var keys = KeysAfter(after, pageSize + 1);
        if (keys.Count <= pageSize) return new KeyPage(keys, null);
        keys.RemoveAt(keys.Count - 1);
        return new KeyPage(keys, Keys.CursorAfter(keys[^1]));
    }

    public sealed override long Increment(string key, long delta)
    {
        CheckKey(key);
        return Add(key, delta);
    }

    public sealed override bool CompareAndSwap(string key, byte[]? expected, ReadOnlySpan<byte> value)
    {
        CheckKey(key);
        _limits.ValidateValueSize(key, value.Length);
        return Swap(key, expected, value);
    }

    public sealed override byte[]?[] GetMany(IReadOnlyList<string> keys)
    {
        CheckKeys(keys);
        return ReadMany(keys);
    }

    public sealed override void SetMany(IReadOnlyList<KeyValuePair<string, byte[]>> records)
    {
        Operation.EnsureActive();
        CheckBatch(records.Count);
        foreach (var (k, v) in records)
        {
            Keys.Validate(k, _limits.MaxKeyBytes);
            ArgumentNullException.ThrowIfNull(v);
            _limits.ValidateValueSize(k, v.Length);
        }
        PutMany(records);
    }

    public sealed override void DeleteMany(IReadOnlyList<string> keys)
    {
        CheckKeys(keys);
        RemoveMany(keys);
    }

    protected abstract byte[]? Read(string key);

    protected abstract bool Contains(string key);

    protected abstract void Put(string key, ReadOnlySpan<byte> value);

    protected abstract bool Remove(string key);

    /// <summary>Up to <paramref name="count"/> keys after <paramref name="after"/> (null: from the start), in UTF-8 byte order.</summary>
    protected abstract List<string> KeysAfter(string? after, int count);

    protected abstract long Add(string key, long delta);

    protected abstract bool Swap(string key, byte[]? expected, ReadOnlySpan<byte> value);

    protected abstract byte[]?[] ReadMany(IReadOnlyList<string> keys);

    protected abstract void PutMany(IReadOnlyList<KeyValuePair<string, byte[]>> records);

    protected abstract void RemoveMany(IReadOnlyList<string> keys);

    private void CheckKey(string key)
    {
        Operation.EnsureActive();
        Keys.Validate(key, _limits.MaxKeyBytes);
    }

    private void CheckKeys(IReadOnlyList<string> keys)
    {
        Operation.EnsureActive();
        CheckBatch(keys.Count);
        foreach (var k in keys) Keys.Validate(k, _limits.MaxKeyBytes);
    }

    private void CheckBatch(int count)
    {
        if (count > _limits.MaxBatchSize)
            throw new StorageException(StorageErrorCode.InvalidArgument, $"batch holds {count} keys; the limit is {_limits.MaxBatchSize}");
    }
}
