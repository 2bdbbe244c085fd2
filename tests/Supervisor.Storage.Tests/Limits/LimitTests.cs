using System.Text;
using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Backends.Sqlite;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Limits;

/// <summary>Every limit from both sides, over both backends: the edge is accepted, one past it is refused
/// with a message naming the limit and the size, and the refused call changes nothing.</summary>
public sealed class LimitTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<IDisposable> _open = new();

    public void Dispose()
    {
        for (var i = _open.Count - 1; i >= 0; i--) _open[i].Dispose();
        _dir.Dispose();
    }

    private Bucket Open(string backend, StorageLimits? limits = null, DbMode mode = DbMode.NonTransactional)
    {
        var store = KeyValueStore.Create(new StorageOptions
        {
            Backend = backend,
            Location = backend == "sqlite" ? _dir.File($"{Guid.NewGuid():n}.db") : null,
            Limits = limits ?? new StorageLimits(),
        });
        var session = store.OpenSession();
        var op = session.BeginOperation();
        _open.AddRange([store, session, op]);
        return op.OpenBucket("c", mode, StorageDuration.Persistent, "alpha", "b");
    }

    private static StorageException Refused(StorageErrorCode code, Action call)
    {
        var e = Assert.Throws<StorageException>(call);
        Assert.Equal(code, e.Code);
        return e;
    }

    public static TheoryData<string> Backends => new() { "sqlite", "memory" };

    [Theory, MemberData(nameof(Backends)), Rule("PDP-LIMIT-1", "PDP-LIMIT-4")]
    public void Key_Of256Utf8Bytes_IsAccepted_257IsRefused(string backend)
    {
        var b = Open(backend);
        string[] fits = [new('a', 256), string.Concat(Enumerable.Repeat("é", 128)), string.Concat(Enumerable.Repeat("日", 85)) + "a",
            string.Concat(Enumerable.Repeat("\U0001F600", 64))];
        foreach (var key in fits)
        {
            Assert.Equal(256, Encoding.UTF8.GetByteCount(key));
            b.Set(key, "v"u8);
            Assert.Equal("v"u8.ToArray(), b.Get(key));
        }
        var listed = b.ListKeys(null, 1000).Keys;
        Assert.Equal(fits.Order(Keys.Utf8Order), listed);

        string[] over = [new('a', 257), string.Concat(Enumerable.Repeat("é", 128)) + "a", string.Concat(Enumerable.Repeat("\U0001F600", 64)) + "a",
            string.Concat(Enumerable.Repeat("日", 86))];
        foreach (var key in over)
        {
            var bytes = Encoding.UTF8.GetByteCount(key);
            Assert.True(bytes > 256);
            var e = Refused(StorageErrorCode.KeyTooLarge, () => b.Set(key, "v"u8));
            Assert.Contains($"{bytes} bytes", e.Message);
            Assert.Contains("256", e.Message);
            Refused(StorageErrorCode.KeyTooLarge, () => b.Get(key));
            Refused(StorageErrorCode.KeyTooLarge, () => b.Increment(key, 1));
            Refused(StorageErrorCode.KeyTooLarge, () => b.SetMany([new("ok", "1"u8.ToArray()), new(key, "2"u8.ToArray())]));
        }
        Assert.False(b.Exists("ok")); // the batch with one bad key applied nothing
        Assert.Equal(fits.Length, b.ListKeys(null, 1000).Keys.Count);
    }

    [Theory, MemberData(nameof(Backends)), Rule("PDP-LIMIT-1", "PDP-LIMIT-4")]
    public void Key_WithALoneSurrogate_IsRefusedAsInvalidUnicode(string backend)
    {
        var b = Open(backend);
        foreach (var key in new[] { "\uD800", "a\uDC00b", "\U0001F600"[..1], "x\uDBFF" })
        {
            var e = Refused(StorageErrorCode.InvalidKey, () => b.Set(key, "v"u8));
            Assert.Contains("Unicode", e.Message);
            Assert.Contains("\\u", e.Message); // the surrogate is quoted escaped
            Refused(StorageErrorCode.InvalidKey, () => b.Exists(key));
            Refused(StorageErrorCode.InvalidKey, () => b.GetMany(["fine", key]));
            Refused(StorageErrorCode.InvalidKey, () => b.SetMany([new("fine", [1]), new(key, [2])]));
            Refused(StorageErrorCode.InvalidKey, () => b.DeleteMany(["fine", key]));
        }
        Assert.Empty(b.ListKeys().Keys);
    }

    [Theory, MemberData(nameof(Backends)), Rule("PDP-LIMIT-2", "PDP-LIMIT-4", "PDP-STORE-4")]
    public void Value_Of102400Bytes_IsAccepted_102401IsRefused(string backend)
    {
        var b = Open(backend);
        var fits = new byte[102_400];
        new Random(1).NextBytes(fits);
        b.Set("big", fits);
        Assert.Equal(fits, b.Get("big"));
        Assert.True(b.CompareAndSwap("big", fits, fits));

        var over = new byte[102_401];
        var e = Refused(StorageErrorCode.ValueTooLarge, () => b.Set("big", over));
        Assert.Contains("\"big\"", e.Message);
        Assert.Contains("102401", e.Message);
        Assert.Contains("102400", e.Message);
        Refused(StorageErrorCode.ValueTooLarge, () => b.CompareAndSwap("big", fits, over));
        Refused(StorageErrorCode.ValueTooLarge, () => b.SetMany([new("small", [1]), new("huge", over)]));
        Assert.Equal(fits, b.Get("big"));
        Assert.False(b.Exists("small"));
        Assert.False(b.Exists("huge"));
    }

    [Theory, MemberData(nameof(Backends)), Rule("PDP-LIMIT-3", "PDP-LIMIT-4", "PDP-BATCH-1")]
    public void Batch_Of1000Keys_IsAccepted_1001IsRefused(string backend)
    {
        var b = Open(backend);
        var thousand = Enumerable.Range(0, 1000).Select(i => new KeyValuePair<string, byte[]>($"k{i:D4}", [(byte)i])).ToList();
        b.SetMany(thousand);
        Assert.Equal(thousand.Select(r => r.Value), b.GetMany(thousand.Select(r => r.Key).ToList()));

        var extra = thousand.Append(new("k1000", [1])).ToList();
        var e = Refused(StorageErrorCode.InvalidArgument, () => b.SetMany(extra.Select(r => new KeyValuePair<string, byte[]>(r.Key, [9])).ToList()));
        Assert.Contains("1001", e.Message);
        Assert.Contains("1000", e.Message);
        Refused(StorageErrorCode.InvalidArgument, () => b.GetMany(extra.Select(r => r.Key).ToList()));
        Refused(StorageErrorCode.InvalidArgument, () => b.DeleteMany(extra.Select(r => r.Key).ToList()));
        Assert.False(b.Exists("k1000"));
        Assert.Equal(new byte[] { 5 }, b.Get("k0005")); // not overwritten with 9 by the refused batch

        b.DeleteMany(thousand.Select(r => r.Key).ToList());
        Assert.Empty(b.ListKeys().Keys);
    }

    [Theory, MemberData(nameof(Backends)), Rule("PDP-LIMIT-3", "PDP-LIST-1", "PDP-LIST-2")]
    public void PageSize_From1To1000_IsAccepted_0And1001AreRefused(string backend)
    {
        var b = Open(backend);
        foreach (var chunk in Enumerable.Range(0, 1001).Chunk(500))
            b.SetMany(chunk.Select(i => new KeyValuePair<string, byte[]>($"k{i:D4}", [])).ToList());
        foreach (var bad in new[] { 0, -1, 1001, int.MaxValue })
        {
            var e = Refused(StorageErrorCode.InvalidArgument, () => b.ListKeys(null, bad));
            Assert.Contains($"{bad}", e.Message);
            Assert.Contains("1000", e.Message);
        }
        var one = b.ListKeys(null, 1);
        Assert.Equal(["k0000"], one.Keys);
        Assert.Equal(["k0001"], b.ListKeys(one.Cursor, 1).Keys);
        var full = b.ListKeys(null, 1000);
        Assert.Equal(1000, full.Keys.Count);
        Assert.NotNull(full.Cursor);
        var last = b.ListKeys(full.Cursor, 1000);
        Assert.Equal(["k1000"], last.Keys);
        Assert.Null(last.Cursor);
        Assert.Equal(StorageErrorCode.InvalidCursor, Assert.Throws<StorageException>(() => b.ListKeys([99, 1, 2])).Code);
    }

    [Theory, MemberData(nameof(Backends)), Rule("PDP-LIMIT-1", "PDP-LIMIT-2", "PDP-LIMIT-3", "PDP-LIMIT-4")]
    public void ConfiguredLimits_AreHonored(string backend)
    {
        var limits = new StorageLimits { MaxKeyBytes = 10, MaxValueBytes = 5, MaxBatchSize = 3 };
        foreach (var mode in new[] { DbMode.NonTransactional, DbMode.Transactional })
        {
            var b = Open(backend, limits, mode);
            b.Set("0123456789", "12345"u8);
            Assert.Contains("the limit is 10", Refused(StorageErrorCode.KeyTooLarge, () => b.Set("0123456789a", "1"u8)).Message);
            Assert.Contains("the limit is 5", Refused(StorageErrorCode.ValueTooLarge, () => b.Set("k", "123456"u8)).Message);
            b.SetMany([new("a", [1]), new("b", [2]), new("c", [3])]);
            Assert.Contains("the limit is 3", Refused(StorageErrorCode.InvalidArgument, () => b.GetMany(["a", "b", "c", "d"])).Message);
            Assert.Equal("12345"u8.ToArray(), b.Get("0123456789"));
            Assert.False(b.Exists("k"));
        }
        limits.MaxKeyBytes = 200; // the store took a copy at creation
        var again = Open(backend, new StorageLimits { MaxKeyBytes = 10 });
        Refused(StorageErrorCode.KeyTooLarge, () => again.Set(new string('k', 11), [1]));
    }

    [Fact, Rule("PDP-LIMIT-1", "PDP-LIMIT-2", "PDP-LIMIT-3", "PDP-QUOTA-1")]
    public void LimitSetters_RejectBadValues()
    {
        var l = new StorageLimits();
        // Each refusal names the setting, its bounds and the value given (ArgumentOutOfRangeException adds "Actual value").
        void Refuses(Action set, string message, object value)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(set);
            Assert.StartsWith(message, e.Message);
            Assert.Equal(value, e.ActualValue);
        }
        Refuses(() => l.MaxKeyBytes = 0, "MaxKeyBytes must be between 1 and 4096", 0);
        Refuses(() => l.MaxKeyBytes = 4097, "MaxKeyBytes must be between 1 and 4096", 4097);
        Refuses(() => l.MaxValueBytes = -1, "MaxValueBytes must be between 0 and 67108864", -1);
        Refuses(() => l.MaxValueBytes = 64 * 1024 * 1024 + 1, "MaxValueBytes must be between 0 and 67108864", 64 * 1024 * 1024 + 1);
        Refuses(() => l.MaxBatchSize = 0, "MaxBatchSize must be between 1 and 100000", 0);
        Refuses(() => l.MaxBatchSize = 100_001, "MaxBatchSize must be between 1 and 100000", 100_001);
        Refuses(() => l.QuotaBytes = -1, "QuotaBytes must be 0 (unlimited) or positive", -1L);
        Refuses(() => l.QuotaItems = -1, "QuotaItems must be 0 (unlimited) or positive", -1L);
        Assert.Equal((256, 102_400, 1000, 10L * 1024 * 1024, 100_000L), (l.MaxKeyBytes, l.MaxValueBytes, l.MaxBatchSize, l.QuotaBytes, l.QuotaItems));
        // Every bound itself is allowed.
        (l.MaxKeyBytes, l.MaxValueBytes, l.MaxBatchSize, l.QuotaBytes, l.QuotaItems) = (1, 0, 1, 0, 0);
        Assert.Equal((1, 0, 1, 0L, 0L), (l.MaxKeyBytes, l.MaxValueBytes, l.MaxBatchSize, l.QuotaBytes, l.QuotaItems));
        (l.MaxKeyBytes, l.MaxValueBytes, l.MaxBatchSize) = (4096, 64 * 1024 * 1024, 100_000);
        Assert.Equal((4096, 64 * 1024 * 1024, 100_000), (l.MaxKeyBytes, l.MaxValueBytes, l.MaxBatchSize));

        var o = new StorageOptions();
        Assert.StartsWith("backend type name is empty", Assert.Throws<ArgumentException>(() => o.Backend = " ").Message);
        Assert.StartsWith("store location is empty", Assert.Throws<ArgumentException>(() => o.Location = "  ").Message);
        Assert.StartsWith("the backend registry is null", Assert.Throws<ArgumentNullException>(() => o.Registry = null!).Message);
        Assert.Throws<ArgumentException>(() => o.Domain = "");
        Assert.Throws<ArgumentException>(() => o.Domain = "../up");
        Assert.Throws<ArgumentException>(() => o.Domain = ".hidden");
        Assert.Equal("default", o.Domain);
        o.Backend = " Memory ";
        Assert.Equal("memory", o.Backend);
        o.Location = null; // the domain's default file
        Assert.Null(o.Location);

        var s = o.Sqlite;
        Assert.Throws<ArgumentOutOfRangeException>(() => s.BusyTimeout = TimeSpan.FromSeconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.BusyTimeout = TimeSpan.FromHours(2));
        Assert.Equal(TimeSpan.FromSeconds(30), s.BusyTimeout);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Durability = (SqliteDurability)7);
        Assert.Equal(SqliteDurability.Process, s.Durability);
    }

    public static TheoryData<string, string> BadServices => new()
    {
        { "", "empty" }, { "Alpha", "a-z" }, { "al_pha", "a-z" }, { "abcdefghijk", "11 characters" }, { "-alpha", "start or end" },
        { "alpha-", "start or end" }, { "al--pha", "--" }, { "x-alpha", "x-" }, { "al pha", "a-z" }, { "é", "a-z" },
    };

    [Theory, MemberData(nameof(BadServices)), Rule("PDP-ID-2")]
    public void ServiceName_BreakingAccountRules_IsRefusedQuotingIt(string name, string rule)
    {
        var e = Assert.Throws<StorageException>(() => new BucketId("c", DbMode.NonTransactional, name, "b"));
        Assert.Equal(StorageErrorCode.InvalidServiceName, e.Code);
        Assert.Contains($"\"{name}\"", e.Message);
        Assert.Contains(rule, e.Message);
        using var store = KeyValueStore.Create(new StorageOptions { Backend = "memory" });
        Assert.Equal(StorageErrorCode.InvalidServiceName, Assert.Throws<StorageException>(() => store.GetUsage("c", name)).Code);
    }

    [Fact, Rule("PDP-ID-2", "PDP-ID-3", "PDP-ID-4")]
    public void ValidNames_AtTheirEdges_AreAccepted()
    {
        var op = KeyValueStore.Create(new StorageOptions { Backend = "memory" }).OpenSession().BeginOperation();
        foreach (var (chain, service, bucket) in new[]
        {
            ("a", "a", "a"), (new string('c', 128), "abcdefghij", new string('B', 128)), ("Chain_1.2-x", "a-b-c", "A_b-9"),
            (Convert.ToHexString(new byte[32]).ToLowerInvariant(), "x1", "_"), ("c", "0", "-"), ("c", Names.ClientData, "alpha"),
        })
        {
            var id = new BucketId(chain, DbMode.Transactional, service, bucket);
            Assert.Equal((chain, service, bucket), (id.Chain, id.Service, id.Bucket));
            var b = op.OpenBucket(id, StorageDuration.Ephemeral);
            b.Set("k", [1]);
            Assert.Equal(new byte[] { 1 }, b.Get("k"));
        }
    }

    public static TheoryData<string, string> BadBuckets => new()
    {
        { "", "empty" }, { "a b", "\"a b\"" }, { "a.b", "\"a.b\"" }, { "a/b", "\"a/b\"" }, { "é", "\"é\"" }, { new string('b', 129), "129 characters" },
    };

    [Theory, MemberData(nameof(BadBuckets)), Rule("PDP-ID-3")]
    public void BucketName_NotMatchingThePattern_IsRefusedQuotingIt(string name, string quoted)
    {
        var e = Assert.Throws<StorageException>(() => new BucketId("c", DbMode.NonTransactional, "alpha", name));
        Assert.Equal(StorageErrorCode.InvalidBucketName, e.Code);
        Assert.Contains(quoted, e.Message);
        var op = KeyValueStore.Create(new StorageOptions { Backend = "memory" }).OpenSession().BeginOperation();
        Assert.Equal(StorageErrorCode.InvalidBucketName,
            Assert.Throws<StorageException>(() => op.OpenBucket("c", DbMode.Transactional, StorageDuration.Session, "alpha", name)).Code);
    }

    public static TheoryData<string, string> BadChains => new()
    {
        { "", "empty" }, { "a b", "\"a b\"" }, { "a:b", "\"a:b\"" }, { "a/b", "\"a/b\"" }, { "ché", "\"ché\"" }, { new string('c', 129), "129 characters" },
    };

    [Theory, MemberData(nameof(BadChains)), Rule("PDP-ID-4")]
    public void ChainId_OutsideTheAlphabet_IsRefused(string chain, string quoted)
    {
        var e = Assert.Throws<StorageException>(() => new BucketId(chain, DbMode.NonTransactional, "alpha", "b"));
        Assert.Equal(StorageErrorCode.InvalidChainId, e.Code);
        Assert.Contains(quoted, e.Message);
        using var store = KeyValueStore.Create(new StorageOptions { Backend = "memory" });
        Assert.Equal(StorageErrorCode.InvalidChainId, Assert.Throws<StorageException>(() => store.ListServices(chain)).Code);
        Assert.Equal(StorageErrorCode.InvalidChainId, Assert.Throws<StorageException>(() => store.Clear(chain)).Code);
    }

    [Fact, Rule("PDP-BACKEND-1")]
    public void UnknownBackendOrScheme_IsRefusedListingTheRegisteredOnes()
    {
        var e = Assert.Throws<StorageException>(() => KeyValueStore.Create(new StorageOptions { Backend = "nosuch" }));
        Assert.Equal(StorageErrorCode.UnknownBackend, e.Code);
        Assert.Contains("\"nosuch\"", e.Message);
        Assert.Contains("memory", e.Message);
        Assert.Contains("sqlite", e.Message);

        var s = Assert.Throws<StorageException>(() => KeyValueStore.Create(new StorageOptions { Location = "gopher://host/db" }));
        Assert.Equal(StorageErrorCode.UnknownBackend, s.Code);
        Assert.Contains("gopher://", s.Message);
        Assert.Contains("file://", s.Message);
        Assert.Contains("sqlite://", s.Message);

        // A registry of one's own lists what it holds.
        var registry = new BackendRegistry();
        registry.Register("only", _ => new Supervisor.Storage.Backends.Memory.MemoryBackend(), "only");
        var r = Assert.Throws<StorageException>(() => KeyValueStore.Create(new StorageOptions { Backend = "sqlite", Registry = registry }));
        Assert.Contains("registered: only", r.Message);

        using var memory = KeyValueStore.Create(new StorageOptions { Location = "memory:" });
        Assert.Equal("memory", memory.Backend.TypeName);
        using var file = KeyValueStore.Create(new StorageOptions { Location = "file://" + _dir.File("uri.db") });
        Assert.Equal("sqlite", file.Backend.TypeName);
        Assert.True(File.Exists(_dir.File("uri.db")));
    }
}
