namespace Supervisor.Storage;

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
