namespace Supervisor.Storage;

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
