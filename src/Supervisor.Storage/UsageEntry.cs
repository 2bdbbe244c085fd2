namespace Supervisor.Storage;

/// <summary>Usage of one chain, service or bucket.</summary>
/// <param name="Name">The chain, service or bucket name.</param>
/// <param name="Items">Records kept.</param>
/// <param name="Bytes">Bytes of keys plus values.</param>
public readonly record struct UsageEntry(string Name, long Items, long Bytes);
