using System.Text;
using Supervisor.Storage;
using Supervisor.Storage.Backends;

namespace Supervisor.Testing;

/// <summary>
/// The contract every backend keeps, run against each one by a subclass that says how to make it.
/// Tests go through the raw backend and through a <see cref="KeyValueStore"/> over it.
/// </summary>
public abstract class BackendContractTests : IDisposable
{
    private readonly List<StorageBackend> _backends = new();

    /// <summary>A new, empty backend (persistent ones: on a fresh location the subclass owns).</summary>
    protected abstract StorageBackend CreateBackend();

    /// <summary>A second instance over the same data, for persistent backends; null otherwise.</summary>
    protected abstract StorageBackend? Reopen();

    /// <summary>Creates a backend and tracks it for disposal.</summary>
    protected StorageBackend Backend()
    {
        var b = CreateBackend();
        _backends.Add(b);
        return b;
    }

    /// <summary>A bucket id on chain <c>test</c>.</summary>
    protected static BucketId Bucket(string service = "alpha", string bucket = "b", DbMode mode = DbMode.NonTransactional, string chain = "test") =>
        new(chain, mode, service, bucket);

    /// <summary>UTF-8 bytes of a string.</summary>
    protected static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <inheritdoc />
    public virtual void Dispose()
    {
        foreach (var b in _backends) b.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact, Rule("PDP-SYNC-3")]
    public void ApplyAll_PastAQuotaInALaterBatch_WritesNothing_OrSaysExactlyWhatItWrote()
    {
        var b = Backend();
        var quota = new Quota(0, 550);
        IEnumerable<IReadOnlyList<Write>> Batches()
        {
            yield return Enumerable.Range(0, 500).Select(i => new Write(Bucket(), $"k{i}", [1])).ToList();
            yield return Enumerable.Range(500, 100).Select(i => new Write(Bucket(bucket: i == 500 ? "rolled" : "b"), $"k{i}", [1])).ToList();
        }

        var e = Assert.Throws<StorageException>(() => b.ApplyAll(Batches(), quota));

        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        var kept = b.GetOwnerUsage("test", "alpha").Items;
        if (b.AppliesAllAtomically)
        {
            Assert.Equal(0, kept);
            Assert.Null(b.Get(Bucket(), "k0"));
        }
        else
        {
            Assert.Equal(500, kept);
            Assert.Contains("500 records were written before it", e.Message);
        }
        // A bucket made inside a change that was rolled back is made again, not remembered.
        b.Set(Bucket(bucket: "rolled"), "z", [9], Quota.Unlimited);
        Assert.Equal(new byte[] { 9 }, b.Get(Bucket(bucket: "rolled"), "z"));
        // And whole when it fits, a bucket made inside the change included.
        b.ApplyAll([[new Write(Bucket(bucket: "fresh"), "x", [2])], [new Write(Bucket(), "y", [3])]], quota);
        Assert.Equal(new byte[] { 2 }, b.Get(Bucket(bucket: "fresh"), "x"));
    }

    [Fact, Rule("PDP-TURN-8")]
    public void ClaimTurnMode_TheFirstClaimIsRecorded_LaterClaimsReadIt_PerChainAndOwner()
    {
        var b = Backend();
        Assert.Null(b.GetTurnMode("test", "alpha"));
        Assert.Equal(TurnMode.Concurrent, b.ClaimTurnMode("test", "alpha", TurnMode.Concurrent));
        Assert.Equal(TurnMode.Concurrent, b.ClaimTurnMode("test", "alpha", TurnMode.Serialized));
        Assert.Equal(TurnMode.Concurrent, b.GetTurnMode("test", "alpha"));
        Assert.Null(b.GetTurnMode("test", "beta"));
        Assert.Null(b.GetTurnMode("other", "alpha"));
        Assert.Equal(TurnMode.Serialized, b.ClaimTurnMode("other", "alpha", TurnMode.Serialized));
        if (Reopen() is { } again)
        {
            _backends.Add(again);
            Assert.Equal(TurnMode.Concurrent, again.ClaimTurnMode("test", "alpha", TurnMode.Serialized));
            Assert.Equal(TurnMode.Serialized, again.GetTurnMode("other", "alpha"));
        }
    }

