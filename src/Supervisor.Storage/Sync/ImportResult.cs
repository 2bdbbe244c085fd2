namespace Supervisor.Storage.Sync;

/// <summary>What an import did.</summary>
/// <param name="Imported">Records written.</param>
/// <param name="Skipped">Records left out because they existed (policy <see cref="ConflictPolicy.Skip"/>).</param>
public readonly record struct ImportResult(long Imported, long Skipped);
