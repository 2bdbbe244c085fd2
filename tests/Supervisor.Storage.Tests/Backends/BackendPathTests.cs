using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Backends;

/// <summary>
/// Paths of the SQLite and memory backends that the contract tests pass without telling apart (issue 19's mutation run
/// on Backends/): every function refuses after disposal, usage lists leave out buckets emptied by deletes and count the
/// bytes a delete frees, buckets list in name then mode order, a scan of one chain holds only it, a listing resumes after
/// a key that is not stored, and two stores never share a plugin's turn.
/// </summary>
public sealed class BackendPathTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<StorageBackend> _backends = new();

    public void Dispose()
    {
        foreach (var b in _backends) b.Dispose();
        _dir.Dispose();
    }

    public static TheoryData<string> Backends => new() { "memory", "sqlite" };

    private StorageBackend Create(string type)
    {
        var b = BackendRegistry.CreateDefault().Create(type == "memory"
            ? new StorageOptions { Backend = "memory" }
            : new StorageOptions { Location = _dir.File($"b{_backends.Count}.db") });
        _backends.Add(b);
        return b;
    }

    private static BucketId Id(string bucket = "b", string service = "alpha", string chain = "test", DbMode mode = DbMode.NonTransactional) =>
        new(chain, mode, service, bucket);

    [Theory, Rule("PDP-QUOTA-4")]
    [MemberData(nameof(Backends))]
    public void UsageLists_LeaveOutEmptiedBuckets_AndCountWhatADeleteFrees(string type)
    {
        var b = Create(type);
        b.Set(Id("gone", chain: "other"), "k", [1], Quota.Unlimited);
        b.Delete(Id("gone", chain: "other"), "k");
        b.Set(Id("gone", service: "beta"), "k", [1], Quota.Unlimited);
        b.Delete(Id("gone", service: "beta"), "k");
        b.Set(Id("kept"), "k1", new byte[10], Quota.Unlimited); // 12 bytes
        b.Set(Id("kept"), "k2", new byte[20], Quota.Unlimited); // 22 bytes
        b.Delete(Id("kept"), "k1");

        Assert.Equal(["test"], b.ListChains().Select(u => u.Name));
        Assert.Equal(["alpha"], b.ListServices("test").Select(u => u.Name));
        var bucket = Assert.Single(b.ListBuckets("test", "alpha"));
        Assert.Equal(("kept", 1L, 22L), (bucket.Usage.Name, bucket.Usage.Items, bucket.Usage.Bytes));
        Assert.Equal(22, b.GetOwnerUsage("test", "alpha").Bytes);
        Assert.Empty(b.ListBuckets("test", "beta"));
    }

    [Theory, Rule("PDP-QUOTA-4")]
    [MemberData(nameof(Backends))]
    public void Buckets_AreListedByName_ThenMode(string type)
    {
        var b = Create(type);
        foreach (var (name, mode) in new[] { ("zeta", DbMode.Transactional), ("alpha", DbMode.Transactional), ("zeta", DbMode.NonTransactional), ("alpha", DbMode.NonTransactional) })
            b.Set(Id(name, mode: mode), "k", [1], Quota.Unlimited);
        Assert.Equal(
            [("alpha", DbMode.NonTransactional), ("alpha", DbMode.Transactional), ("zeta", DbMode.NonTransactional), ("zeta", DbMode.Transactional)],
            b.ListBuckets("test", "alpha").Select(x => (x.Bucket.Bucket, x.Bucket.Mode)));
    }

    [Theory, Rule("PDP-SYNC-1", "PDP-SYNC-5")]
    [MemberData(nameof(Backends))]
    public void ScanOfOneChain_HoldsOnlyThatChain(string type)
    {
        var b = Create(type);
        b.Set(Id(chain: "test"), "k", [1], Quota.Unlimited);
        b.Set(Id(chain: "main"), "k", [2], Quota.Unlimited);
        b.Set(Id(chain: "main", service: "beta"), "k", [3], Quota.Unlimited);
        Assert.Equal([new byte[] { 1 }], b.Scan("test", null).Select(r => r.Value));
        Assert.Equal([new byte[] { 2 }, new byte[] { 3 }], b.Scan("main", null).Select(r => r.Value).OrderBy(v => v[0]));
        Assert.Equal([new byte[] { 3 }], b.Scan("main", "beta").Select(r => r.Value));
        Assert.Equal(3, b.Scan(null, null).Count());
    }

    [Theory, Rule("PDP-LIST-3")]
    [MemberData(nameof(Backends))]
    public void ListKeys_AfterAKeyThatIsNotStored_StartsAtTheNextOne(string type)
    {
        var b = Create(type);
        foreach (var k in new[] { "a", "c", "e" }) b.Set(Id(), k, [1], Quota.Unlimited);
        Assert.Equal(["c", "e"], b.ListKeys(Id(), "b", 10));
        Assert.Equal(["e"], b.ListKeys(Id(), "c", 10));
        Assert.Empty(b.ListKeys(Id(), "e", 10));
        Assert.Empty(b.ListKeys(Id(), "f", 10));
        foreach (var k in new[] { "a", "c", "e" }) b.Delete(Id(), k);
        Assert.Empty(b.ListKeys(Id(), "b", 10));
        Assert.Empty(b.ListKeys(Id(), null, 10));
    }

    /// <summary>
    /// A quota lowered below what an owner keeps refuses only writes that grow it: overwriting a record, a counter or a
    /// compare-and-swap at the same count passes (the check compares the usage after with the usage before the write).
    /// </summary>
    [Theory, Rule("PDP-QUOTA-1")]
    [MemberData(nameof(Backends))]
    public void UnderALoweredItemQuota_LevelWritesPass_AndGrowingOnesAreRefused(string type)
    {
        var b = Create(type);
        b.Set(Id(), "k1", [1], Quota.Unlimited);
        b.Set(Id(), "k2", [2], Quota.Unlimited);
        b.Set(Id(), "n", "5"u8, Quota.Unlimited);
        var lowered = new Quota(0, 2);
        Assert.Equal(6, b.Increment(Id(), "n", 1, lowered));
        Assert.True(b.CompareAndSwap(Id(), "k1", [1], [9], lowered));
        b.Set(Id(), "k2", [8], lowered);
        b.Apply([new Write(Id(), "k1", [7])], lowered);
        Assert.Equal(StorageErrorCode.QuotaExceeded, Assert.Throws<StorageException>(() => b.Set(Id(), "k3", [1], lowered)).Code);
        Assert.Equal(StorageErrorCode.QuotaExceeded, Assert.Throws<StorageException>(() => b.Increment(Id(), "m", 1, lowered)).Code);
        Assert.Equal(StorageErrorCode.QuotaExceeded, Assert.Throws<StorageException>(() => b.CompareAndSwap(Id(), "k4", null, [1], lowered)).Code);
        Assert.Equal(3, b.GetOwnerUsage("test", "alpha").Items);
    }

    /// <summary>ApplyAll checks each owner's final usage against the usage before the whole change, not before its last write.</summary>
    [Theory, Rule("PDP-QUOTA-1", "PDP-SYNC-3")]
    [MemberData(nameof(Backends))]
    public void ApplyAll_ANewRecordWrittenTwice_CountsAgainstTheQuotaOnce_AndIsRefusedWhole(string type)
    {
        var b = Create(type);
        b.Set(Id(), "k1", [1], Quota.Unlimited);
        b.Set(Id(), "k2", [2], Quota.Unlimited);
        IReadOnlyList<Write>[] batches = [[new Write(Id(), "k3", [1])], [new Write(Id(), "k3", [2])]];
        Assert.Equal(StorageErrorCode.QuotaExceeded, Assert.Throws<StorageException>(() => b.ApplyAll(batches, new Quota(0, 2))).Code);
        Assert.Null(b.Get(Id(), "k3"));
        b.ApplyAll(batches, new Quota(0, 3));
        Assert.Equal(new byte[] { 2 }, b.Get(Id(), "k3"));
    }

    [Theory, Rule("PDP-TURN-1")]
    [MemberData(nameof(Backends))]
    public void TwoStores_NeverShareAPluginsTurn(string type)
    {
        using var one = KeyValueStore.Create(type == "memory" ? new StorageOptions { Backend = "memory" } : new StorageOptions { Location = _dir.File("one.db") });
        using var two = KeyValueStore.Create(type == "memory" ? new StorageOptions { Backend = "memory" } : new StorageOptions { Location = _dir.File("two.db") });
        using var first = one.NewTurnHolder("first", TimeSpan.FromMinutes(1));
        first.Enter("test", "alpha", DateTime.UtcNow.AddSeconds(30));
        using var second = two.NewTurnHolder("second", TimeSpan.FromMinutes(1));
        // The same chain and owner in another store: free at once (a shared turn would make this wait out its deadline).
        second.Enter("test", "alpha", DateTime.UtcNow.AddMilliseconds(500));
        Assert.True(second.Holds("test", "alpha"));
        Assert.True(first.Holds("test", "alpha"));
    }
}

