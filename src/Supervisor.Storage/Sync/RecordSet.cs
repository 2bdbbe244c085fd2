using System.Security.Cryptography;
using System.Text;

namespace Supervisor.Storage.Sync;

/// <summary>
/// The records an archive has named so far, in 8 bytes each (64 bits of a SHA-256 of the record's identity, in an open
/// addressing table), not their keys: an import's memory stays flat enough for millions of records. A repeat is
/// reported by identity; the caller finds where it first came (a rare, second read).
/// </summary>
internal sealed class RecordSet
{
    private ulong[] _slots = new ulong[1024];
    private int _count;

    /// <summary>The 64-bit identity of a record (never 0: 0 marks an empty slot).</summary>
    public static ulong Identity(BucketId bucket, string key)
    {
        var bytes = Encoding.UTF8.GetBytes($"{bucket.Chain}\n{(int)bucket.Mode}\n{bucket.Service}\n{bucket.Bucket}\n{key}");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return BitConverter.ToUInt64(hash) | 1;
    }

    /// <summary>Adds a record; false when a record of the same identity was added before.</summary>
    public bool Add(BucketId bucket, string key)
    {
        if ((_count + 1) * 4 > _slots.Length * 3) Grow();
        return Insert(_slots, Identity(bucket, key)) && ++_count > 0;
    }

    private static bool Insert(ulong[] slots, ulong id)
    {
        var mask = slots.Length - 1;
        for (var i = (int)(id >> 33) & mask; ; i = (i + 1) & mask)
        {
            if (slots[i] == id) return false;
            if (slots[i] != 0) continue;
            slots[i] = id;
            return true;
        }
    }

    private void Grow()
    {
        var bigger = new ulong[_slots.Length * 2];
        foreach (var id in _slots)
            if (id != 0) Insert(bigger, id);
        _slots = bigger;
    }
}
