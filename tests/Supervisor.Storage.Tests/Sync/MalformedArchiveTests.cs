using System.Text;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

/// <summary>Archives from other devices and programs, made badly or with intent: refused with their line, never a crash, nothing written.</summary>
public sealed class MalformedArchiveTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly KeyValueStore _store;

    public MalformedArchiveTests()
    {
        _store = KeyValueStore.Create(new StorageOptions { Location = _dir.File("store.db") });
        _store.Backend.Set(new BucketId("test", DbMode.NonTransactional, "alpha", "b"), "existing", [1, 2, 3], Quota.Unlimited);
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private const string Header = "{\"format\":\"supervisor-storage\",\"version\":1,\"chain\":null,\"service\":null}";

    private static string Record(string key, string value = "AQ==", string bucket = "b") =>
        $"{{\"chain\":\"test\",\"mode\":\"non-trx\",\"service\":\"alpha\",\"bucket\":\"{bucket}\",\"key\":{key},\"value\":\"{value}\"}}";

    private static string Trailer(int n) => $"{{\"end\":true,\"records\":{n}}}";

    private List<string> Dump() => _store.Backend.Scan(null, null).Select(r => $"{r.Bucket}|{r.Key}|{Convert.ToBase64String(r.Value)}").ToList();

    /// <summary>Imports <paramref name="bytes"/> and returns the refusal, checking the store is as it was.</summary>
    private StorageException Refused(byte[] bytes, ArchiveFormat format = ArchiveFormat.JsonLines)
    {
        var before = Dump();
        var e = Assert.Throws<StorageException>(() => StorageArchive.Import(_store, new MemoryStream(bytes), ConflictPolicy.Overwrite, format));
        Assert.Equal(before, Dump());
        Assert.Contains("nothing was imported", e.Message);
        return e;
    }

    private static byte[] Lines(params string[] lines) => Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");

    [Theory, Rule("PDP-SYNC-2")]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"k\\udc00\"")]
    public void ALoneSurrogateInAKey_IsRefusedWithItsLine(string key)
    {
        var e = Refused(Lines(Header, Record("\"ok\""), Record(key), Trailer(2)));
        Assert.StartsWith("archive line 3: holds a lone UTF-16 surrogate", e.Message);
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void ALoneSurrogateInAPropertyName_IsRefusedWithItsLine()
    {
        var e = Refused(Lines(Header, Record("\"ok\"").Replace("\"bucket\"", "\"\\ud800\""), Trailer(1)));
        Assert.StartsWith("archive line 2:", e.Message);
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void BytesThatAreNotUtf8_AreRefusedWithTheirLineAndPlace()
    {
        var bytes = Lines(Header, Record("\"ok\""), Record("\"xx\""), Trailer(2));
        var at = Array.LastIndexOf(bytes, (byte)'x');
        bytes[at] = 0xFF;

        var e = Refused(bytes);

        Assert.StartsWith("archive line 3: holds 0xFF at byte", e.Message);
        Assert.Contains("which is not UTF-8", e.Message);
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void ALinePastTheLongestValidLine_IsRefusedAfterReadingNoMoreThanTheCap()
    {
        var cap = StorageArchive.MaxLineBytes(_store.Limits);
        var endless = new EndlessLine(Lines(Header));

        var e = Assert.Throws<StorageException>(() => StorageArchive.Import(_store, endless, ConflictPolicy.Overwrite));

        Assert.StartsWith($"archive line 2: is longer than {cap} bytes", e.Message);
        // The cap, one read buffer, and the spool's own copy: never the gigabytes a line could hold.
        Assert.True(endless.BytesRead < 4L * cap + 4 * 65536, $"read {endless.BytesRead} bytes for a cap of {cap}");
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void TheLongestValidLine_IsAccepted()
    {
        var value = Convert.ToBase64String(new byte[_store.Limits.MaxValueBytes]);
        var key = "\"" + string.Concat(Enumerable.Repeat("\\u0041", _store.Limits.MaxKeyBytes)) + "\"";
        var result = StorageArchive.Import(_store, new MemoryStream(Lines(Header, Record(key, value), Trailer(1))), ConflictPolicy.Overwrite);
        Assert.Equal(1, result.Imported);
    }

    [Fact, Rule("PDP-SYNC-8")]
    public void ARecordTwice_IsRefusedNamingBothLines()
    {
        var e = Refused(Lines(Header, Record("\"a\""), Record("\"b\""), Record("\"a\"", "Ag=="), Trailer(3)));
        Assert.Equal("archive line 4: record \"a\" in test:non-trx:alpha:b is also on line 2: an archive holds each record once; nothing was imported", e.Message);
    }

    [Fact, Rule("PDP-SYNC-8")]
    public void TheSameKeyInTwoBuckets_IsTwoRecords()
    {
        var result = StorageArchive.Import(_store, new MemoryStream(Lines(Header, Record("\"a\""), Record("\"a\"", bucket: "c"), Trailer(2))), ConflictPolicy.Overwrite);
        Assert.Equal(2, result.Imported);
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void ALocalStorageDumpWithALoneSurrogate_IsRefused()
    {
        var e = Refused(Encoding.UTF8.GetBytes("{\"test:non-trx:alpha:b:ok\":\"AQ==\",\"test:non-trx:alpha:b:\\ud800\":\"AQ==\"}"), ArchiveFormat.PsibaseLocalStorage);
        Assert.StartsWith("psibase LocalStorage entry 2: its name holds a lone UTF-16 surrogate", e.Message);
    }

    [Fact, Rule("PDP-SYNC-8")]
    public void ALocalStorageDumpWithADuplicateKey_IsRefusedNamingBothEntries()
    {
        var e = Refused(Encoding.UTF8.GetBytes("{\"test:non-trx:alpha:b:k\":\"AQ==\",\"test:non-trx:alpha:b:j\":\"AQ==\",\"test:non-trx:alpha:b:k\":\"Ag==\"}"), ArchiveFormat.PsibaseLocalStorage);
        Assert.Contains("entry \"test:non-trx:alpha:b:k\": it is also entry 1", e.Message);
    }

    [Fact, Rule("PDP-SYNC-2", "PDP-SYNC-7")]
    public void ALocalStorageDumpPastItsCap_IsRefusedAfterReadingNoMoreThanTheCap()
    {
        var endless = new EndlessLine(Encoding.UTF8.GetBytes("{\"test:non-trx:alpha:b:k\":\""));

        var e = Assert.Throws<StorageException>(() => StorageArchive.Import(_store, endless, ConflictPolicy.Overwrite, ArchiveFormat.PsibaseLocalStorage));

        Assert.Contains($"larger than {StorageArchive.MaxLocalStorageBytes} bytes", e.Message);
        Assert.True(endless.BytesRead <= StorageArchive.MaxLocalStorageBytes + 65536, $"read {endless.BytesRead} bytes");
    }

    /// <summary>A header line, then one line that never ends; counts what was read.</summary>
    private sealed class EndlessLine(byte[] start) : ForwardOnlyStream
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (BytesRead >= 64L << 30) return 0; // a guard against a regression reading forever: 64 GiB is never reached
            for (var i = 0; i < count; i++) buffer[offset + i] = BytesRead + i < start.Length ? start[BytesRead + i] : (byte)'a';
            BytesRead += count;
            return count;
        }
    }
}
