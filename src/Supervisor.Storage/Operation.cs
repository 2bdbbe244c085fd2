namespace Supervisor.Storage;

/// <summary>
/// A unit of work: transactional writes are buffered (and visible to its own reads) until
/// <see cref="Commit"/> applies them atomically; <see cref="Fail"/> or disposal drops them.
/// Ephemeral buckets live as long as the operation. One operation is used by one thread at a time.
/// </summary>
public abstract class Operation : IDisposable
{
    /// <summary>Active, committed or failed.</summary>
    public abstract OperationState State { get; }

    /// <summary>A bucket for use within this operation.</summary>
    public abstract Bucket OpenBucket(BucketId id, StorageDuration duration);

    /// <summary>Validates the parts and opens the bucket.</summary>
    public Bucket OpenBucket(string chain, DbMode mode, StorageDuration duration, string service, string bucket) =>
        OpenBucket(new BucketId(chain, mode, service, bucket), duration);

    /// <summary>Commits the buffered transactional writes atomically; on failure nothing of them is applied and the operation is failed.</summary>
    public abstract void Commit();

    /// <summary>Drops the buffered transactional writes and the ephemeral data.</summary>
    public abstract void Fail();

    /// <summary>Fails the operation if it is still active.</summary>
    public abstract void Dispose();
}
