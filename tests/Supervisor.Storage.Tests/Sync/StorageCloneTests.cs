using System.Text;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

/// <summary>Clone between backends: the result of an export followed by an import.</summary>
public sealed class StorageCloneTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<KeyValueStore> _stores = new();

    private KeyValueStore Sqlite()
    {
        var s = KeyValueStore.Create(new StorageOptions { Location = _dir.File($"s{_stores.Count}.db") });
        _stores.Add(s);
        return s;
    }

    private KeyValueStore Memory()
    {
        var s = KeyValueStore.Create(new StorageOptions { Location = "memory:" });
        _stores.Add(s);
        return s;
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static BucketId Id(string service = "alpha", string bucket = "b", DbMode mode = DbMode.NonTransactional, string chain = "test") =>
        new(chain, mode, service, bucket);

    private static List<string> Dump(KeyValueStore s, string? chain = null, string? service = null) =>
        s.Backend.Scan(chain, service).Select(r => $"{r.Bucket}|{r.Key}|{Convert.ToBase64String(r.Value)}").Order(StringComparer.Ordinal).ToList();

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

    /// <summary>Reports kept in order, on the reporting thread (unlike <see cref="Progress{T}"/>, which posts them).</summary>
    private sealed class Recorder : IProgress<ArchiveProgress>
    {
        public List<ArchiveProgress> Reports { get; } = new();
        public void Report(ArchiveProgress value) => Reports.Add(value);
    }

    [Fact, Rule("PDP-SYNC-5")]
    public void Clone_ReportsEachPhase_InOrder_EndingAtItsCount()
    {
        var from = Sqlite();
        Fill(from, 3, 700);
        var records = Dump(from).Count;
        var progress = new Recorder();
        var result = StorageArchive.Clone(from, Memory(), progress: progress);
        Assert.Equal(records, result.Imported);
        Assert.Equal([ArchivePhase.Exporting, ArchivePhase.Validating, ArchivePhase.Writing], progress.Reports.Select(p => p.Phase).Distinct());
        foreach (var phase in Enum.GetValues<ArchivePhase>())
        {
            var counts = progress.Reports.Where(p => p.Phase == phase).Select(p => p.Records).ToList();
            Assert.Equal(0, counts[0]);
            Assert.Equal(records, counts[^1]);
            Assert.True(counts.Count > 2, $"{phase}: only {counts.Count} reports for {records} records");
            Assert.Equal(counts.Order(), counts);
        }
    }

    [Theory, Rule("PDP-SYNC-5")]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public void Clone_FromSqlite_ReproducesEveryRecord(string target)
    {
        var from = Sqlite();
        Fill(from, 7, 900);
        var to = target == "memory" ? Memory() : Sqlite();
        var result = StorageArchive.Clone(from, to);
        Assert.Equal(new ImportResult(Dump(from).Count, 0), result);
        Assert.Equal(Dump(from), Dump(to));
        Assert.Equal(from.ListChains(), to.ListChains());
        Assert.Equal(from.ListServices("test"), to.ListServices("test"));
    }

    [Fact, Rule("PDP-SYNC-5")]
    public void Clone_OfOneChainAndService_CopiesOnlyThat_AndMatchesExportThenImport()
    {
        var from = Sqlite();
        Fill(from, 8, 600);
        var cloned = Sqlite();
        StorageArchive.Clone(from, cloned, "test", "beta");
        Assert.Equal(Dump(from, "test", "beta"), Dump(cloned));
        Assert.NotEmpty(Dump(cloned));

        var imported = Sqlite();
        using var archive = new MemoryStream();
        StorageArchive.Export(from, archive, "test", "beta");
        archive.Position = 0;
        StorageArchive.Import(imported, archive);
        Assert.Equal(Dump(imported), Dump(cloned));

        var chainOnly = Memory();
        StorageArchive.Clone(from, chainOnly, "main");
        Assert.Equal(Dump(from, "main"), Dump(chainOnly));
    }

    [Fact, Rule("PDP-SYNC-5", "PDP-SYNC-3")]
    public void Clone_ResolvesConflictsByPolicy_AndFailWritesNothing()
    {
        var from = Sqlite();
        from.Backend.Set(Id(), "a", B("source"), Quota.Unlimited);
        from.Backend.Set(Id(), "b", B("source"), Quota.Unlimited);
        var to = Sqlite();
        to.Backend.Set(Id(), "a", B("target"), Quota.Unlimited);

        var e = Assert.Throws<StorageException>(() => StorageArchive.Clone(from, to, onConflict: ConflictPolicy.Fail));
        Assert.Equal(StorageErrorCode.Conflict, e.Code);
        Assert.Contains("already exists", e.Message);
        Assert.False(to.Backend.Exists(Id(), "b"));

        Assert.Equal(new ImportResult(1, 1), StorageArchive.Clone(from, to, onConflict: ConflictPolicy.Skip));
        Assert.Equal(B("target"), to.Backend.Get(Id(), "a"));
        Assert.Equal(new ImportResult(2, 0), StorageArchive.Clone(from, to));
        Assert.Equal(B("source"), to.Backend.Get(Id(), "a"));
    }

    [Fact, Rule("PDP-SYNC-5", "PDP-SYNC-2")]
    public void Clone_ValidatesAgainstTheTargetsLimits_AndWritesNothing()
    {
        var from = Sqlite();
        from.Backend.Set(Id(), "small", new byte[10], Quota.Unlimited);
        from.Backend.Set(Id(), "large", new byte[2000], Quota.Unlimited);
        using var to = KeyValueStore.Create(new StorageOptions { Location = "memory:", Limits = new StorageLimits { MaxValueBytes = 1000 } });
        var e = Assert.Throws<StorageException>(() => StorageArchive.Clone(from, to));
        Assert.NotEqual(StorageErrorCode.Conflict, e.Code);
        Assert.Contains("line", e.Message);
        Assert.Empty(Dump(to));
    }

    [Fact]
    public void Clone_RefusesBadNames()
    {
        var from = Sqlite();
        Assert.Throws<StorageException>(() => StorageArchive.Clone(from, Memory(), "bad chain!"));
        Assert.Throws<StorageException>(() => StorageArchive.Clone(from, Memory(), "test", "Bad Service"));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in _stores) s.Dispose();
        _dir.Dispose();
    }
}
