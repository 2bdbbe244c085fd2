namespace Supervisor.Storage;

/// <summary>A record as stored, for export and administration.</summary>
/// <param name="Bucket">Where it lives.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
public sealed record StoredRecord(BucketId Bucket, string Key, byte[] Value);
