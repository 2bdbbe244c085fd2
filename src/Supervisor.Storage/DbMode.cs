namespace Supervisor.Storage;

/// <summary>How a bucket's writes reach the backend (psibase's <c>db-mode</c>).</summary>
public enum DbMode
{
    /// <summary>Written at once; durable when the call returns.</summary>
    NonTransactional = 0,
    /// <summary>Buffered in the current operation; committed atomically when it succeeds, dropped when it fails.</summary>
    Transactional = 1,
}