/// <summary>The backend registry's choices and refusals, and the SQLite settings' bounds (issue 19's mutation run).</summary>
public sealed class BackendSettingsTests
{
    [Fact, Rule("PDP-BACKEND-1")]
    public void ResolveType_ReadsASchemeOfTwoOrMoreCharacters_AndNamesTheRegisteredOnesWhenUnknown()
    {
        var r = BackendRegistry.CreateDefault();
        Assert.Equal("memory", r.ResolveType(new StorageOptions { Location = "memory:" }));
        Assert.Equal("memory", r.ResolveType(new StorageOptions { Location = ":memory:" }));
        Assert.Equal("memory", r.ResolveType(new StorageOptions { Location = "memory://x" }));
        Assert.Equal("sqlite", r.ResolveType(new StorageOptions { Location = "SQLite://x.db" }));
        // One letter is a drive, and a "scheme" with characters a scheme cannot hold is part of a path.
        Assert.Equal("sqlite", r.ResolveType(new StorageOptions { Location = "c://store.db" }));
        Assert.Equal("sqlite", r.ResolveType(new StorageOptions { Location = "my dir://store.db" }));
        Assert.Equal("sqlite", r.ResolveType(new StorageOptions { Location = "a_b://store.db" }));
        var e = Assert.Throws<StorageException>(() => r.ResolveType(new StorageOptions { Location = "redis+x://h" }));
        Assert.Equal(StorageErrorCode.UnknownBackend, e.Code);
        Assert.Equal("no backend handles \"redis+x://\" store locations; registered: file://, memory://, sqlite://", e.Message);
        var unknown = Assert.Throws<StorageException>(() => r.Create(new StorageOptions { Backend = "nosuch" }));
        Assert.Equal("no backend is registered under \"nosuch\"; registered: memory, sqlite", unknown.Message);
    }

