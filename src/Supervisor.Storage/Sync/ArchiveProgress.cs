namespace Supervisor.Storage.Sync;

/// <summary>
/// How far an export, import or clone has got, for an <see cref="IProgress{T}"/> the caller passes to
/// <see cref="StorageArchive"/>: the phase and the records done in it so far. Reports come from the thread doing the
/// work, every few hundred records and once at the end of each phase.
/// </summary>
/// <param name="Phase">The step under way.</param>
/// <param name="Records">Records done in this phase so far.</param>
public readonly record struct ArchiveProgress(ArchivePhase Phase, long Records);
