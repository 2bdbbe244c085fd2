using System.Text;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>The one data rule of PDP-ADMIN-3 on Redis, whose records are grouped by owner rather than by service.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisServiceDataTests(RedisServerFixture fixture) : IDisposable
{
    private readonly KeyValueStore _store = Open(fixture.Server.NewLocation());

    private static KeyValueStore Open(string location)
    {
        var registry = BackendRegistry.CreateDefault();
        RedisBackend.Register(registry);
        return KeyValueStore.Create(new StorageOptions { Location = location, Registry = registry });
    }

    /// <inheritdoc />
    public void Dispose() => _store.Dispose();

    private void Set(string service, string bucket, string key) =>
        _store.Backend.Set(new BucketId("c", DbMode.NonTransactional, service, bucket), key, Encoding.UTF8.GetBytes("v"), Quota.Unlimited);

    private List<string> All() =>
        _store.Backend.Scan(null, null).Select(r => $"{r.Bucket.Service}/{r.Bucket.Bucket}/{r.Key}").Order(StringComparer.Ordinal).ToList();

    [Fact, Rule("PDP-ADMIN-3")]
    public void ListExportAndClear_OfAService_TakeWhatClientDataKeepsForIt()
    {
        Set("alpha", "own", "a1");
        Set(Names.ClientData, "alpha", "cd-a");
        Set(Names.ClientData, "beta", "cd-b");

        Assert.Equal(["alpha", "beta"], _store.ListServices("c").Select(s => s.Name));
        Assert.Equal(2, _store.ListServices("c")[0].Items);
        Assert.Equal(["alpha/own", "clientdata/alpha"], _store.ListBuckets("c", "alpha").Select(b => $"{b.Bucket.Service}/{b.Bucket.Bucket}"));
        Assert.Equal(2, StorageArchive.Export(_store, Stream.Null, "c", "alpha"));

        Assert.Equal(0, _store.Clear("c", Names.ClientData));
        Assert.Equal(2, _store.Clear("c", "alpha"));
        Assert.Equal(["clientdata/beta/cd-b"], All());
    }
}
