using Supervisor.Storage.Backends;

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

    /// <summary>How long an administrative write waits for a plugin operation to release an owner's turn.</summary>
    public static readonly TimeSpan AdminTurnWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Takes the turns of <paramref name="owners"/> (chain and owning service) for an administrative write named
    /// <paramref name="what"/> (PDP-TURN-7), in a fixed order, so it never interleaves with a plugin's operation on the
    /// same data; dispose the holder to release them. Waits at most <see cref="AdminTurnWait"/> for each.
    /// </summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.DeadlinePassed"/>: a plugin operation kept a turn past the wait.</exception>
    public TurnHolder TakeAdminTurns(string what, IEnumerable<(string Chain, string Owner)> owners)
    {
        ArgumentNullException.ThrowIfNull(owners);
        var holder = NewTurnHolder(what, TimeSpan.FromHours(1));
        try
        {
            var deadline = DateTime.UtcNow + AdminTurnWait;
            foreach (var (chain, owner) in owners.Distinct().Order()) holder.Enter(chain, owner, deadline);
            return holder;
        }
        catch
        {
            holder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The turn mode recorded in the store for <paramref name="service"/>'s plugin on <paramref name="chain"/>
    /// (PDP-TURN-8); when none is, records <paramref name="mode"/> first, atomically against every process sharing the
    /// store. Returns the mode recorded: a caller whose <paramref name="mode"/> differs must not run the plugin.
    /// </summary>
    /// <exception cref="StorageException">An invalid chain id or service name; the backend failed.</exception>
    public TurnMode ClaimTurnMode(string chain, string service, TurnMode mode)
    {
        ValidateOwner(chain, service);
        return Backend.ClaimTurnMode(chain, service, mode);
    }

    /// <summary>The turn mode recorded for <paramref name="service"/>'s plugin on <paramref name="chain"/>, or null while none is (PDP-TURN-8).</summary>
    /// <exception cref="StorageException">An invalid chain id or service name; the backend failed.</exception>
    public TurnMode? GetTurnMode(string chain, string service)
    {
        ValidateOwner(chain, service);
        return Backend.GetTurnMode(chain, service);
    }

    /// <summary>
    /// Records <paramref name="mode"/> for <paramref name="service"/>'s plugin on <paramref name="chain"/>, or forgets
    /// the record when null so the next process to call the plugin records its own (PDP-TURN-8). Takes the plugin's
    /// turn first (PDP-TURN-7). Processes already running keep the mode they checked: change it while none runs.
    /// </summary>
    /// <exception cref="StorageException">An invalid chain id or service name; the turn was held past the wait; the backend failed.</exception>
    public void SetTurnMode(string chain, string service, TurnMode? mode)
    {
        ValidateOwner(chain, service);
        using var turn = TakeAdminTurns($"setting the turn mode of \"{service}\"", [(chain, service)]);
        Backend.SetTurnMode(chain, service, mode);
    }

    private static void ValidateOwner(string chain, string service)
    {
        Names.ValidateChain(chain);
        Names.ValidateService(service);
    }

    // Every per-service method below reads a service's data the same way (PDP-ADMIN-3): its own buckets and the records
    // that clientdata keeps for it (clientdata's bucket named after the service).

    /// <summary>Persistent usage charged to <paramref name="service"/> on <paramref name="chain"/> (including what <c>clientdata</c> keeps for it).</summary>
    public abstract UsageEntry GetUsage(string chain, string service);

    /// <summary>Chains with persistent records.</summary>
    public abstract IReadOnlyList<UsageEntry> ListChains();

    /// <summary>Services of a chain with persistent records, each with what clientdata keeps for it (no <c>clientdata</c> row holding everyone's).</summary>
    public abstract IReadOnlyList<UsageEntry> ListServices(string chain);

    /// <summary>Buckets of a service with persistent records: its own, then the clientdata buckets kept for it (their <see cref="BucketId.Service"/> is <c>clientdata</c>).</summary>
    public abstract IReadOnlyList<(BucketId Bucket, UsageEntry Usage)> ListBuckets(string chain, string service);

    /// <summary>Deletes every persistent record of a chain, or of one service in it (with what clientdata keeps for it); returns how many.</summary>
    public abstract long Clear(string chain, string? service = null);

    /// <summary>Streams the persistent records, optionally of one chain and service (with what clientdata keeps for it); export reads them here.</summary>
    internal abstract IEnumerable<StoredRecord> Scan(string? chain, string? service);

    /// <summary>The persistent values of <paramref name="keys"/> in one bucket, null for each absent one, read consistently.</summary>
    internal byte[]?[] GetMany(BucketId bucket, IReadOnlyList<string> keys) => Backend.GetMany(bucket, keys);

    /// <summary>
    /// Writes an import's batches of persistent records under this store's quota: one change where the backend can,
    /// otherwise each batch whole (<see cref="StorageBackend.ApplyAll"/>).
    /// </summary>
    internal void ApplyAll(IEnumerable<IReadOnlyList<Write>> batches) => Backend.ApplyAll(batches, Limits.Quota);

    /// <inheritdoc />
    public abstract void Dispose();
}
