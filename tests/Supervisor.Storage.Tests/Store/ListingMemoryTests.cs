using Supervisor.Storage.Tests.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Store;

/// <summary>Listing pages through a large bucket retains about one page (it samples the whole process's heap, so it runs alone).</summary>
[Collection(HeapMeasurement.Name)]
public sealed class ListingMemoryTests
{
    [Fact, Rule("PDP-LIST-4")]
    public void ListingManyKeys_RetainsOnlyAPage()
    {
        using var dir = new TempDirectory();
        using var store = KeyValueStore.Create(new StorageOptions { Location = dir.File("store.db"), Limits = new StorageLimits { QuotaItems = 0, QuotaBytes = 0 } });
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        var bucket = op.OpenBucket("test", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "many");
        const int count = 200_000;
        var value = new byte[] { 1 };
        for (var start = 0; start < count; start += 1000)
            bucket.SetMany(Enumerable.Range(start, 1000).Select(i => new KeyValuePair<string, byte[]>($"key-{i:D8}", value)).ToList());

        // Holding every key would retain well over 8 MB (200k strings); a page holds about 50 KB.
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        var listed = 0;
        byte[]? cursor = null;
        var pages = 0;
        do
        {
            var page = bucket.ListKeys(cursor, 1000);
            listed += page.Keys.Count;
            cursor = page.Cursor;
            if (++pages % 40 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }
        while (cursor is not null);
        Assert.Equal(count, listed);
        Assert.True(peak < 4 * 1024 * 1024, $"listing retained {peak} bytes");
    }
}
