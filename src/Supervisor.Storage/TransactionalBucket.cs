namespace Supervisor.Storage;

/// <summary>
/// A transactional bucket: writes wait in the operation (null for a delete) until it commits, and the bucket's own
/// reads see them over the backend's records.
/// </summary>
internal sealed class TransactionalBucket(StoreOperation op, BucketId id, StorageDuration duration) : StoreBucket(op, id, duration)
{
    /// <summary>The pending write for a key: (true, value-or-null-for-deleted) or (false, _) when none.</summary>
    private (bool Found, byte[]? Value) PendingFor(string key) =>
        Operation.Pending(Duration, Id) is { } p && p.TryGetValue(key, out var v) ? (true, v) : (false, null);

    protected override byte[]? Read(string key)
    {
        var (found, value) = PendingFor(key);
        return found ? value : Backend.Get(Id, key);
    }

    protected override bool Contains(string key)
    {
        var (found, value) = PendingFor(key);
        return found ? value is not null : Backend.Exists(Id, key);
    }

    protected override void Put(string key, ReadOnlySpan<byte> value) => Operation.Buffer(Duration, Id, key, value.ToArray());

    protected override bool Remove(string key)
    {
        var existed = Contains(key);
        Operation.Buffer(Duration, Id, key, null);
        return existed;
    }

    protected override List<string> KeysAfter(string? after, int count)
    {
        var pending = Operation.Pending(Duration, Id);
        return pending is null || pending.Count == 0
            ? Backend.ListKeys(Id, after, count).ToList()
            : Merge(after, pending).Take(count).ToList();
    }

    /// <summary>The backend's keys after <paramref name="after"/> merged in order with the pending writes (deletes left out).</summary>
    private IEnumerable<string> Merge(string? after, SortedDictionary<string, byte[]?> pending)
    {
        var order = Keys.Utf8Order;
        using var p = pending.Where(kv => after is null || order.Compare(kv.Key, after) > 0).GetEnumerator();
        var hasP = p.MoveNext();
        var from = after;
        while (true)
        {
            var chunk = Backend.ListKeys(Id, from, Keys.MaxPageSize);
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

    protected override long Add(string key, long delta)
    {
        var current = Read(key) is { } v ? Keys.ParseCounter(v, key) : 0;
        var next = Keys.AddCounter(current, delta, key);
        Operation.Buffer(Duration, Id, key, Keys.FormatCounter(next));
        return next;
    }

    protected override bool Swap(string key, byte[]? expected, ReadOnlySpan<byte> value)
    {
        var matches = Keys.SwapMatches(Read(key), expected);
        if (matches) Operation.Buffer(Duration, Id, key, value.ToArray());
        return matches;
    }

    protected override byte[]?[] ReadMany(IReadOnlyList<string> keys)
    {
        var result = Backend.GetMany(Id, keys);
        for (var i = 0; i < keys.Count; i++)
        {
            var (found, value) = PendingFor(keys[i]);
            if (found) result[i] = value;
        }
        return result;
    }

    protected override void PutMany(IReadOnlyList<KeyValuePair<string, byte[]>> records) =>
        Operation.Buffer(Duration, Id, records.Select(r => new KeyValuePair<string, byte[]?>(r.Key, r.Value.ToArray())).ToList());

    protected override void RemoveMany(IReadOnlyList<string> keys) =>
        Operation.Buffer(Duration, Id, keys.Select(k => new KeyValuePair<string, byte[]?>(k, null)).ToList());
}
