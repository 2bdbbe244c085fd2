namespace Supervisor.Storage.Sync;

/// <summary>The step of an export, import or clone that an <see cref="ArchiveProgress"/> counts.</summary>
public enum ArchivePhase
{
    /// <summary>Records are read from the source store and written to the archive (export; the first step of clone).</summary>
    Exporting,
    /// <summary>The archive's records are read and checked before anything is written (import, clone).</summary>
    Validating,
    /// <summary>The checked records are written to the target store (import, clone).</summary>
    Writing,
}
