using System.Text;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Store;

/// <summary>
/// One data rule for every per-service view (PDP-ADMIN-3): a service's data is its own buckets and the records clientdata
/// keeps for it (clientdata's bucket named after it), in listing, usage, export, clone and clear alike.
/// </summary>
public sealed class ServiceDataTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<KeyValueStore> _stores = new();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in _stores) s.Dispose();
        _dir.Dispose();
    }

    private KeyValueStore Open(string backend)
    {
        var store = KeyValueStore.Create(backend == "memory"
            ? new StorageOptions { Backend = "memory" }
            : new StorageOptions { Location = _dir.File($"s{_stores.Count}.db") });
        _stores.Add(store);
        return store;
    }

    /// <summary>alpha: 2 own records and 1 kept by clientdata; beta: 1 kept by clientdata only; gamma: 1 own.</summary>
    private static void Fill(KeyValueStore store)
    {
        void Set(string service, string bucket, string key) =>
            store.Backend.Set(new BucketId("c", DbMode.NonTransactional, service, bucket), key, Encoding.UTF8.GetBytes("v"), Quota.Unlimited);
        Set("alpha", "own", "a1");
        Set("alpha", "own", "a2");
        Set(Names.ClientData, "alpha", "cd-a");
        Set(Names.ClientData, "beta", "cd-b");
        Set("gamma", "g", "g1");
    }

    private static List<string> Keys(IEnumerable<StoredRecord> records) =>
        records.Select(r => $"{r.Bucket.Service}/{r.Bucket.Bucket}/{r.Key}").Order(StringComparer.Ordinal).ToList();

    [Theory, Rule("PDP-ADMIN-3", "PDP-ADMIN-1")]
    [InlineData("sqlite")]
    [InlineData("memory")]
    public void ListServices_AttributesClientDataToItsOwners_NoClientDataRow(string backend)
    {
        var store = Open(backend);
        Fill(store);
        Assert.Equal(["alpha", "beta", "gamma"], store.ListServices("c").Select(s => s.Name));
        Assert.Equal(3, store.ListServices("c").Single(s => s.Name == "alpha").Items);
        Assert.Equal(store.GetUsage("c", "alpha").Items, store.ListServices("c").Single(s => s.Name == "alpha").Items);
        Assert.Equal(store.GetUsage("c", "beta"), store.ListServices("c").Single(s => s.Name == "beta"));
        Assert.Equal(["alpha/own", "clientdata/alpha"], store.ListBuckets("c", "alpha").Select(b => $"{b.Bucket.Service}/{b.Bucket.Bucket}"));
        Assert.Empty(store.ListBuckets("c", Names.ClientData));
        Assert.Equal(store.ListChains().Single().Items, store.ListServices("c").Sum(s => s.Items));
    }

    [Theory, Rule("PDP-ADMIN-3", "PDP-SYNC-5")]
    [InlineData("sqlite")]
    [InlineData("memory")]
    public void ExportAndClone_OfAService_CarryWhatClientDataKeepsForIt(string backend)
    {
        var store = Open(backend);
        Fill(store);
        using var archive = new MemoryStream();
        Assert.Equal(3, StorageArchive.Export(store, archive, "c", "alpha"));
        var copy = Open(backend);
        archive.Position = 0;
        StorageArchive.Import(copy, archive);
        Assert.Equal(["alpha/own/a1", "alpha/own/a2", "clientdata/alpha/cd-a"], Keys(copy.Backend.Scan(null, null)));

        var cloned = Open(backend);
        Assert.Equal(1, StorageArchive.Clone(store, cloned, "c", "beta").Imported);
        Assert.Equal(["clientdata/beta/cd-b"], Keys(cloned.Backend.Scan(null, null)));
        Assert.Equal(0, StorageArchive.Export(store, Stream.Null, "c", Names.ClientData));
    }

    [Theory, Rule("PDP-ADMIN-3", "PDP-ADMIN-2")]
    [InlineData("sqlite")]
    [InlineData("memory")]
    public void Clear_OfAService_DeletesWhatClientDataKeepsForIt_AndNothingOfOthers(string backend)
    {
        var store = Open(backend);
        Fill(store);
        Assert.Equal(3, store.Clear("c", "alpha"));
        Assert.Equal(["clientdata/beta/cd-b", "gamma/g/g1"], Keys(store.Backend.Scan(null, null)));
        Assert.Equal(new UsageEntry("alpha", 0, 0), store.GetUsage("c", "alpha"));
        Assert.Equal(0, store.Clear("c", Names.ClientData));
        Assert.Equal(1, store.Clear("c", "beta"));
        Assert.Equal(["gamma/g/g1"], Keys(store.Backend.Scan(null, null)));
    }
}
