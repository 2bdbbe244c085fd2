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
        return StoreBucket.Open(this, id, duration);
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