    [Fact, Rule("PDP-TURN-8")]
    public void SetTurnMode_ReplacesTheRecord_AndNullForgetsIt()
    {
        var b = Backend();
        b.ClaimTurnMode("test", "alpha", TurnMode.Serialized);
        b.SetTurnMode("test", "alpha", TurnMode.Concurrent);
        Assert.Equal(TurnMode.Concurrent, b.ClaimTurnMode("test", "alpha", TurnMode.Serialized));
        b.SetTurnMode("test", "alpha", null);
        Assert.Null(b.GetTurnMode("test", "alpha"));
        Assert.Equal(TurnMode.Serialized, b.ClaimTurnMode("test", "alpha", TurnMode.Serialized));
        b.SetTurnMode("test", "alpha", null);
        b.SetTurnMode("test", "alpha", null); // forgetting nothing is no error
        // The record is not data: clearing the chain keeps it.
        b.SetTurnMode("test", "alpha", TurnMode.Concurrent);
        b.Set(Bucket(), "k", B("v"), Quota.Unlimited);
        b.Clear("test", null);
        Assert.Equal(TurnMode.Concurrent, b.GetTurnMode("test", "alpha"));
    }

    [Fact, Rule("PDP-TURN-8")]
    public void ClaimTurnMode_RacedFromThreadsProposingBothModes_GivesEveryoneTheSameMode()
    {
        var b = Backend();
        var second = Reopen();
        if (second is not null) _backends.Add(second);
        for (var round = 0; round < 5; round++)
        {
            var owner = $"race{round}";
            var results = new TurnMode[8];
            Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
                results[i] = (i % 2 == 0 || second is null ? b : second).ClaimTurnMode("test", owner, i % 3 == 0 ? TurnMode.Concurrent : TurnMode.Serialized));
            Assert.Single(results.Distinct());
            Assert.Equal(results[0], b.GetTurnMode("test", owner));
        }
    }

    [Fact, Rule("PDP-STORE-1")]
    public void Get_AfterSet_ReturnsValue()
    {
        var b = Backend();
        b.Set(Bucket(), "k", B("v1"), Quota.Unlimited);
        Assert.Equal(B("v1"), b.Get(Bucket(), "k"));
        b.Set(Bucket(), "k", B("v2"), Quota.Unlimited);
        Assert.Equal(B("v2"), b.Get(Bucket(), "k"));
    }

    [Fact, Rule("PDP-STORE-1", "PDP-STORE-3")]
    public void Get_AfterDelete_ReturnsNone()
    {
        var b = Backend();
        b.Set(Bucket(), "k", B("v"), Quota.Unlimited);
        Assert.True(b.Delete(Bucket(), "k"));
        Assert.Null(b.Get(Bucket(), "k"));
        Assert.False(b.Delete(Bucket(), "k"));
        Assert.False(b.Delete(Bucket(bucket: "never"), "k"));
    }

    [Fact, Rule("PDP-STORE-2")]
    public void Exists_TracksSetAndDelete()
    {
        var b = Backend();
        Assert.False(b.Exists(Bucket(), "k"));
        b.Set(Bucket(), "k", [], Quota.Unlimited);
        Assert.True(b.Exists(Bucket(), "k"));
        b.Delete(Bucket(), "k");
        Assert.False(b.Exists(Bucket(), "k"));
    }

    [Fact, Rule("PDP-STORE-4")]
    public void Set_StoresEveryByteExactly()
    {
        var b = Backend();
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var big = new byte[100 * 1024];
        new Random(7).NextBytes(big);
        b.Set(Bucket(), "all", all, Quota.Unlimited);
        b.Set(Bucket(), "empty", [], Quota.Unlimited);
        b.Set(Bucket(), "big", big, Quota.Unlimited);
        Assert.Equal(all, b.Get(Bucket(), "all"));
        Assert.Equal(Array.Empty<byte>(), b.Get(Bucket(), "empty"));
        Assert.Equal(big, b.Get(Bucket(), "big"));
    }

    [Fact, Rule("PDP-ID-1")]
    public void Records_AreSeparatedByEveryIdentityPart()
    {
        var b = Backend();
        BucketId[] ids =
        [
            Bucket(), Bucket(chain: "other"), Bucket(mode: DbMode.Transactional), Bucket(service: "beta"), Bucket(bucket: "b2"),
        ];
        for (var i = 0; i < ids.Length; i++) b.Set(ids[i], "k", B($"v{i}"), Quota.Unlimited);
        for (var i = 0; i < ids.Length; i++) Assert.Equal(B($"v{i}"), b.Get(ids[i], "k"));
        b.Delete(ids[0], "k");
        for (var i = 1; i < ids.Length; i++) Assert.Equal(B($"v{i}"), b.Get(ids[i], "k"));
    }

    [Fact, Rule("PDP-LIST-1")]
    public void ListKeys_ReturnsUtf8ByteOrder()
    {
        var b = Backend();
        // UTF-16 ordinal order puts U+1F600 (a surrogate pair) before U+FF5E; UTF-8 byte order puts it after.
        string[] keys = ["b", "a", "ab", "A", "\u00e9", "\uff5e", "\U0001F600", "z", "", "a\u0000"];
        foreach (var k in keys) b.Set(Bucket(), k, B("x"), Quota.Unlimited);
        var expected = keys.OrderBy(k => Encoding.UTF8.GetBytes(k), ByteOrder.Instance).ToList();
        Assert.Equal(expected, b.ListKeys(Bucket(), null, 100));
        Assert.Equal(expected.Skip(3).Take(2), b.ListKeys(Bucket(), expected[2], 2));
        Assert.Empty(b.ListKeys(Bucket(), expected[^1], 10));
        Assert.Empty(b.ListKeys(Bucket(bucket: "none"), null, 10));
    }

    [Fact, Rule("PDP-LIST-1", "PDP-LIST-2")]
    public void ListKeys_ThroughStore_PagesWithCursorUntilNull()
    {
        var b = Backend();
        for (var i = 0; i < 25; i++) b.Set(Bucket(), $"k{i:D3}", B("x"), Quota.Unlimited);
        using var store = KeyValueStore.Create(b);
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        var bucket = op.OpenBucket(Bucket(), StorageDuration.Persistent);
        var seen = new List<string>();
        byte[]? cursor = null;
        var pages = 0;
        do
        {
            var page = bucket.ListKeys(cursor, 10);
            seen.AddRange(page.Keys);
            cursor = page.Cursor;
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"k{i:D3}"), seen);
        Assert.Equal(25, bucket.ListKeys(null, 1000).Keys.Count);
        Assert.Null(bucket.ListKeys(null, 25).Cursor);
        Assert.Equal(Keys.DefaultPageSize, 100);
    }

    [Fact, Rule("PDP-LIST-3")]
    public void ListKeys_WhileOthersWrite_ReturnsEveryStableKeyOnce()
    {
        var b = Backend();
        var stable = Enumerable.Range(0, 300).Select(i => $"s{i:D4}").ToList();
        foreach (var k in stable) b.Set(Bucket(), k, B("x"), Quota.Unlimited);
        using var store = KeyValueStore.Create(b);
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        var bucket = op.OpenBucket(Bucket(), StorageDuration.Persistent);
        var seen = new List<string>();
        byte[]? cursor = null;
        var round = 0;
        do
        {
            var page = bucket.ListKeys(cursor, 7);
            seen.AddRange(page.Keys);
            cursor = page.Cursor;
            // Churn around the cursor: new keys before and after it, transient keys deleted again.
            b.Set(Bucket(), $"s{round:D4}a", B("new"), Quota.Unlimited);
            b.Set(Bucket(), $"t{round}", B("new"), Quota.Unlimited);
            b.Delete(Bucket(), $"t{round - 1}");
            round++;
        }
        while (cursor is not null);
        var stableSeen = seen.Where(k => k.Length == 5 && k[0] == 's').ToList();
        Assert.Equal(stable, stableSeen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact, Rule("PDP-INCR-1")]
    public void Increment_StoresDecimalText_AbsentIsZero()
    {
        var b = Backend();
        Assert.Equal(5, b.Increment(Bucket(), "c", 5, Quota.Unlimited));
        Assert.Equal(-2, b.Increment(Bucket(), "c", -7, Quota.Unlimited));
        Assert.Equal(B("-2"), b.Get(Bucket(), "c"));
        b.Set(Bucket(), "d", B("41"), Quota.Unlimited);
        Assert.Equal(42, b.Increment(Bucket(), "d", 1, Quota.Unlimited));
        Assert.Equal(long.MaxValue, b.Increment(Bucket(), "m", long.MaxValue, Quota.Unlimited));
    }

    [Theory, Rule("PDP-INCR-2")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("1.5")]
    [InlineData(" 1")]
    [InlineData("99999999999999999999")]
    public void Increment_NonInteger_FailsAndKeepsValue(string stored)
    {
        var b = Backend();
        b.Set(Bucket(), "c", B(stored), Quota.Unlimited);
        var e = Assert.Throws<StorageException>(() => b.Increment(Bucket(), "c", 1, Quota.Unlimited));
        Assert.Equal(StorageErrorCode.NotAnInteger, e.Code);
        Assert.Contains("\"c\"", e.Message);
        Assert.Equal(B(stored), b.Get(Bucket(), "c"));
    }

    [Fact, Rule("PDP-INCR-2")]
    public void Increment_Overflow_FailsAndKeepsValue()
    {
        var b = Backend();
        b.Set(Bucket(), "c", B(long.MaxValue.ToString()), Quota.Unlimited);
        Assert.Equal(StorageErrorCode.Overflow, Assert.Throws<StorageException>(() => b.Increment(Bucket(), "c", 1, Quota.Unlimited)).Code);
        b.Set(Bucket(), "n", B(long.MinValue.ToString()), Quota.Unlimited);
        Assert.Equal(StorageErrorCode.Overflow, Assert.Throws<StorageException>(() => b.Increment(Bucket(), "n", -1, Quota.Unlimited)).Code);
        Assert.Equal(B(long.MaxValue.ToString()), b.Get(Bucket(), "c"));
        Assert.Equal(B(long.MinValue.ToString()), b.Get(Bucket(), "n"));
    }

    [Fact, Rule("PDP-CAS-1")]
    public void CompareAndSwap_SwapsOnlyOnMatch()
    {
        var b = Backend();
        Assert.True(b.CompareAndSwap(Bucket(), "k", null, B("one"), Quota.Unlimited));
        Assert.False(b.CompareAndSwap(Bucket(), "k", null, B("two"), Quota.Unlimited));
        Assert.False(b.CompareAndSwap(Bucket(), "k", B("wrong"), B("two"), Quota.Unlimited));
        Assert.Equal(B("one"), b.Get(Bucket(), "k"));
        Assert.True(b.CompareAndSwap(Bucket(), "k", B("one"), B("two"), Quota.Unlimited));
        Assert.Equal(B("two"), b.Get(Bucket(), "k"));
        Assert.False(b.CompareAndSwap(Bucket(), "absent", B("x"), B("y"), Quota.Unlimited));
        Assert.False(b.Exists(Bucket(), "absent"));
    }

    [Fact, Rule("PDP-BATCH-1")]
    public void GetMany_ReturnsInOrderWithNoneForAbsent()
    {
        var b = Backend();
        b.Apply([new Write(Bucket(), "a", B("1")), new Write(Bucket(), "c", B("3"))], Quota.Unlimited);
        var values = b.GetMany(Bucket(), ["c", "b", "a"]);
        Assert.Equal(B("3"), values[0]);
        Assert.Null(values[1]);
        Assert.Equal(B("1"), values[2]);
    }

    [Fact, Rule("PDP-BATCH-1", "PDP-LIMIT-4", "PDP-QUOTA-1")]
    public void Apply_OverQuota_AppliesNothing()
    {
        var b = Backend();
        b.Set(Bucket(), "keep", B("old"), Quota.Unlimited);
        var quota = new Quota(0, 3);
        var e = Assert.Throws<StorageException>(() => b.Apply(
        [
            new Write(Bucket(), "keep", B("new")), new Write(Bucket(), "x", B("1")), new Write(Bucket(), "y", B("2")), new Write(Bucket(), "z", B("3")),
        ], quota));
        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        Assert.Equal(B("old"), b.Get(Bucket(), "keep"));
        Assert.False(b.Exists(Bucket(), "x"));
        Assert.Equal(1, b.GetOwnerUsage("test", "alpha").Items);
    }

    [Fact, Rule("PDP-QUOTA-1")]
    public void Set_PastByteQuota_FailsButShrinkingSucceeds()
    {
        var b = Backend();
        var quota = new Quota(100, 0);
        b.Set(Bucket(), "k", new byte[90], quota); // 1 + 90 bytes
        var e = Assert.Throws<StorageException>(() => b.Set(Bucket(), "j", new byte[10], quota));
        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        Assert.Contains("alpha", e.Message);
        Assert.Contains("100", e.Message);
        Assert.False(b.Exists(Bucket(), "j"));
        b.Set(Bucket(), "k", new byte[10], new Quota(5, 0)); // shrinking is allowed even above a lowered quota
        Assert.Equal(11, b.GetOwnerUsage("test", "alpha").Bytes);
        Assert.Throws<StorageException>(() => b.Increment(Bucket(), "c", 12345, new Quota(12, 0)));
        Assert.False(b.Exists(Bucket(), "c"));
    }

    [Fact, Rule("PDP-QUOTA-1")]
    public void Set_PastItemQuota_Fails()
    {
        var b = Backend();
        var quota = new Quota(0, 2);
        b.Set(Bucket(), "a", B("1"), quota);
        b.Set(Bucket(bucket: "other"), "b", B("1"), quota);
        Assert.Equal(StorageErrorCode.QuotaExceeded, Assert.Throws<StorageException>(() => b.Set(Bucket(), "c", B("1"), quota)).Code);
        b.Set(Bucket(), "a", B("replaced"), quota); // replacing does not add an item
        Assert.Throws<StorageException>(() => b.CompareAndSwap(Bucket(), "d", null, B("1"), quota));
        b.Set(Bucket(service: "beta"), "a", B("1"), quota); // quotas are per plugin
        b.Set(Bucket(chain: "other"), "a", B("1"), quota); // and per chain
    }

    [Fact, Rule("PDP-QUOTA-3", "PDP-ID-5")]
    public void ClientDataRecords_AreChargedToTheCaller()
    {
        var b = Backend();
        var quota = new Quota(0, 1);
        b.Set(Bucket(service: Names.ClientData, bucket: "alpha"), "k", B("1"), quota);
        b.Set(Bucket(service: Names.ClientData, bucket: "beta"), "k", B("1"), quota);
        Assert.Throws<StorageException>(() => b.Set(Bucket(service: "alpha"), "own", B("1"), quota));
        Assert.Equal(1, b.GetOwnerUsage("test", "alpha").Items);
        Assert.Equal(1, b.GetOwnerUsage("test", "beta").Items);
        Assert.Equal(0, b.GetOwnerUsage("test", Names.ClientData).Items);
    }

    [Fact, Rule("PDP-QUOTA-4", "PDP-ADMIN-1")]
    public void Usage_ListsChainsServicesBucketsWithExactTotals()
    {
        var b = Backend();
        b.Set(Bucket(), "k1", new byte[10], Quota.Unlimited);
        b.Set(Bucket(), "k2", new byte[20], Quota.Unlimited);
        b.Set(Bucket(bucket: "c"), "k", new byte[5], Quota.Unlimited);
        b.Set(Bucket(service: "beta"), "k", new byte[1], Quota.Unlimited);
        b.Set(Bucket(chain: "main"), "k", new byte[1], Quota.Unlimited);
        b.Set(Bucket(), "k2", new byte[2], Quota.Unlimited);
        b.Delete(Bucket(bucket: "c"), "k");
        Assert.Equal([new UsageEntry("main", 1, 2), new UsageEntry("test", 3, 16 + 2)], b.ListChains());
        Assert.Equal([new UsageEntry("alpha", 2, 16), new UsageEntry("beta", 1, 2)], b.ListServices("test"));
        var buckets = b.ListBuckets("test", "alpha");
        Assert.Single(buckets);
        Assert.Equal(Bucket(), buckets[0].Bucket);
        Assert.Equal(new UsageEntry("b", 2, 16), buckets[0].Usage);
        Assert.Equal(new UsageEntry("alpha", 2, 16), b.GetOwnerUsage("test", "alpha"));
    }

    [Fact, Rule("PDP-ADMIN-2")]
    public void Clear_RemovesOneServiceOrAWholeChain()
    {
        var b = Backend();
        b.Set(Bucket(), "k", B("1"), Quota.Unlimited);
        b.Set(Bucket(service: "beta"), "k", B("1"), Quota.Unlimited);
        b.Set(Bucket(chain: "main"), "k", B("1"), Quota.Unlimited);
        Assert.Equal(1, b.Clear("test", "alpha"));
        Assert.Null(b.Get(Bucket(), "k"));
        Assert.NotNull(b.Get(Bucket(service: "beta"), "k"));
        Assert.Equal(1, b.Clear("test", null));
        Assert.Null(b.Get(Bucket(service: "beta"), "k"));
        Assert.NotNull(b.Get(Bucket(chain: "main"), "k"));
        Assert.Equal([new UsageEntry("main", 1, 2)], b.ListChains());
        b.Set(Bucket(), "again", B("1"), Quota.Unlimited);
        Assert.Equal(B("1"), b.Get(Bucket(), "again"));
    }

    [Fact]
    public void Scan_StreamsSelectedRecords()
    {
        var b = Backend();
        b.Set(Bucket(), "k", B("1"), Quota.Unlimited);
        b.Set(Bucket(service: "beta"), "k", B("2"), Quota.Unlimited);
        b.Set(Bucket(chain: "main"), "k", B("3"), Quota.Unlimited);
        Assert.Equal(3, b.Scan(null, null).Count());
        var one = Assert.Single(b.Scan("test", "beta"));
        Assert.Equal(Bucket(service: "beta"), one.Bucket);
        Assert.Equal(B("2"), one.Value);
    }

    [Fact, Rule("PDP-INCR-3", "PDP-CAS-1", "PDP-QUOTA-2")]
    public void Increment_AndCas_FromManyThreads_LoseNoUpdates()
    {
        var b = Backend();
        const int threads = 8, each = 200;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
        {
            for (var i = 0; i < each; i++)
            {
                b.Increment(Bucket(), "counter", 1, new Quota(0, 1000));
                while (true)
                {
                    var current = b.Get(Bucket(), "cas");
                    var n = current is null ? 0 : long.Parse(Encoding.UTF8.GetString(current));
                    if (b.CompareAndSwap(Bucket(), "cas", current, B((n + 1).ToString()), Quota.Unlimited)) break;
                }
            }
        });
        Assert.Equal(B((threads * each).ToString()), b.Get(Bucket(), "counter"));
        Assert.Equal(B((threads * each).ToString()), b.Get(Bucket(), "cas"));

        // Quota exact under contention: exactly 50 of 400 distinct inserts fit.
        var quota = new Quota(0, 52);
        var ok = 0;
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            try
            {
                b.Set(Bucket(), $"q{i}", B("x"), quota);
                Interlocked.Increment(ref ok);
            }
            catch (StorageException e) when (e.Code == StorageErrorCode.QuotaExceeded)
            {
            }
        });
        Assert.Equal(50, ok);
        Assert.Equal(52, b.GetOwnerUsage("test", "alpha").Items);
    }

    [Fact, Rule("PDP-DUR-1")]
    public void Records_SurviveReopen_WhenPersistent()
    {
        var b = Backend();
        if (!b.IsPersistent)
        {
            Assert.Null(Reopen());
            return;
        }
        b.Set(Bucket(), "k", B("durable"), Quota.Unlimited);
        b.Increment(Bucket(), "c", 3, Quota.Unlimited);
        b.Dispose();
        using var again = Reopen()!;
        Assert.Equal(B("durable"), again.Get(Bucket(), "k"));
        Assert.Equal(B("3"), again.Get(Bucket(), "c"));
        Assert.Equal(2, again.GetOwnerUsage("test", "alpha").Items);
    }

    [Fact, Rule("PDP-BACKEND-1")]
    public void Dispose_IsIdempotent_AndEveryFunctionAfterThrowsObjectDisposed()
    {
        var b = CreateBackend();
        b.Set(Bucket(), "k", [1], Quota.Unlimited);
        b.Dispose();
        b.Dispose();
        var q = Quota.Unlimited;
        Action[] calls =
        [
            () => b.Get(Bucket(), "k"), () => b.Exists(Bucket(), "k"), () => b.Set(Bucket(), "k", [2], q), () => b.Delete(Bucket(), "k"),
            () => b.ListKeys(Bucket(), null, 10), () => b.Increment(Bucket(), "n", 1, q), () => b.CompareAndSwap(Bucket(), "k", [1], [2], q),
            () => b.GetMany(Bucket(), ["k"]), () => b.Apply([new Write(Bucket(), "k", [3])], q), () => b.GetOwnerUsage("test", "alpha"),
            () => b.ListChains(), () => b.ListServices("test"), () => b.ListBuckets("test", "alpha"), () => b.Clear("test", null),
            () => b.Scan(null, null).ToList(),
        ];
        for (var i = 0; i < calls.Length; i++)
        {
            var e = Record.Exception(calls[i]);
            Assert.True(e is ObjectDisposedException, $"call {i} after Dispose: {e?.GetType().Name ?? "no exception"}");
        }
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
