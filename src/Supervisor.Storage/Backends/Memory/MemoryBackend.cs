namespace Supervisor.Storage.Backends.Memory;

/// <summary>
/// Records in process memory: for session and ephemeral data and for tests not about
/// persistence. One lock keeps every operation atomic and quotas exact.
/// </summary>
internal sealed class MemoryBackend : StorageBackend
{
    private readonly Lock _gate = new();
    private readonly Dictionary<BucketId, BucketData> _buckets = new();
    private readonly Dictionary<(string Chain, string Owner), Totals> _owners = new();

    public override string TypeName => "memory";

    public override bool IsPersistent => false;

    public override byte[]? Get(BucketId bucket, string key)
    {
        ThrowIfDisposed();
        lock (_gate)
            return _buckets.TryGetValue(bucket, out var b) && b.Records.TryGetValue(key, out var v) ? v : null;
    }

    public override bool Exists(BucketId bucket, string key)
    {
        ThrowIfDisposed();
        lock (_gate)
            return _buckets.TryGetValue(bucket, out var b) && b.Records.ContainsKey(key);
    }

    public override void Set(BucketId bucket, string key, ReadOnlySpan<byte> value, Quota quota)
    {
        ThrowIfDisposed();
        var copy = value.ToArray();
        lock (_gate)
        {
            CheckQuota(bucket, [(key, copy)], quota);
            Put(bucket, key, copy);
        }
    }

    public override bool Delete(BucketId bucket, string key)
    {
        ThrowIfDisposed();
        lock (_gate)
            return Remove(bucket, key);
    }

