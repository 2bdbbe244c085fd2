using Supervisor.Storage.Backends;

namespace Supervisor.Storage;

internal sealed class Store : KeyValueStore
{
    private readonly bool _ownsBackend;
    private int _disposed;

    public Store(StorageBackend backend, StorageLimits limits, bool ownsBackend)
    {
        Backend = backend;
        Limits = limits;
        Quota = limits.Quota;
        _ownsBackend = ownsBackend;
    }

    public override StorageBackend Backend { get; }

    public override StorageLimits Limits { get; }

    internal Quota Quota { get; }

    public override StorageSession OpenSession()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new Session(this);
    }

    public override UsageEntry GetUsage(string chain, string service)
    {
        Names.ValidateChain(chain);
        Names.ValidateService(service);
        return Backend.GetOwnerUsage(chain, service);
    }

    public override IReadOnlyList<UsageEntry> ListChains() => Backend.ListChains();

    // PDP-ADMIN-3: a service's data is its own buckets and the buckets clientdata keeps for it (BucketId.Owner). The
    // backends store clientdata's records under the service clientdata, so every per-service view is composed here,
    // once, from the backend's per-service and per-bucket answers.

    public override IReadOnlyList<UsageEntry> ListServices(string chain)
    {
        Names.ValidateChain(chain);
        var owners = new SortedDictionary<string, UsageEntry>(StringComparer.Ordinal);
        void Add(string owner, UsageEntry usage) =>
            owners[owner] = owners.TryGetValue(owner, out var sum) ? sum with { Items = sum.Items + usage.Items, Bytes = sum.Bytes + usage.Bytes } : usage with { Name = owner };
        foreach (var service in Backend.ListServices(chain))
            if (service.Name != Names.ClientData) Add(service.Name, service);
        foreach (var (bucket, usage) in Backend.ListBuckets(chain, Names.ClientData)) Add(bucket.Owner, usage);
        return [.. owners.Values];
    }

    public override IReadOnlyList<(BucketId Bucket, UsageEntry Usage)> ListBuckets(string chain, string service)
    {
        Names.ValidateChain(chain);
        Names.ValidateService(service);
        return [.. OwnedBuckets(chain, service)];
    }

    /// <summary>The buckets whose records belong to <paramref name="service"/>: its own, then those clientdata keeps for it.</summary>
    private IEnumerable<(BucketId Bucket, UsageEntry Usage)> OwnedBuckets(string chain, string service)
    {
        foreach (var b in Backend.ListBuckets(chain, service))
            if (b.Bucket.Owner == service) yield return b;
        if (service == Names.ClientData) yield break;
        foreach (var b in Backend.ListBuckets(chain, Names.ClientData))
            if (b.Bucket.Owner == service) yield return b;
    }

    public override long Clear(string chain, string? service = null)
    {
        Names.ValidateChain(chain);
        if (service is not null) Names.ValidateService(service);
        // Plugins of the chain may be running operations on this data: wait for their turns (PDP-TURN-7).
        var owners = service is null ? ListServices(chain).Select(u => u.Name) : [service];
        using var turns = TakeAdminTurns($"storage clear of chain \"{chain}\"", owners.Select(o => (chain, o)));
        if (service is null) return Backend.Clear(chain, null);
        // A service other than clientdata owns every bucket under its name: the backend clears those at once.
        var cleared = service == Names.ClientData ? 0 : Backend.Clear(chain, service);
        foreach (var (bucket, _) in Backend.ListBuckets(chain, Names.ClientData))
            if (bucket.Owner == service) cleared += ClearBucket(bucket);
        return cleared;
    }

    /// <summary>Deletes every record of one bucket, a page of keys at a time; returns how many.</summary>
    private long ClearBucket(BucketId bucket)
    {
        long n = 0;
        while (Backend.ListKeys(bucket, null, Keys.MaxPageSize) is { Count: > 0 } keys)
        {
            // Deletes only lower usage: no quota to check.
            Backend.Apply([.. keys.Select(k => new Write(bucket, k, null))], Quota.Unlimited);
            n += keys.Count;
        }
        return n;
    }

    internal override IEnumerable<StoredRecord> Scan(string? chain, string? service)
    {
        if (chain is null || service is null) return Backend.Scan(chain, service);
        var own = Backend.Scan(chain, service).Where(r => r.Bucket.Owner == service);
        return service == Names.ClientData ? own : own.Concat(Backend.Scan(chain, Names.ClientData).Where(r => r.Bucket.Owner == service));
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_ownsBackend) Backend.Dispose();
    }
}
