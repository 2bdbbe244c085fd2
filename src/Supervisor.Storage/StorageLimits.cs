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
