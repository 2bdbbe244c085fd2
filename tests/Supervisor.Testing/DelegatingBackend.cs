using Supervisor.Storage;
using Supervisor.Storage.Backends;

namespace Supervisor.Testing;

/// <summary>
/// A backend that hands every record operation to <paramref name="inner"/> (which it owns), for tests that break or
/// watch one part of the backend contract and keep the rest real. Turn modes, turn locks and the turn scope keep the
/// base class's defaults (this object alone) unless a subclass overrides them.
/// </summary>
public class DelegatingBackend(StorageBackend inner) : StorageBackend
{
    /// <summary>The backend the records live in.</summary>
    protected StorageBackend Inner { get; } = inner;

    public override string TypeName => "delegating";
    public override bool IsPersistent => Inner.IsPersistent;
    public override byte[]? Get(BucketId bucket, string key) => Inner.Get(bucket, key);
    public override bool Exists(BucketId bucket, string key) => Inner.Exists(bucket, key);
    public override void Set(BucketId bucket, string key, ReadOnlySpan<byte> value, Quota quota) => Inner.Set(bucket, key, value, quota);
    public override bool Delete(BucketId bucket, string key) => Inner.Delete(bucket, key);
    public override IReadOnlyList<string> ListKeys(BucketId bucket, string? after, int limit) => Inner.ListKeys(bucket, after, limit);
    public override long Increment(BucketId bucket, string key, long delta, Quota quota) => Inner.Increment(bucket, key, delta, quota);
    public override bool CompareAndSwap(BucketId bucket, string key, byte[]? expected, ReadOnlySpan<byte> value, Quota quota) => Inner.CompareAndSwap(bucket, key, expected, value, quota);
    public override byte[]?[] GetMany(BucketId bucket, IReadOnlyList<string> keys) => Inner.GetMany(bucket, keys);
    public override void Apply(IReadOnlyList<Write> writes, Quota quota) => Inner.Apply(writes, quota);
    public override UsageEntry GetOwnerUsage(string chain, string owner) => Inner.GetOwnerUsage(chain, owner);
    public override IReadOnlyList<UsageEntry> ListChains() => Inner.ListChains();
    public override IReadOnlyList<UsageEntry> ListServices(string chain) => Inner.ListServices(chain);
    public override IReadOnlyList<(BucketId Bucket, UsageEntry Usage)> ListBuckets(string chain, string service) => Inner.ListBuckets(chain, service);
    public override long Clear(string chain, string? service) => Inner.Clear(chain, service);
    public override IEnumerable<StoredRecord> Scan(string? chain, string? service) => Inner.Scan(chain, service);

    protected override void Dispose(bool disposing)
    {
        if (disposing) Inner.Dispose();
        base.Dispose(disposing);
    }
}
