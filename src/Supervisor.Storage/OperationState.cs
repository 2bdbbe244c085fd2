namespace Supervisor.Storage;

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