    [Fact, Rule("PDP-BACKEND-1")]
    public void Register_RefusesAnEmptyNameOrNoFactory()
    {
        var r = new BackendRegistry();
        Assert.Throws<ArgumentException>(() => r.Register(" ", _ => null!));
        Assert.Throws<ArgumentNullException>(() => r.Register("x", null!));
        Assert.Empty(r.TypeNames);
    }

    [Fact, Rule("PDP-BACKEND-1")]
    public void SqliteBusyTimeout_TakesZeroToOneHour_AndSaysSoOtherwise()
    {
        var o = new Supervisor.Storage.Backends.Sqlite.SqliteOptions { BusyTimeout = TimeSpan.Zero };
        o.BusyTimeout = TimeSpan.FromHours(1);
        Assert.Equal(TimeSpan.FromHours(1), o.BusyTimeout);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => o.BusyTimeout = TimeSpan.FromHours(1) + TimeSpan.FromTicks(1));
        Assert.StartsWith("BusyTimeout must be between 0 and 1 hour", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => o.BusyTimeout = TimeSpan.FromTicks(-1));
        Assert.StartsWith("Durability must be Process or Power",
            Assert.Throws<ArgumentOutOfRangeException>(() => o.Durability = (Supervisor.Storage.Backends.Sqlite.SqliteDurability)7).Message);
        Assert.StartsWith("domain \".x\" is invalid: use letters, digits",
            Assert.Throws<ArgumentException>(() => Supervisor.Storage.Backends.Sqlite.SqliteOptions.DefaultPath(".x")).Message);
    }
}
