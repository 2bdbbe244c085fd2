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

    public override IReadOnlyList<UsageEntry> ListServices(string chain)
    {
        Names.ValidateChain(chain);
        return Backend.ListServices(chain);
    }

    public override IReadOnlyList<(BucketId Bucket, UsageEntry Usage)> ListBuckets(string chain, string service)
    {
        Names.ValidateChain(chain);
        Names.ValidateService(service);
        return Backend.ListBuckets(chain, service);
    }

    public override long Clear(string chain, string? service = null)
    {
        Names.ValidateChain(chain);
        if (service is not null) Names.ValidateService(service);
        return Backend.Clear(chain, service);
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_ownsBackend) Backend.Dispose();
    }
}
