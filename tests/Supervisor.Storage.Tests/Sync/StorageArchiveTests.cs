using System.Text;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

public sealed class StorageArchiveTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<KeyValueStore> _stores = new();

    private KeyValueStore NewStore()
    {
        var s = KeyValueStore.Create(new StorageOptions { Location = _dir.File($"s{_stores.Count}.db") });
        _stores.Add(s);
        return s;
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static BucketId Id(string service = "alpha", string bucket = "b", DbMode mode = DbMode.NonTransactional, string chain = "test") =>
        new(chain, mode, service, bucket);

    private static List<string> Dump(KeyValueStore s) =>
        s.Backend.Scan(null, null).Select(r => $"{r.Bucket}|{r.Key}|{Convert.ToBase64String(r.Value)}").Order(StringComparer.Ordinal).ToList();

    private static void Fill(KeyValueStore s, int seed, int n)
    {
        var rnd = new Random(seed);
        BucketId[] ids = [Id(), Id(chain: "main"), Id(mode: DbMode.Transactional), Id(service: "beta", bucket: "x_y-1"), Id(service: Names.ClientData, bucket: "alpha")];
        string[] keys = ["", "a:b:c", "\u00e9t\u00e9", "\U0001F600", "k\nline", "\"quoted\""];
        for (var i = 0; i < n; i++)
        {
            var value = new byte[rnd.Next(0, 300)];
            rnd.NextBytes(value);
            var key = i < keys.Length ? keys[i] : $"k{rnd.Next()}";
            s.Backend.Set(ids[rnd.Next(ids.Length)], key, value, Quota.Unlimited);
        }
    }

    [Theory, Rule("PDP-SYNC-1", "PDP-SYNC-4")]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 1200)]
    public void Export_ThenImportIntoEmptyStore_ReproducesEveryRecordByteForByte(int seed, int n)
    {
        var from = NewStore();
        Fill(from, seed, n);
        using var archive = new MemoryStream();
        Assert.Equal(Dump(from).Count, StorageArchive.Export(from, archive));
        var lines = Encoding.UTF8.GetString(archive.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("{\"format\":\"supervisor-storage\",\"version\":1,\"chain\":null,\"service\":null}", lines[0]);
        Assert.Equal($"{{\"end\":true,\"records\":{lines.Length - 2}}}", lines[^1]);
        archive.Position = 0;
        var to = NewStore();
        var result = StorageArchive.Import(to, archive);
        Assert.Equal(lines.Length - 2, result.Imported);
        Assert.Equal(Dump(from), Dump(to));
        Assert.Equal(from.ListChains(), to.ListChains());
    }

    [Fact, Rule("PDP-SYNC-1")]
    public void Export_OfOneChainAndService_SaysSoInTheHeader()
    {
        var from = NewStore();
        Fill(from, 5, 200);
        using var archive = new MemoryStream();
        var n = StorageArchive.Export(from, archive, "test", "beta");
        Assert.Equal(from.Backend.Scan("test", "beta").Count(), n);
        var lines = Encoding.UTF8.GetString(archive.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("\"chain\":\"test\",\"service\":\"beta\"", lines[0]);
        Assert.All(lines[1..^1], l => Assert.Contains("\"service\":\"beta\"", l));
    }

    [Theory, Rule("PDP-SYNC-2")]
    [InlineData(3, "not json", "line 3")]
    [InlineData(3, "{\"chain\":\"test\",\"mode\":\"non-trx\",\"service\":\"Bad Name\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"\"}", "line 3")]
    [InlineData(2, "{\"chain\":\"test\",\"mode\":\"sometimes\",\"service\":\"alpha\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"\"}", "line 2")]
    [InlineData(4, "{\"chain\":\"test\",\"mode\":\"trx\",\"service\":\"alpha\",\"bucket\":\"b\",\"key\":\"k\",\"value\":\"***\"}", "line 4")]
    [InlineData(1, "{\"format\":\"supervisor-storage\",\"version\":2}", "version 2")]
    [InlineData(-1, null, "truncated")]
    public void Import_OfABadArchive_NamesTheLine_AndWritesNothing(int replaceLine, string? with, string expected)
    {
        var from = NewStore();
        Fill(from, 9, 20);
        using var archive = new MemoryStream();
        StorageArchive.Export(from, archive);
        var lines = Encoding.UTF8.GetString(archive.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (replaceLine > 0) lines[replaceLine - 1] = with!;
        else lines.RemoveAt(lines.Count - 1); // truncated: the trailer is gone
        var to = NewStore();
        var e = Assert.Throws<StorageException>(() => StorageArchive.Import(to, new MemoryStream(B(string.Join("\n", lines) + "\n"))));
        Assert.Contains(expected, e.Message);
        Assert.Empty(Dump(to));
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void Import_OfAValueOverTheLimit_IsRefused()
    {
        var from = NewStore();
        from.Backend.Set(Id(), "big", new byte[200 * 1024], Quota.Unlimited);
        using var archive = new MemoryStream();
        StorageArchive.Export(from, archive);
        archive.Position = 0;
        var to = NewStore();
        var e = Assert.Throws<StorageException>(() => StorageArchive.Import(to, archive));
        Assert.Contains("line 2", e.Message);
        Assert.Empty(Dump(to));
    }

    [Theory, Rule("PDP-SYNC-3", "PDP-SYNC-6")]
    [InlineData(ArchiveFormat.JsonLines)]
    [InlineData(ArchiveFormat.PsibaseLocalStorage)]
    public void Import_ResolvesConflictsByPolicy(ArchiveFormat format)
    {
        var from = NewStore();
        from.Backend.Set(Id(), "a", B("archive"), Quota.Unlimited);
        from.Backend.Set(Id(), "b", B("archive"), Quota.Unlimited);
        using var archive = new MemoryStream();
        StorageArchive.Export(from, archive, format: format);
        var bytes = archive.ToArray();

        var to = NewStore();
        to.Backend.Set(Id(), "a", B("target"), Quota.Unlimited);
        var refused = Assert.Throws<StorageException>(() => StorageArchive.Import(to, new MemoryStream(bytes), ConflictPolicy.Fail, format));
        Assert.Equal(StorageErrorCode.Conflict, refused.Code);
        Assert.Contains("already exists (policy fail); nothing was imported", refused.Message);
        Assert.Equal(B("target"), to.Backend.Get(Id(), "a"));
        Assert.False(to.Backend.Exists(Id(), "b"));

        Assert.Equal(new ImportResult(1, 1), StorageArchive.Import(to, new MemoryStream(bytes), ConflictPolicy.Skip, format));
        Assert.Equal(B("target"), to.Backend.Get(Id(), "a"));
        Assert.Equal(B("archive"), to.Backend.Get(Id(), "b"));

        Assert.Equal(new ImportResult(2, 0), StorageArchive.Import(to, new MemoryStream(bytes), ConflictPolicy.Overwrite, format));
        Assert.Equal(B("archive"), to.Backend.Get(Id(), "a"));
    }

    [Fact, Rule("PDP-SYNC-6", "PDP-ID-5")]
    public void PsibaseLocalStorage_RoundTrips_AndKeysMayHoldColons()
    {
        const string dump = """{"c:non-trx:clientdata:alpha:k":"dg==","c:trx:beta:bkt:a:b:c":"AAEC"}""";
        var to = NewStore();
        Assert.Equal(new ImportResult(2, 0), StorageArchive.Import(to, new MemoryStream(B(dump)), format: ArchiveFormat.PsibaseLocalStorage));
        Assert.Equal(B("v"), to.Backend.Get(new BucketId("c", DbMode.NonTransactional, Names.ClientData, "alpha"), "k"));
        Assert.Equal(new byte[] { 0, 1, 2 }, to.Backend.Get(new BucketId("c", DbMode.Transactional, "beta", "bkt"), "a:b:c"));
        Assert.Equal(1, to.Backend.GetOwnerUsage("c", "alpha").Items);

        using var back = new MemoryStream();
        Assert.Equal(2, StorageArchive.Export(to, back, format: ArchiveFormat.PsibaseLocalStorage));
        var again = NewStore();
        back.Position = 0;
        StorageArchive.Import(again, back, format: ArchiveFormat.PsibaseLocalStorage);
        Assert.Equal(Dump(to), Dump(again));
    }

    [Theory, Rule("PDP-SYNC-6")]
    [InlineData("""{"c:non-trx:alpha:k":"dg=="}""", "c:non-trx:alpha:k")]
    [InlineData("""{"ok:trx:alpha:b:k":"dg==","c:maybe:alpha:b:k":"dg=="}""", "c:maybe:alpha:b:k")]
    [InlineData("""{"c:trx:alpha:b:k":"not base64!"}""", "c:trx:alpha:b:k")]
    public void PsibaseLocalStorage_BadEntry_IsNamed_AndNothingIsWritten(string dump, string entry)
    {
        var to = NewStore();
        var e = Assert.Throws<StorageException>(() => StorageArchive.Import(to, new MemoryStream(B(dump)), format: ArchiveFormat.PsibaseLocalStorage));
        Assert.Contains($"\"{entry}\"", e.Message);
        Assert.Empty(Dump(to));
    }

    public void Dispose()
    {
        foreach (var s in _stores) s.Dispose();
        _dir.Dispose();
    }
}
