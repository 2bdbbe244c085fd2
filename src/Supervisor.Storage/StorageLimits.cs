namespace Supervisor.Storage;

/// <summary>Size limits and quotas; each setter validates its value.</summary>
public sealed class StorageLimits
{
    private int _maxKeyBytes = 256;
    private int _maxValueBytes = 100 * 1024;
    private long _quotaBytes = 10 * 1024 * 1024;
    private long _quotaItems = 100_000;
    private int _maxBatchSize = 1000;

    /// <summary>Longest key in UTF-8 bytes (default 256).</summary>
    public int MaxKeyBytes
    {
        get => _maxKeyBytes;
        set => _maxKeyBytes = value is >= 1 and <= 4096 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxKeyBytes must be between 1 and 4096");
    }

    /// <summary>Longest value in bytes (default 102400).</summary>
    public int MaxValueBytes
    {
        get => _maxValueBytes;
        set => _maxValueBytes = value is >= 0 and <= 64 * 1024 * 1024 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxValueBytes must be between 0 and 67108864");
    }

    /// <summary>Bytes (keys plus values) one plugin may keep per chain and duration; 0 means unlimited (default 10 MiB).</summary>
    public long QuotaBytes
    {
        get => _quotaBytes;
        set => _quotaBytes = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "QuotaBytes must be 0 (unlimited) or positive");
    }

    /// <summary>Records one plugin may keep per chain and duration; 0 means unlimited (default 100,000).</summary>
    public long QuotaItems
    {
        get => _quotaItems;
        set => _quotaItems = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "QuotaItems must be 0 (unlimited) or positive");
    }

    /// <summary>Most keys in one get-many, set-many or delete-many (default 1000).</summary>
    public int MaxBatchSize
    {
        get => _maxBatchSize;
        set => _maxBatchSize = value is >= 1 and <= 100_000 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxBatchSize must be between 1 and 100000");
    }

    internal Quota Quota => new(QuotaBytes, QuotaItems);

    /// <summary>
    /// Throws <see cref="StorageException"/> (<see cref="StorageErrorCode.ValueTooLarge"/>) when a value of
    /// <paramref name="length"/> bytes for <paramref name="key"/> is over <see cref="MaxValueBytes"/>. Callers
    /// that receive a value in pieces call it with the length before copying anything.
    /// </summary>
    public void ValidateValueSize(string key, long length)
    {
        if (length > MaxValueBytes)
            throw new StorageException(StorageErrorCode.ValueTooLarge,
                $"value for key \"{Names.Printable(key)}\" is {length} bytes; the limit is {MaxValueBytes}");
    }

    internal StorageLimits Clone() => (StorageLimits)MemberwiseClone();
}

/// <summary>Quota limits a backend enforces per chain and owner; 0 means unlimited.</summary>
/// <param name="MaxBytes">Most bytes of keys and values.</param>
/// <param name="MaxItems">Most records.</param>
public readonly record struct Quota(long MaxBytes, long MaxItems)
{
    /// <summary>No limit.</summary>
    public static Quota Unlimited => default;

    /// <summary>True when neither limit applies.</summary>
    public bool IsUnlimited => MaxBytes == 0 && MaxItems == 0;

    /// <summary>
    /// Throws when a change of (<paramref name="deltaBytes"/>, <paramref name="deltaItems"/>) that
    /// grows usage would leave <paramref name="owner"/> above a limit. Shrinking is always allowed.
    /// </summary>
    public void Check(string chain, string owner, long bytesAfter, long itemsAfter, long deltaBytes, long deltaItems)
    {
        if (MaxBytes > 0 && deltaBytes > 0 && bytesAfter > MaxBytes)
            throw new StorageException(StorageErrorCode.QuotaExceeded,
                $"plugin \"{owner}\" would use {bytesAfter} bytes on chain \"{chain}\"; its quota is {MaxBytes} bytes");
        if (MaxItems > 0 && deltaItems > 0 && itemsAfter > MaxItems)
            throw new StorageException(StorageErrorCode.QuotaExceeded,
                $"plugin \"{owner}\" would keep {itemsAfter} records on chain \"{chain}\"; its quota is {MaxItems} records");
    }
}

/// <summary>One page of a key listing.</summary>
/// <param name="Keys">Keys in UTF-8 byte order.</param>
/// <param name="Cursor">Pass to the next call to resume after the last key; null when the listing is complete.</param>
public sealed record KeyPage(IReadOnlyList<string> Keys, byte[]? Cursor);

/// <summary>Usage of one chain, service or bucket.</summary>
/// <param name="Name">The chain, service or bucket name.</param>
/// <param name="Items">Records kept.</param>
/// <param name="Bytes">Bytes of keys plus values.</param>
public readonly record struct UsageEntry(string Name, long Items, long Bytes);

/// <summary>A record as stored, for export and administration.</summary>
/// <param name="Bucket">Where it lives.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
public sealed record StoredRecord(BucketId Bucket, string Key, byte[] Value);

/// <summary>A buffered write: a set, or a delete when <see cref="Value"/> is null.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The new value, or null to delete.</param>
public readonly record struct Write(BucketId Bucket, string Key, byte[]? Value);
