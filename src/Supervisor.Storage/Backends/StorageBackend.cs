using System.Collections.Concurrent;

namespace Supervisor.Storage.Backends;

/// <summary>
/// The raw backend contract: records addressed by structured ids, with atomic increment,
/// compare-and-swap and batches, and quotas enforced atomically with each write. Callers
/// (the store) have validated names, keys, values and page sizes before calling.
/// Implementations are safe for many threads; persistent ones for many processes too.
/// </summary>
public abstract class StorageBackend : IDisposable
{
    private int _disposed;

    /// <summary>The backend's type name (<c>sqlite</c>, <c>memory</c>, <c>redis</c>).</summary>
    public abstract string TypeName { get; }

    /// <summary>True when records survive the process (the backend may serve persistent buckets).</summary>
    public abstract bool IsPersistent { get; }

    /// <summary>
    /// A warning for the user when others than the store's owner can reach its private records (a store file
    /// readable by other local users); null when nothing is known to be wrong.
    /// </summary>
    public virtual string? AccessWarning => null;

    /// <summary>The value of <paramref name="key"/>, or null when absent.</summary>
    public abstract byte[]? Get(BucketId bucket, string key);

    /// <summary>True when <paramref name="key"/> exists.</summary>
    public abstract bool Exists(BucketId bucket, string key);

    /// <summary>Creates or replaces a record, refusing a write that breaks <paramref name="quota"/>.</summary>
    public abstract void Set(BucketId bucket, string key, ReadOnlySpan<byte> value, Quota quota);

    /// <summary>Removes a record; true when it existed.</summary>
    public abstract bool Delete(BucketId bucket, string key);

    /// <summary>Up to <paramref name="limit"/> keys greater than <paramref name="after"/> (null: from the start), in UTF-8 byte order.</summary>
    public abstract IReadOnlyList<string> ListKeys(BucketId bucket, string? after, int limit);

    /// <summary>Atomically adds <paramref name="delta"/> to a decimal counter (absent is 0) and returns the new value.</summary>
    public abstract long Increment(BucketId bucket, string key, long delta, Quota quota);

    /// <summary>
    /// Atomically sets <paramref name="key"/> to <paramref name="value"/> if its current value equals
    /// <paramref name="expected"/> (null: the key must be absent). Returns whether it swapped.
    /// </summary>
    public abstract bool CompareAndSwap(BucketId bucket, string key, byte[]? expected, ReadOnlySpan<byte> value, Quota quota);

    /// <summary>The values of <paramref name="keys"/>, null for each absent one, read consistently.</summary>
    public abstract byte[]?[] GetMany(BucketId bucket, IReadOnlyList<string> keys);

    /// <summary>Applies every write atomically (all or none), checking quotas on the final state.</summary>
    public abstract void Apply(IReadOnlyList<Write> writes, Quota quota);

    /// <summary>True when <see cref="ApplyAll"/> applies all its batches as one atomic change.</summary>
    public virtual bool AppliesAllAtomically => false;

    /// <summary>
    /// Applies batches of writes (an import's), as one atomic change where the backend can
    /// (<see cref="AppliesAllAtomically"/>); otherwise each batch is atomic on its own and a failure leaves the batches
    /// before it written. Returns after the last batch; <paramref name="batches"/> is read once, as it streams.
    /// </summary>
    public virtual void ApplyAll(IEnumerable<IReadOnlyList<Write>> batches, Quota quota)
    {
        long written = 0;
        foreach (var batch in batches)
        {
            try
            {
                Apply(batch, quota);
            }
            catch (StorageException e) when (written > 0)
            {
                throw new StorageException(e.Code,
                    $"{e.Message}; {written} records were written before it, in batches that each applied whole (the {TypeName} backend cannot make them one change)", e);
            }
            written += batch.Count;
        }
    }

    /// <summary>Usage charged to <paramref name="owner"/> on <paramref name="chain"/>.</summary>
    public abstract UsageEntry GetOwnerUsage(string chain, string owner);

