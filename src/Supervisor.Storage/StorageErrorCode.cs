namespace Supervisor.Storage;

/// <summary>What went wrong in the storage layer, for callers that branch on the cause.</summary>
public enum StorageErrorCode
{
    /// <summary>A service name breaks psibase's account rules.</summary>
    InvalidServiceName,
    /// <summary>A bucket name is not <c>^[0-9a-zA-Z_-]+$</c> or is too long.</summary>
    InvalidBucketName,
    /// <summary>A chain id is empty, too long or holds characters other than letters, digits, <c>_ . -</c>.</summary>
    InvalidChainId,
    /// <summary>A key is longer than the configured limit in UTF-8 bytes.</summary>
    KeyTooLarge,
    /// <summary>A key is not valid Unicode (a lone surrogate) and has no UTF-8 form.</summary>
    InvalidKey,
    /// <summary>A value is longer than the configured limit.</summary>
    ValueTooLarge,
    /// <summary>A write would take the owning plugin past its byte or item quota.</summary>
    QuotaExceeded,
    /// <summary>An increment found a stored value that is not a decimal integer.</summary>
    NotAnInteger,
    /// <summary>An increment would overflow a signed 64-bit integer.</summary>
    Overflow,
    /// <summary>A list cursor was not produced by this store.</summary>
    InvalidCursor,
    /// <summary>A page size or batch size is out of range.</summary>
    InvalidArgument,
    /// <summary>The operation has already completed or failed.</summary>
    OperationEnded,
    /// <summary>The store file is damaged or is not a SQLite database.</summary>
    StoreCorrupt,
    /// <summary>The store file is a SQLite database that belongs to something else.</summary>
    ForeignStore,
    /// <summary>The store was written by a newer version of the supervisor.</summary>
    StoreTooNew,
    /// <summary>No backend is registered under the requested type or URI scheme.</summary>
    UnknownBackend,
    /// <summary>The backend failed (I/O, locking, connection).</summary>
    BackendFailure,
    /// <summary>A wait for the store (another writer's lock) ended at the caller's deadline (<see cref="StorageDeadline"/>).</summary>
    DeadlinePassed,
    /// <summary>An import or clone under <see cref="Sync.ConflictPolicy.Fail"/> found a record that already exists in the target store.</summary>
    Conflict,
    /// <summary>Waiting for a turn would close a cycle of operations each waiting for the next (<see cref="TurnHolder"/>).</summary>
    Deadlock,
}
