using System.Text;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

/// <summary>
/// Paths of export and import that the other archive tests pass without telling apart (issue 19's mutation run on
/// StorageArchive.cs): the quota plan at its exact bounds under each policy, a conflict under <c>fail</c> with no quota,
/// where a repeated record came first when it is not the first record, each refusal's own words, the header, trailer
/// and end checks, format detection, progress counts, argument checks, and the owner's turn an import waits for.
/// </summary>
public sealed class ArchivePathTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<KeyValueStore> _stores = new();

    public void Dispose()
    {
        foreach (var s in _stores) s.Dispose();
        _dir.Dispose();
    }

    private static readonly BucketId Bucket = new("test", DbMode.NonTransactional, "alpha", "b");

    private KeyValueStore Store(StorageLimits? limits = null)
    {
        var s = KeyValueStore.Create(new StorageOptions { Location = _dir.File($"s{_stores.Count}.db"), Limits = limits ?? new StorageLimits() });
        _stores.Add(s);
        return s;
    }

    private const string Header = "{\"format\":\"supervisor-storage\",\"version\":1,\"chain\":null,\"service\":null}";

    private static string Record(string key, byte[] value, string bucket = "b") =>
        $"{{\"chain\":\"test\",\"mode\":\"non-trx\",\"service\":\"alpha\",\"bucket\":\"{bucket}\",\"key\":\"{key}\",\"value\":\"{Convert.ToBase64String(value)}\"}}";

    private static string Trailer(int n) => $"{{\"end\":true,\"records\":{n}}}";

    private static MemoryStream Lines(params string[] lines) => new(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));

    private static List<string> Dump(KeyValueStore s) =>
        s.Backend.Scan(null, null).Select(r => $"{r.Bucket}|{r.Key}|{Convert.ToBase64String(r.Value)}").Order(StringComparer.Ordinal).ToList();

    /// <summary>Imports and returns the refusal, checking that nothing changed.</summary>
    private static StorageException Refused(KeyValueStore s, Stream archive, ConflictPolicy policy = ConflictPolicy.Overwrite, ArchiveFormat format = ArchiveFormat.JsonLines)
    {
        var before = Dump(s);
        var e = Assert.Throws<StorageException>(() => StorageArchive.Import(s, archive, policy, format));
        Assert.Equal(before, Dump(s));
        return e;
    }

    // ------------------------------------------------------------------ quota plan (PDP-SYNC-3)

    /// <summary>
    /// Stored: k0 with 10 bytes (12 with its key). The archive: k0 with 50 bytes and k1 with 20 (22 with its key).
    /// Under skip the final usage is 12 + 22 = 34 bytes; under overwrite 52 + 22 = 74: each fits its quota exactly and
    /// is refused one byte below it.
    /// </summary>
    [Theory, Rule("PDP-SYNC-3", "PDP-QUOTA-1")]
    [InlineData(ConflictPolicy.Skip, 34)]
    [InlineData(ConflictPolicy.Overwrite, 74)]
    public void ImportQuota_CountsTheFinalUsage_ExactlyAtTheBound(ConflictPolicy policy, long finalBytes)
    {
        MemoryStream Archive() => Lines(Header, Record("k0", new byte[50]), Record("k1", new byte[20]), Trailer(2));

        var under = Store(new StorageLimits { QuotaBytes = finalBytes - 1 });
        under.Backend.Set(Bucket, "k0", new byte[10], Quota.Unlimited);
        var e = Refused(under, Archive(), policy);
        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        Assert.StartsWith("importing would break a quota: ", e.Message);
        Assert.EndsWith("; nothing was imported", e.Message);

        var exact = Store(new StorageLimits { QuotaBytes = finalBytes });
        exact.Backend.Set(Bucket, "k0", new byte[10], Quota.Unlimited);
        var result = StorageArchive.Import(exact, Archive(), policy);
        Assert.Equal(policy == ConflictPolicy.Skip ? new ImportResult(1, 1) : new ImportResult(2, 0), result);
        Assert.Equal(finalBytes, exact.Backend.GetOwnerUsage("test", "alpha").Bytes);
    }

    [Fact, Rule("PDP-SYNC-3")]
    public void ImportUnderFail_WithNoQuota_StillRefusesAConflict()
    {
        var s = Store(new StorageLimits { QuotaBytes = 0, QuotaItems = 0 });
        s.Backend.Set(Bucket, "k1", [7], Quota.Unlimited);
        var e = Refused(s, Lines(Header, Record("k0", [1]), Record("k1", [2]), Trailer(2)), ConflictPolicy.Fail);
        Assert.Equal(StorageErrorCode.Conflict, e.Code);
        Assert.Equal("archive line 3: record \"k1\" in test:non-trx:alpha:b already exists (policy fail); nothing was imported", e.Message);
        // With no quota the other policies write without planning.
        Assert.Equal(new ImportResult(1, 1), StorageArchive.Import(s, Lines(Header, Record("k0", [1]), Record("k1", [2]), Trailer(2)), ConflictPolicy.Skip));
        Assert.Equal(new byte[] { 7 }, s.Backend.Get(Bucket, "k1"));
    }

    [Fact, Rule("PDP-SYNC-3", "PDP-SYNC-5")]
    public void ConflictMessages_NameTheLine_TheEntry_OrTheRecord()
    {
        var target = Store();
        target.Backend.Set(Bucket, "k", [1], Quota.Unlimited);
        var source = Store();
        source.Backend.Set(Bucket, "k", [2], Quota.Unlimited);

        var clone = Assert.Throws<StorageException>(() => StorageArchive.Clone(source, target, onConflict: ConflictPolicy.Fail));
        Assert.Equal("record \"k\" in test:non-trx:alpha:b already exists in the target store (policy fail); nothing was cloned", clone.Message);

        var dump = new MemoryStream("{\"test:non-trx:alpha:b:k\":\"Ag==\"}"u8.ToArray());
        var local = Refused(target, dump, ConflictPolicy.Fail, ArchiveFormat.PsibaseLocalStorage);
        Assert.Equal("psibase LocalStorage entry \"test:non-trx:alpha:b:k\" already exists (policy fail); nothing was imported", local.Message);
        Assert.Equal(new byte[] { 1 }, target.Backend.Get(Bucket, "k"));
    }

    // ------------------------------------------------------------------ repeats (PDP-SYNC-8)

    [Fact, Rule("PDP-SYNC-8")]
    public void ARecordTwice_NamesTheLineItFirstCameOn_NotAnEarlierRecordOfItsBucket()
    {
        var s = Store();
        var e = Refused(s, Lines(Header, Record("a", [1]), Record("b", [1]), Record("c", [1], "other"), Record("b", [2]), Trailer(4)));
        Assert.Equal("archive line 5: record \"b\" in test:non-trx:alpha:b is also on line 3: an archive holds each record once; nothing was imported", e.Message);
    }

    [Fact, Rule("PDP-SYNC-8", "PDP-SYNC-6")]
    public void ALocalStorageEntryTwice_NamesTheEntryItFirstCameAs_NotAnEarlierEntryOfItsBucket()
    {
        var s = Store();
        var e = Refused(s, new MemoryStream("{\"test:non-trx:alpha:b:j\":\"AQ==\",\"test:non-trx:alpha:b:k\":\"AQ==\",\"test:non-trx:alpha:b:k\":\"Ag==\"}"u8.ToArray()),
            format: ArchiveFormat.PsibaseLocalStorage);
        Assert.Equal("psibase LocalStorage entry \"test:non-trx:alpha:b:k\": it is also entry 2: a dump holds each record once; nothing was imported", e.Message);
    }

    // ------------------------------------------------------------------ refusals in their own words (PDP-SYNC-2)

    public static TheoryData<string[], string> BadArchives() => new()
    {
        { [Header, "[1]", Trailer(0)], "archive line 2: is not a JSON object; nothing was imported" },
        { [Header, "{\"chain\":", Trailer(0)], "archive line 2: is not a JSON object; nothing was imported" },
        { ["{\"format\":\"something-else\",\"version\":1}", Trailer(0)], "archive line 1: is not a supervisor-storage archive header; nothing was imported" },
        { ["{\"format\":\"supervisor-storage\"}", Trailer(0)], "archive line 1: the header has no version; nothing was imported" },
        { ["{\"format\":\"supervisor-storage\",\"version\":\"1\"}", Trailer(0)], "archive line 1: the header has no version; nothing was imported" },
        { [Header, Record("a", [1]), Trailer(2)], "archive line 3: the trailer does not match the 1 records read; nothing was imported" },
        { [Header, Record("a", [1]), "{\"end\":true}"], "archive line 3: the trailer does not match the 1 records read; nothing was imported" },
        { [Header, Trailer(0), Record("a", [1])], "archive line 3: data after the end of the archive; nothing was imported" },
        { [Header, Record("a", [1]).Replace("\"non-trx\"", "\"both\""), Trailer(1)], "archive line 2: mode \"both\" is neither \"non-trx\" nor \"trx\"; nothing was imported" },
        { [Header, Record("a", [1]).Replace(",\"value\":\"AQ==\"", ""), Trailer(1)], "archive line 2: value is missing or not base64; nothing was imported" },
        { [Header, Record("a", [1]).Replace("\"AQ==\"", "1"), Trailer(1)], "archive line 2: value is missing or not base64; nothing was imported" },
        { [Header, Record("a", [1]).Replace("\"bucket\":\"b\"", "\"bucket\":5"), Trailer(1)], "archive line 2: \"bucket\" is missing or not a string; nothing was imported" },
        { [Header, Record("a", [1]).Replace("\"key\":\"a\"", "\"key\":null"), Trailer(1)], "archive line 2: \"key\" is missing or not a string; nothing was imported" },
        { [Header, Record("a", [1]), "{\"end\":true,\"records\":\"1\"}"], "archive line 3: the trailer does not match the 1 records read; nothing was imported" },
    };

    [Theory, Rule("PDP-SYNC-2")]
    [MemberData(nameof(BadArchives))]
    public void ABadArchive_IsRefusedSayingWhy(string[] lines, string message)
    {
        var s = Store();
        s.Backend.Set(Bucket, "existing", [1], Quota.Unlimited);
        Assert.Equal(message, Refused(s, Lines(lines)).Message);
    }

    /// <summary>
    /// The cap on a line is computed from the limits, about 140 KB with the defaults (sync.md): a 150 KB line is refused
    /// as too long, before its value is decoded (a cap computed larger would read it and refuse only the value's size).
    /// </summary>
    [Fact, Rule("PDP-SYNC-2", "PDP-SYNC-7")]
    public void ALineOf150KB_IsTooLongUnderTheDefaultLimits()
    {
        var s = Store();
        var cap = StorageArchive.MaxLineBytes(s.Limits);
        Assert.InRange(cap, 138_000, 142_000);
        var e = Refused(s, Lines(Header, Record("a", new byte[112 * 1024]), Trailer(1)));
        Assert.Equal($"archive line 2: is longer than {cap} bytes, the longest a valid line can be; nothing was imported", e.Message);
    }

    [Fact, Rule("PDP-SYNC-2", "PDP-LIMIT-1")]
    public void AKeyOverTheLimit_IsRefusedWithItsLine()
    {
        var s = Store();
        var e = Refused(s, Lines(Header, Record("ok", [1]), Record(new string('k', 257), [1]), Trailer(2)));
        Assert.StartsWith("archive line 3: key \"kkk", e.Message);
        Assert.Contains("257", e.Message);
        Assert.Contains("256", e.Message);
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void BlankLinesAfterTheEnd_AreAccepted_AndAnEmptyArchiveIsRefused()
    {
        var s = Store();
        Assert.Equal(new ImportResult(1, 0), StorageArchive.Import(s, Lines(Header, Record("a", [1]), Trailer(1), "", "")));
        Assert.Equal("archive line 1: the archive is empty; nothing was imported", Refused(s, new MemoryStream()).Message);
    }

    public static TheoryData<string, string> BadDumps() => new()
    {
        { "not json", "the psibase LocalStorage dump is not JSON: " },
        { "[1, 2]", "the psibase LocalStorage dump is not a JSON object" },
        { "{\"test:non-trx:alpha:k\":\"AQ==\"}", "psibase LocalStorage entry \"test:non-trx:alpha:k\": it is not <chain>:<non-trx|trx>:<service>:<bucket>:<key>; nothing was imported" },
        { "{\"test:both:alpha:b:k\":\"AQ==\"}", "psibase LocalStorage entry \"test:both:alpha:b:k\": mode \"both\" is neither \"non-trx\" nor \"trx\"; nothing was imported" },
        { "{\"test:trx:alpha:b:k\":5}", "psibase LocalStorage entry \"test:trx:alpha:b:k\": its value is not base64; nothing was imported" },
    };

    [Theory, Rule("PDP-SYNC-6", "PDP-SYNC-2")]
    [MemberData(nameof(BadDumps))]
    public void ABadLocalStorageDump_IsRefusedSayingWhy(string dump, string message)
    {
        var s = Store();
        var e = Refused(s, new MemoryStream(Encoding.UTF8.GetBytes(dump)), format: ArchiveFormat.PsibaseLocalStorage);
        Assert.Equal(StorageErrorCode.InvalidArgument, e.Code);
        Assert.StartsWith(message, e.Message);
    }

    // ------------------------------------------------------------------ format detection (PDP-SYNC-6)

    [Theory, Rule("PDP-SYNC-6")]
    [InlineData("{\"format\":\"supervisor-storage\"}", ArchiveFormat.JsonLines)]
    [InlineData("\uFEFF  {\"format\":\"x\"}", ArchiveFormat.JsonLines)]
    [InlineData("", ArchiveFormat.JsonLines)]
    [InlineData(" \t\r\n", ArchiveFormat.JsonLines)]
    [InlineData("[1]", ArchiveFormat.JsonLines)]
    [InlineData("{\"test:non-trx:alpha:b:k\":\"AQ==\"}", ArchiveFormat.PsibaseLocalStorage)]
    [InlineData("\uFEFF\n{\"c:trx:s:b:k\":\"\"}", ArchiveFormat.PsibaseLocalStorage)]
    [InlineData("{}", ArchiveFormat.PsibaseLocalStorage)]
    public void DetectFormat_TellsAnArchiveFromALocalStorageDump(string start, ArchiveFormat format) =>
        Assert.Equal(format, StorageArchive.DetectFormat(Encoding.UTF8.GetBytes(start)));

    // ------------------------------------------------------------------ progress, streams and arguments

    private sealed class Recorder : IProgress<ArchiveProgress>
    {
        public List<ArchiveProgress> Reports { get; } = new();
        public void Report(ArchiveProgress value) => Reports.Add(value);
    }

    [Fact, Rule("PDP-SYNC-1", "PDP-SYNC-7")]
    public void ImportProgress_ReportsEvery256Records_AndTheEnd()
    {
        var lines = new List<string> { Header };
        for (var i = 0; i < 600; i++) lines.Add(Record($"k{i}", [1]));
        lines.Add(Trailer(600));
        var progress = new Recorder();
        StorageArchive.Import(Store(), Lines(lines.ToArray()), progress: progress);
        Assert.Equal([0L, 256, 512, 600], progress.Reports.Where(p => p.Phase == ArchivePhase.Validating).Select(p => p.Records));
        Assert.Equal([0L, 256, 512, 600], progress.Reports.Where(p => p.Phase == ArchivePhase.Writing).Select(p => p.Records));
    }

    [Theory, Rule("PDP-SYNC-1", "PDP-SYNC-6")]
    [InlineData(ArchiveFormat.JsonLines)]
    [InlineData(ArchiveFormat.PsibaseLocalStorage)]
    public void Export_IntoABufferedStream_IsWholeWhenExportReturns(ArchiveFormat format)
    {
        var s = Store();
        for (var i = 0; i < 300; i++) s.Backend.Set(Bucket, $"k{i}", new byte[100], Quota.Unlimited);
        var inner = new MemoryStream();
        var buffered = new BufferedStream(inner, 1 << 20);
        Assert.Equal(300, StorageArchive.Export(s, buffered, format: format));
        // Nothing flushed by the caller: the export flushed its output.
        var copy = Store();
        Assert.Equal(new ImportResult(300, 0), StorageArchive.Import(copy, new MemoryStream(inner.ToArray()), format: format));
        Assert.Equal(Dump(s), Dump(copy));
    }

    [Fact, Rule("PDP-SYNC-1", "PDP-ID-1")]
    public void Export_RefusesBadNames_AndNullArguments()
    {
        var s = Store();
        s.Backend.Set(Bucket, "k", [1], Quota.Unlimited);
        Assert.Equal(StorageErrorCode.InvalidChainId, Assert.Throws<StorageException>(() => StorageArchive.Export(s, new MemoryStream(), chain: "Bad Chain")).Code);
        Assert.Equal(StorageErrorCode.InvalidServiceName, Assert.Throws<StorageException>(() => StorageArchive.Export(s, new MemoryStream(), service: "Bad Service")).Code);
        Assert.Equal("store", Assert.Throws<ArgumentNullException>(() => StorageArchive.Export(null!, new MemoryStream())).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentNullException>(() => StorageArchive.Export(s, null!)).ParamName);
        Assert.Equal("store", Assert.Throws<ArgumentNullException>(() => StorageArchive.Import(null!, new MemoryStream())).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentNullException>(() => StorageArchive.Import(s, null!)).ParamName);
        Assert.Equal("from", Assert.Throws<ArgumentNullException>(() => StorageArchive.Clone(null!, s)).ParamName);
        Assert.Equal("to", Assert.Throws<ArgumentNullException>(() => StorageArchive.Clone(s, null!)).ParamName);
    }

    // ------------------------------------------------------------------ turns (PDP-TURN-7)

    [Fact, Rule("PDP-TURN-7", "PDP-SYNC-3")]
    public async Task Import_WaitsForTheTurnOfTheRecordsOwner()
    {
        var s = Store();
        var plugin = s.NewTurnHolder("a plugin's operation", TimeSpan.FromMinutes(5));
        plugin.Enter("test", "alpha", DateTime.UtcNow.AddMinutes(1));
        var import = Task.Run(() => StorageArchive.Import(s, Lines(Header, Record("k", [1]), Trailer(1))));
        await Task.Delay(500);
        Assert.False(import.IsCompleted, "the import did not wait for the owner's turn");
        Assert.Null(s.Backend.Get(Bucket, "k"));
        plugin.Dispose();
        await import.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(new byte[] { 1 }, s.Backend.Get(Bucket, "k"));
    }
}
