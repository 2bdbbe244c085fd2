namespace Supervisor.Storage;

/// <summary>A buffered write: a set, or a delete when <see cref="Value"/> is null.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The new value, or null to delete.</param>
public readonly record struct Write(BucketId Bucket, string Key, byte[]? Value);
