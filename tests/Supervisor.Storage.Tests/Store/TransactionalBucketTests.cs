using System.Text;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Store;

/// <summary>
/// The transactional bucket's merged listing where the mutation run found it untested: a buffered write over a stored
/// key, and a page of the largest size that must take keys from the backend's second chunk.
/// </summary>
public sealed class TransactionalBucketTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly KeyValueStore _store;

    public TransactionalBucketTests() => _store = KeyValueStore.Create(new StorageOptions { Location = _dir.File("store.db") });

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private static Bucket Open(Operation op) => op.OpenBucket("test", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b");

    private void Store(IEnumerable<string> keys)
    {
        using var session = _store.OpenSession();
        using var setup = session.BeginOperation();
        foreach (var chunk in keys.Chunk(1000))
            Open(setup).SetMany(chunk.Select(k => new KeyValuePair<string, byte[]>(k, [1])).ToList());
        setup.Commit();
    }

    [Fact, Rule("PDP-TRX-1", "PDP-LIST-3")]
    public void Listing_AfterOverwritingAStoredKeyInTheOperation_ListsItOnce()
    {
        Store(["a", "b", "c"]);
        using var session = _store.OpenSession();
        using var op = session.BeginOperation();
        var bucket = Open(op);
        bucket.Set("b", Encoding.UTF8.GetBytes("new"));

        Assert.Equal(["a", "b", "c"], bucket.ListKeys().Keys);
        Assert.Equal(["b", "c"], bucket.ListKeys(Keys.CursorAfter("a"), 10).Keys);
    }

    [Fact, Rule("PDP-TRX-1", "PDP-LIST-1")]
    public void AFullPage_OverADeletedStoredKey_TakesTheNextKeyFromTheBackendsNextChunk()
    {
        var stored = Enumerable.Range(0, 1500).Select(i => $"k{i:D5}").ToList();
        Store(stored);
        using var session = _store.OpenSession();
        using var op = session.BeginOperation();
        var bucket = Open(op);
        bucket.Delete("k00010");
        bucket.Set("zz", [2]);

        var page = bucket.ListKeys(null, Keys.MaxPageSize);

        var expected = stored.Where(k => k != "k00010").Take(Keys.MaxPageSize).ToList();
        Assert.Equal(expected, page.Keys);
        Assert.NotNull(page.Cursor);
        var rest = bucket.ListKeys(page.Cursor, Keys.MaxPageSize);
        Assert.Equal(stored.Skip(1001).Append("zz").ToList(), rest.Keys);
    }
}
