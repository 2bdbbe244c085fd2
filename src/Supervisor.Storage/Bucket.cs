namespace Supervisor.Storage;

/// <summary>A bucket's records, seen through one operation. Keys are strings; values are bytes.</summary>
public abstract class Bucket
{
    /// <summary>Chain, mode, service and name.</summary>
    public abstract BucketId Id { get; }

    /// <summary>Persistent, session or ephemeral.</summary>
    public abstract StorageDuration Duration { get; }

    /// <summary>The value, or null when absent.</summary>
    public abstract byte[]? Get(string key);

    /// <summary>True when the key exists.</summary>
    public abstract bool Exists(string key);

    /// <summary>Creates or replaces a record.</summary>
    public abstract void Set(string key, ReadOnlySpan<byte> value);

    /// <summary>Removes a record; true when it existed.</summary>
    public abstract bool Delete(string key);

    /// <summary>A page of keys in UTF-8 byte order after <paramref name="cursor"/> (null: from the start).</summary>
    public abstract KeyPage ListKeys(byte[]? cursor = null, int pageSize = Keys.DefaultPageSize);

    /// <summary>Adds <paramref name="delta"/> to the decimal counter at <paramref name="key"/> (absent is 0); returns the new value.</summary>
    public abstract long Increment(string key, long delta);

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> only if it currently equals <paramref name="expected"/> (null: absent).</summary>
    public abstract bool CompareAndSwap(string key, byte[]? expected, ReadOnlySpan<byte> value);

    /// <summary>The values of several keys (null for absent ones).</summary>
    public abstract byte[]?[] GetMany(IReadOnlyList<string> keys);

    /// <summary>Sets several records atomically.</summary>
    public abstract void SetMany(IReadOnlyList<KeyValuePair<string, byte[]>> records);

    /// <summary>Deletes several records atomically.</summary>
    public abstract void DeleteMany(IReadOnlyList<string> keys);
}
