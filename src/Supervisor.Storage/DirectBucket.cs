namespace Supervisor.Storage;

/// <summary>A non-transactional bucket: every write goes straight to the backend and is durable when the call returns.</summary>
internal sealed class DirectBucket(StoreOperation op, BucketId id, StorageDuration duration) : StoreBucket(op, id, duration)
{
    protected override byte[]? Read(string key) => Backend.Get(Id, key);

    protected override bool Contains(string key) => Backend.Exists(Id, key);

    protected override void Put(string key, ReadOnlySpan<byte> value) => Backend.Set(Id, key, value, Quota);

    protected override bool Remove(string key) => Backend.Delete(Id, key);

    protected override List<string> KeysAfter(string? after, int count) => Backend.ListKeys(Id, after, count).ToList();

    protected override long Add(string key, long delta) => Backend.Increment(Id, key, delta, Quota);

    protected override bool Swap(string key, byte[]? expected, ReadOnlySpan<byte> value) =>
        Backend.CompareAndSwap(Id, key, expected, value, Quota);

    protected override byte[]?[] ReadMany(IReadOnlyList<string> keys) => Backend.GetMany(Id, keys);

    protected override void PutMany(IReadOnlyList<KeyValuePair<string, byte[]>> records) =>
        Backend.Apply(records.Select(r => new Write(Id, r.Key, r.Value)).ToList(), Quota);

    protected override void RemoveMany(IReadOnlyList<string> keys) =>
        Backend.Apply(keys.Select(k => new Write(Id, k, null)).ToList(), Quota);
}