    public override IReadOnlyList<string> ListKeys(BucketId bucket, string? after, int limit)
    {
        ThrowIfDisposed();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(bucket, out var b)) return [];
            var result = new List<string>(Math.Min(limit, b.Records.Count));
            // SortedDictionary has no seek; a view between bounds is O(log n) to start.
            IEnumerable<string> keys = b.Keys.Count == 0 ? [] : after is null ? b.Keys : ViewAfter(b, after);
            foreach (var k in keys)
            {
                if (result.Count == limit) break;
                result.Add(k);
            }
            return result;
        }
    }

    private static IEnumerable<string> ViewAfter(BucketData b, string after)
    {
        var max = b.Keys.Max!;
        if (Keys.Utf8Order.Compare(after, max) >= 0) return [];
        var view = b.Keys.GetViewBetween(after, max);
        return view.Count > 0 && view.Min == after ? view.Skip(1) : view;
    }

    public override long Increment(BucketId bucket, string key, long delta, Quota quota)
    {
        ThrowIfDisposed();
        lock (_gate)
        {
            var current = _buckets.TryGetValue(bucket, out var b) && b.Records.TryGetValue(key, out var v)
                ? Keys.ParseCounter(v, key) : 0;
            var next = Keys.AddCounter(current, delta, key);
            var bytes = Keys.FormatCounter(next);
            CheckQuota(bucket, [(key, bytes)], quota);
            Put(bucket, key, bytes);
            return next;
        }
    }

    public override bool CompareAndSwap(BucketId bucket, string key, byte[]? expected, ReadOnlySpan<byte> value, Quota quota)
    {
        ThrowIfDisposed();
        var copy = value.ToArray();
        lock (_gate)
        {
            var found = _buckets.TryGetValue(bucket, out var b) && b.Records.TryGetValue(key, out var current) ? current : null;
            if (!Keys.SwapMatches(found, expected)) return false;
            CheckQuota(bucket, [(key, copy)], quota);
            Put(bucket, key, copy);
            return true;
        }
    }

    public override byte[]?[] GetMany(BucketId bucket, IReadOnlyList<string> keys)
    {
        ThrowIfDisposed();
        var result = new byte[]?[keys.Count];
        lock (_gate)
        {
            if (!_buckets.TryGetValue(bucket, out var b)) return result;
            for (var i = 0; i < keys.Count; i++)
                result[i] = b.Records.TryGetValue(keys[i], out var v) ? v : null;
        }
        return result;
    }

    public override void Apply(IReadOnlyList<Write> writes, Quota quota) => Apply(writes, quota, null);

    public override bool AppliesAllAtomically => true;

    /// <summary>Everything is in memory already: the batches become one atomic <see cref="Apply(IReadOnlyList{Write}, Quota)"/>.</summary>
    public override void ApplyAll(IEnumerable<IReadOnlyList<Write>> batches, Quota quota) => Apply(batches.SelectMany(b => b).ToList(), quota, null);

    /// <summary>
    /// Applies <paramref name="writes"/> atomically; <paramref name="first"/> runs after the quota
    /// check and before the writes, under the same lock, so a commit spanning this backend and
    /// another either applies both or (if <paramref name="first"/> throws) neither.
    /// </summary>
    public void Apply(IReadOnlyList<Write> writes, Quota quota, Action? first)
    {
        ThrowIfDisposed();
        lock (_gate)
        {
            if (!quota.IsUnlimited)
            {
                // Net effect per owner of the whole batch, later writes to a key replacing earlier ones.
                var last = new Dictionary<(BucketId, string), byte[]?>();
                foreach (var w in writes) last[(w.Bucket, w.Key)] = w.Value;
                var deltas = new Dictionary<(string Chain, string Owner), (long Bytes, long Items)>();
                foreach (var ((bucket, key), value) in last)
                {
                    var (db, di) = Delta(bucket, key, value);
                    var id = (bucket.Chain, bucket.Owner);
                    deltas[id] = deltas.TryGetValue(id, out var d) ? (d.Bytes + db, d.Items + di) : (db, di);
                }
                foreach (var ((chain, owner), (db, di)) in deltas)
                {
                    var t = _owners.GetValueOrDefault((chain, owner));
                    quota.Check(chain, owner, t.Bytes + db, t.Items + di, db, di);
                }
            }
            first?.Invoke();
            foreach (var w in writes)
            {
                if (w.Value is null) Remove(w.Bucket, w.Key);
                else Put(w.Bucket, w.Key, w.Value);
            }
        }
    }

    public override UsageEntry GetOwnerUsage(string chain, string owner)
    {
        ThrowIfDisposed();
        lock (_gate)
        {
            var t = _owners.GetValueOrDefault((chain, owner));
            return new UsageEntry(owner, t.Items, t.Bytes);
        }
    }

    public override IReadOnlyList<UsageEntry> ListChains()
    {
        ThrowIfDisposed();
        lock (_gate)
            return Sum(_buckets.Where(b => b.Value.Records.Count > 0), b => b.Key.Chain);
    }

    public override IReadOnlyList<UsageEntry> ListServices(string chain)
    {
        ThrowIfDisposed();
        lock (_gate)
            return Sum(_buckets.Where(b => b.Key.Chain == chain && b.Value.Records.Count > 0), b => b.Key.Service);
    }

    public override IReadOnlyList<(BucketId Bucket, UsageEntry Usage)> ListBuckets(string chain, string service)
    {
        ThrowIfDisposed();
        lock (_gate)
        {
            return _buckets
                .Where(b => b.Key.Chain == chain && b.Key.Service == service && b.Value.Records.Count > 0)
                .OrderBy(b => b.Key.Bucket, StringComparer.Ordinal).ThenBy(b => b.Key.Mode)
                .Select(b => (b.Key, new UsageEntry(b.Key.Bucket, b.Value.Records.Count, b.Value.Bytes)))
                .ToList();
        }
    }

    public override long Clear(string chain, string? service)
    {
        ThrowIfDisposed();
        lock (_gate)
        {
            long removed = 0;
            foreach (var id in _buckets.Keys.Where(b => b.Chain == chain && (service is null || b.Service == service)).ToList())
            {
                foreach (var key in _buckets[id].Records.Keys.ToList())
                {
                    Remove(id, key);
                    removed++;
                }
                _buckets.Remove(id);
            }
            return removed;
        }
    }

    public override IEnumerable<StoredRecord> Scan(string? chain, string? service)
    {
        ThrowIfDisposed();
        List<StoredRecord> snapshot;
        lock (_gate)
        {
            snapshot = _buckets
                .Where(b => (chain is null || b.Key.Chain == chain) && (service is null || b.Key.Service == service))
                .OrderBy(b => b.Key.ToString(), StringComparer.Ordinal)
                .SelectMany(b => b.Value.Records.Select(r => new StoredRecord(b.Key, r.Key, r.Value)))
                .ToList();
        }
        return snapshot;
    }

    private static List<UsageEntry> Sum(IEnumerable<KeyValuePair<BucketId, BucketData>> buckets, Func<KeyValuePair<BucketId, BucketData>, string> by) =>
        buckets.GroupBy(by)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new UsageEntry(g.Key, g.Sum(b => (long)b.Value.Records.Count), g.Sum(b => b.Value.Bytes)))
            .ToList();

    private (long Bytes, long Items) Delta(BucketId bucket, string key, byte[]? value)
    {
        var old = _buckets.TryGetValue(bucket, out var b) && b.Records.TryGetValue(key, out var v) ? v : null;
        var keyBytes = Keys.Utf8Length(key);
        long before = old is null ? 0 : keyBytes + old.Length;
        long after = value is null ? 0 : keyBytes + value.Length;
        return (after - before, (value is null ? 0 : 1) - (old is null ? 0 : 1));
    }

    private void CheckQuota(BucketId bucket, ReadOnlySpan<(string Key, byte[] Value)> writes, Quota quota)
    {
        if (quota.IsUnlimited) return;
        long db = 0, di = 0;
        foreach (var (key, value) in writes)
        {
            var (b, i) = Delta(bucket, key, value);
            db += b;
            di += i;
        }
        var t = _owners.GetValueOrDefault((bucket.Chain, bucket.Owner));
        quota.Check(bucket.Chain, bucket.Owner, t.Bytes + db, t.Items + di, db, di);
    }

    private void Put(BucketId bucket, string key, byte[] value)
    {
        var (db, di) = Delta(bucket, key, value);
        if (!_buckets.TryGetValue(bucket, out var b)) _buckets[bucket] = b = new BucketData();
        if (di != 0) b.Keys.Add(key);
        b.Records[key] = value;
        b.Bytes += db;
        Charge(bucket, db, di);
    }

    private bool Remove(BucketId bucket, string key)
    {
        if (!_buckets.TryGetValue(bucket, out var b) || !b.Records.ContainsKey(key)) return false;
        var (db, di) = Delta(bucket, key, null);
        b.Records.Remove(key);
        b.Keys.Remove(key);
        b.Bytes += db;
        Charge(bucket, db, di);
        return true;
    }

    private void Charge(BucketId bucket, long db, long di)
    {
        var id = (bucket.Chain, bucket.Owner);
        var t = _owners.GetValueOrDefault(id);
        t = new Totals(t.Bytes + db, t.Items + di);
        if (t.Items == 0) _owners.Remove(id);
        else _owners[id] = t;
    }

    private readonly record struct Totals(long Bytes, long Items);

    private sealed class BucketData
    {
        // The dictionary serves point reads; the sorted set serves ordered listing from a key.
        public Dictionary<string, byte[]> Records { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Keys { get; } = new(Storage.Keys.Utf8Order);
        public long Bytes { get; set; }
    }
}