    /// <summary>Chains that hold records, with totals.</summary>
    public abstract IReadOnlyList<UsageEntry> ListChains();

    /// <summary>Services of <paramref name="chain"/> that hold records, with totals.</summary>
    public abstract IReadOnlyList<UsageEntry> ListServices(string chain);

    /// <summary>Buckets of a service that hold records, with totals.</summary>
    public abstract IReadOnlyList<(BucketId Bucket, UsageEntry Usage)> ListBuckets(string chain, string service);

    /// <summary>Removes every record of <paramref name="chain"/>, or only <paramref name="service"/>'s; returns how many.</summary>
    public abstract long Clear(string chain, string? service);

    /// <summary>Streams records (for export), optionally of one chain and service, without holding them all in memory.</summary>
    public abstract IEnumerable<StoredRecord> Scan(string? chain, string? service);

    /// <summary>
    /// The store's identity for turns: operations of one process on stores with the same scope share one turn table.
    /// A backend whose data other backend objects can reach (a file, a server) names it; the default is this object alone.
    /// </summary>
    public virtual string TurnScope => _turnScope;

    private readonly string _turnScope = $"instance:{Guid.NewGuid():N}";

    /// <summary>This store's turn table in this process, found once.</summary>
    internal TurnTable? Turns { get; set; }

    /// <summary>
    /// Takes the turn of <paramref name="owner"/>'s records on <paramref name="chain"/> against other processes sharing the
    /// store, waiting until <paramref name="deadline"/> (UTC); threads of one process are serialized before this is asked
    /// (<see cref="TurnHolder"/>). Null when no other process can reach the store (the default).
    /// </summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.DeadlinePassed"/> naming the owner waited for.</exception>
    public virtual TurnLock? LockTurn(string chain, string owner, DateTime deadline, CancellationToken cancellation) => null;

    private readonly ConcurrentDictionary<(string Chain, string Owner), TurnMode> _turnModes = new();

    /// <summary>
    /// The turn mode recorded for <paramref name="owner"/>'s records on <paramref name="chain"/>; when none is, records
    /// <paramref name="proposed"/> first, atomically against every process sharing the store. Returns the mode recorded.
    /// The default keeps it in this object, for backends no other process can reach.
    /// </summary>
    public virtual TurnMode ClaimTurnMode(string chain, string owner, TurnMode proposed) => _turnModes.GetOrAdd((chain, owner), proposed);

    /// <summary>The turn mode recorded for <paramref name="owner"/>'s records on <paramref name="chain"/>, or null while none is.</summary>
    public virtual TurnMode? GetTurnMode(string chain, string owner) => _turnModes.TryGetValue((chain, owner), out var mode) ? mode : null;

    /// <summary>A turn mode as a backend stores it (<c>serialized</c>, <c>concurrent</c>, or their numbers), checked.</summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.StoreCorrupt"/>: anything else, named with where it was read.</exception>
    protected static TurnMode ParseTurnMode(string stored, string where) => stored switch
    {
        "serialized" or "0" => TurnMode.Serialized,
        "concurrent" or "1" => TurnMode.Concurrent,
        _ => throw new StorageException(StorageErrorCode.StoreCorrupt,
            $"the turn mode recorded at {where} is \"{(stored.Length > 40 ? stored[..40] + "..." : stored)}\", neither serialized nor concurrent; record one with `supervisor storage turn-mode`"),
    };

    /// <summary>Records <paramref name="mode"/> for <paramref name="owner"/>'s records on <paramref name="chain"/>, replacing any; null forgets it.</summary>
    public virtual void SetTurnMode(string chain, string owner, TurnMode? mode)
    {
        if (mode is { } m) _turnModes[(chain, owner)] = m;
        else _turnModes.TryRemove((chain, owner), out _);
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> after <see cref="Dispose()"/>.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources once.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
