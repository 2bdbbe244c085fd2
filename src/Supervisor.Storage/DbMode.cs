namespace Supervisor.Storage;

/// <summary>How a bucket's writes reach the backend (psibase's <c>db-mode</c>).</summary>
public enum DbMode
{
    /// <summary>Written at once; durable when the call returns.</summary>
    NonTransactional = 0,
    /// <summary>Buffered in the current operation; committed atomically when it succeeds, dropped when it fails.</summary>
    Transactional = 1,
}

/// <summary>How long a bucket's records live (psibase's <c>storage-duration</c>).</summary>
public enum StorageDuration
{
    /// <summary>Kept in the backend until deleted.</summary>
    Persistent = 0,
    /// <summary>Kept in memory until the session ends; never written to disk.</summary>
    Session = 1,
    /// <summary>Kept in memory until the current operation ends.</summary>
    Ephemeral = 2,
}
