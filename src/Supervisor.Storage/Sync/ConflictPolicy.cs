namespace Supervisor.Storage.Sync;

/// <summary>What import does with a record that already exists in the target store.</summary>
public enum ConflictPolicy
{
    /// <summary>The archive wins.</summary>
    Overwrite,
    /// <summary>The target wins: the archived record is not imported.</summary>
    Skip,
    /// <summary>The import is refused before anything is written.</summary>
    Fail,
}
