using Supervisor.Storage.Backends;
using Supervisor.Storage.Backends.Memory;

namespace Supervisor.Storage;

/// <summary>
/// The storage engine of one supervisor domain: resolves buckets to backends by duration,
/// applies limits and quotas, and runs operations. Safe for many threads.
/// </summary>
public abstract class KeyValueStore : IDisposable
{
    /// <summary>Opens the store that <paramref name="options"/> describe (the domain's SQLite file by default).</summary>
    public static KeyValueStore Create(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var backend = options.Registry.Create(options);
        return new Store(backend, options.Limits.Clone(), ownsBackend: true);
    }

    /// <summary>A store over an existing persistent backend, which the caller keeps and disposes.</summary>
    public static KeyValueStore Create(StorageBackend backend, StorageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return new Store(backend, (limits ?? new StorageLimits()).Clone(), ownsBackend: false);
    }

    /// <summary>The backend holding persistent records.</summary>
    public abstract StorageBackend Backend { get; }

    /// <summary>The limits in force (a copy taken at creation).</summary>
    public abstract StorageLimits Limits { get; }

    /// <summary>Starts a session: its session-duration buckets live until it is disposed.</summary>
    public abstract StorageSession OpenSession();

    /// <summary>
    /// A holder of turns for one operation named <paramref name="name"/> in errors: at most one operation at a time runs
    /// under a given owner's turn on this store, in this process and in every process sharing the store. Another
    /// operation may take the turns of one that held them longer than <paramref name="maxHold"/>.
    /// </summary>
    public TurnHolder NewTurnHolder(string name, TimeSpan maxHold) => new(Backend, name, maxHold);

    /// <summary>Persistent usage charged to <paramref name="service"/> on <paramref name="chain"/> (including what <c>clientdata</c> keeps for it).</summary>
    public abstract UsageEntry GetUsage(string chain, string service);

    /// <summary>Chains with persistent records.</summary>
    public abstract IReadOnlyList<UsageEntry> ListChains();

    /// <summary>Services of a chain with persistent records.</summary>
    public abstract IReadOnlyList<UsageEntry> ListServices(string chain);

    /// <summary>Buckets of a service with persistent records.</summary>
    public abstract IReadOnlyList<(BucketId Bucket, UsageEntry Usage)> ListBuckets(string chain, string service);

    /// <summary>Deletes every persistent record of a chain, or of one service in it; returns how many.</summary>
    public abstract long Clear(string chain, string? service = null);

    /// <inheritdoc />
    public abstract void Dispose();
}

/// <summary>One session: one <c>Supervisor</c>. Holds session-duration data in memory until disposed.</summary>
public abstract class StorageSession : IDisposable
{
    /// <summary>Begins an operation: one outermost call, or several an app groups.</summary>
    public abstract Operation BeginOperation();

    /// <inheritdoc />
    public abstract void Dispose();
}

/// <summary>How an operation ended.</summary>
public enum OperationState
{
    /// <summary>Still running.</summary>
    Active,
    /// <summary>Succeeded; transactional writes were committed.</summary>
    Committed,
    /// <summary>Failed; transactional and ephemeral writes were dropped.</summary>
    Failed,
}

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

/// <summary>A bucket's records, seen through one operation. Keys are strings; values are bytes.</summary>
public abstract class Bucket
{
    /// <summary>Chain, mode, service and name.</summary>
    public abstract BucketId Id { get; }

    /// <summary>Persistent, session or ephemeral.</summary>
    public abstract StorageDuration Duration { get; }

    /// <summary>The value, or null when absent.</summary>
    public abstract byte[]? Get(string key);

    /// <summary>True when the key exists.</summary>
    public abstract bool Exists(string key);

    /// <summary>Creates or replaces a record.</summary>
    public abstract void Set(string key, ReadOnlySpan<byte> value);

    /// <summary>Removes a record; true when it existed.</summary>
    public abstract bool Delete(string key);

    /// <summary>A page of keys in UTF-8 byte order after <paramref name="cursor"/> (null: from the start).</summary>
    public abstract KeyPage ListKeys(byte[]? cursor = null, int pageSize = Keys.DefaultPageSize);

    /// <summary>Adds <paramref name="delta"/> to the decimal counter at <paramref name="key"/> (absent is 0); returns the new value.</summary>
    public abstract long Increment(string key, long delta);

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> only if it currently equals <paramref name="expected"/> (null: absent).</summary>
    public abstract bool CompareAndSwap(string key, byte[]? expected, ReadOnlySpan<byte> value);

    /// <summary>The values of several keys (null for absent ones).</summary>
    public abstract byte[]?[] GetMany(IReadOnlyList<string> keys);

    /// <summary>Sets several records atomically.</summary>
    public abstract void SetMany(IReadOnlyList<KeyValuePair<string, byte[]>> records);

    /// <summary>Deletes several records atomically.</summary>
    public abstract void DeleteMany(IReadOnlyList<string> keys);
}

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

internal sealed class Session : StorageSession
{
    private int _disposed;

    public Session(Store store)
    {
        Store = store;
        Memory = new MemoryBackend();
    }

    public Store Store { get; }

    public MemoryBackend Memory { get; }

    public override Operation BeginOperation()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new StoreOperation(this);
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Memory.Dispose();
    }
}
