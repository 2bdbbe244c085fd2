using System.Text;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

/// <summary>An import that would break a quota is refused before its first write: all or nothing, on every backend here.</summary>
public sealed class ImportQuotaTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly BucketId Bucket = new("test", DbMode.NonTransactional, "alpha", "b");

    private static MemoryStream Archive(int records, int valueBytes, string prefix = "k")
    {
        var text = new StringBuilder("{\"format\":\"supervisor-storage\",\"version\":1,\"chain\":null,\"service\":null}\n");
        var value = Convert.ToBase64String(new byte[valueBytes]);
        for (var i = 0; i < records; i++)
            text.Append($"{{\"chain\":\"test\",\"mode\":\"non-trx\",\"service\":\"alpha\",\"bucket\":\"b\",\"key\":\"{prefix}{i}\",\"value\":\"{value}\"}}\n");
        text.Append($"{{\"end\":true,\"records\":{records}}}\n");
        return new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private KeyValueStore Store(string backend, StorageLimits limits) =>
        KeyValueStore.Create(backend == "memory"
            ? new StorageOptions { Backend = "memory", Limits = limits }
            : new StorageOptions { Location = _dir.File($"{Guid.NewGuid():n}.db"), Limits = limits });

    private static long Items(KeyValueStore s) => s.Backend.GetOwnerUsage("test", "alpha").Items;

    [Theory, Rule("PDP-SYNC-2", "PDP-SYNC-3")]
    [InlineData("sqlite")]
    [InlineData("memory")]
    public void AnArchivePastTheRecordQuota_WritesNothing(string backend)
    {
        using var store = Store(backend, new StorageLimits { QuotaItems = 550 });
        store.Backend.Set(Bucket, "before", [1], new Quota(0, 550));

        var e = Assert.Throws<StorageException>(() => StorageArchive.Import(store, Archive(600, 10), ConflictPolicy.Overwrite));

        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        Assert.Contains("would keep 601 records", e.Message);
        Assert.EndsWith("nothing was imported", e.Message);
        Assert.Equal(1, Items(store));
    }

    [Theory, Rule("PDP-SYNC-2", "PDP-SYNC-3")]
    [InlineData("sqlite")]
    [InlineData("memory")]
    public void AnArchivePastTheByteQuota_WritesNothing(string backend)
    {
        using var store = Store(backend, new StorageLimits { QuotaBytes = 50_000 });

        var e = Assert.Throws<StorageException>(() => StorageArchive.Import(store, Archive(600, 100), ConflictPolicy.Overwrite));

        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        Assert.Equal(0, Items(store));
    }

    [Theory, Rule("PDP-SYNC-3")]
    [InlineData(ConflictPolicy.Overwrite)]
    [InlineData(ConflictPolicy.Skip)]
    public void ReplacingOrSkippingExistingRecords_CountsOnlyTheChange(ConflictPolicy policy)
    {
        using var store = Store("sqlite", new StorageLimits { QuotaItems = 600 });
        StorageArchive.Import(store, Archive(600, 100), ConflictPolicy.Overwrite);

        // The same 600 keys again (smaller values): no new records, so within the quota.
        var result = StorageArchive.Import(store, Archive(600, 10), policy);

        Assert.Equal(600, Items(store));
        Assert.Equal(policy == ConflictPolicy.Skip ? 600 : 0, result.Skipped);
        // One new key more is one too many.
        Assert.Throws<StorageException>(() => StorageArchive.Import(store, Archive(1, 10, "new"), policy));
        Assert.Equal(600, Items(store));
    }
}
