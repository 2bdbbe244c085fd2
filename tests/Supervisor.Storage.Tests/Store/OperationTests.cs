using System.Text;
using Supervisor.Storage.Backends.Memory;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Store;

public sealed class OperationTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly KeyValueStore _store;

    public OperationTests() => _store = KeyValueStore.Create(new StorageOptions { Location = _dir.File("store.db") });

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static Bucket Open(Operation op, DbMode mode = DbMode.Transactional, StorageDuration duration = StorageDuration.Persistent, string service = "alpha", string bucket = "b") =>
        op.OpenBucket("test", mode, duration, service, bucket);

    [Fact, Rule("PDP-TRX-1")]
    public void TransactionalWrites_AreVisibleInsideTheOperationOnly()
    {
        using var session = _store.OpenSession();
        using (var setup = session.BeginOperation())
        {
            Open(setup).Set("gone", B("old"));
            setup.Commit();
        }
        using var op = session.BeginOperation();
        var bucket = Open(op);
        bucket.Set("k", B("v"));
        bucket.Delete("gone");
        Assert.Equal(5, bucket.Increment("n", 5));
        Assert.True(bucket.CompareAndSwap("k", B("v"), B("w")));
        Assert.Equal(B("w"), bucket.Get("k"));
        Assert.False(bucket.Exists("gone"));
        Assert.Null(bucket.Get("gone"));
        Assert.Equal(["k", "n"], bucket.ListKeys().Keys);
        Assert.Equal([B("w"), null], bucket.GetMany(["k", "gone"]));

        using var other = session.BeginOperation();
        var outside = Open(other);
        Assert.Null(outside.Get("k"));
        Assert.Equal(B("old"), outside.Get("gone"));
    }

    [Fact, Rule("PDP-TRX-1", "PDP-LIST-3")]
    public void TransactionalListing_WithABufferedKeyOnEveryPageBoundary_ListsEachKeyOnce()
    {
        using var session = _store.OpenSession();
        using (var setup = session.BeginOperation())
        {
            var b = Open(setup, DbMode.Transactional);
            foreach (var k in new[] { "k1", "k2", "k3", "k4", "k5" }) b.Set(k, B("stored"));
            setup.Commit();
        }
        using var op = session.BeginOperation();
        var bucket = Open(op, DbMode.Transactional);
        // Buffered, not stored: between stored keys, after the last one, and one deleted.
        bucket.Set("k0", B("new"));
        bucket.Set("k3a", B("new"));
        bucket.Set("k6", B("new"));
        bucket.Delete("k2");
        var expected = new[] { "k0", "k1", "k3", "k3a", "k4", "k5", "k6" };

        // Every page size puts a buffered key at the end of some page.
        for (var size = 1; size <= expected.Length + 1; size++)
        {
            var all = new List<string>();
            byte[]? cursor = null;
            do
            {
                var page = bucket.ListKeys(cursor, size);
                all.AddRange(page.Keys);
                cursor = page.Cursor;
                // A key listed again would never let the listing end: stop and fail instead.
                Assert.True(all.Count <= expected.Length, $"page size {size}: listed {string.Join(", ", all)}");
            }
            while (cursor is not null);
            Assert.Equal(expected, all);
        }
    }

    [Fact, Rule("PDP-TRX-1")]
    public void TransactionalListing_MergesPendingWritesWithStoredKeys()
    {
        using var session = _store.OpenSession();
        using (var setup = session.BeginOperation())
        {
            var b = Open(setup, DbMode.Transactional);
            b.SetMany(Enumerable.Range(0, 2500).Select(i => new KeyValuePair<string, byte[]>($"k{i:D5}", B("x"))).ToList()[..1000]);
            b.SetMany(Enumerable.Range(1000, 1500).Select(i => new KeyValuePair<string, byte[]>($"k{i:D5}", B("x"))).ToList()[..1000]);
            setup.Commit();
        }
        using var op = session.BeginOperation();
        var bucket = Open(op);
        bucket.Delete("k00000");
        bucket.Delete("k01500");
        bucket.Set("k01500a", B("new"));
        bucket.Set("zzz", B("new"));
        var all = new List<string>();
        byte[]? cursor = null;
        do
        {
            var page = bucket.ListKeys(cursor, 333);
            all.AddRange(page.Keys);
            cursor = page.Cursor;
        }
        while (cursor is not null);
        var expected = Enumerable.Range(1, 1999).Select(i => $"k{i:D5}").Where(k => k != "k01500").Append("k01500a").Append("zzz")
            .OrderBy(k => k, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, all);
    }

    [Fact, Rule("PDP-TRX-2")]
    public void Commit_AppliesAllTransactionalWrites()
    {
        using var session = _store.OpenSession();
        using (var op = session.BeginOperation())
        {
            var b = Open(op);
            b.Set("a", B("1"));
            b.Set("b", B("2"));
            Open(op, bucket: "c").Set("x", B("3"));
            op.Commit();
            Assert.Equal(OperationState.Committed, op.State);
        }
        using var check = session.BeginOperation();
        Assert.Equal(B("1"), Open(check).Get("a"));
        Assert.Equal(B("2"), Open(check).Get("b"));
        Assert.Equal(B("3"), Open(check, bucket: "c").Get("x"));
    }

    [Fact, Rule("PDP-TRX-2", "PDP-LIMIT-4")]
    public void Commit_OverQuota_AppliesNothingAndFails()
    {
        using var store = KeyValueStore.Create(new StorageOptions { Location = _dir.File("quota.db"), Limits = new StorageLimits { QuotaItems = 2 } });
        using var session = store.OpenSession();
        var op = session.BeginOperation();
        var b = op.OpenBucket("test", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b");
        b.Set("a", B("1"));
        b.Set("b", B("2"));
        b.Set("c", B("3"));
        var e = Assert.Throws<StorageException>(op.Commit);
        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        Assert.Equal(OperationState.Failed, op.State);
        Assert.Equal(0, store.GetUsage("test", "alpha").Items);
    }

    [Fact, Rule("PDP-TRX-3")]
    public void Fail_DropsTransactionalAndEphemeral_KeepsNonTransactional()
    {
        using var session = _store.OpenSession();
        using (var op = session.BeginOperation())
        {
            Open(op, DbMode.NonTransactional).Set("direct", B("stays"));
            Open(op).Set("buffered", B("dropped"));
            Open(op, DbMode.NonTransactional, StorageDuration.Ephemeral).Set("eph", B("dropped"));
            Open(op, DbMode.Transactional, StorageDuration.Session).Set("strx", B("dropped"));
            op.Fail();
            Assert.Equal(OperationState.Failed, op.State);
        }
        using var check = session.BeginOperation();
        Assert.Equal(B("stays"), Open(check, DbMode.NonTransactional).Get("direct"));
        Assert.Null(Open(check).Get("buffered"));
        Assert.Null(Open(check, DbMode.NonTransactional, StorageDuration.Ephemeral).Get("eph"));
        Assert.Null(Open(check, DbMode.Transactional, StorageDuration.Session).Get("strx"));
    }

    [Fact, Rule("PDP-TRX-3")]
    public void Dispose_WithoutCommit_Fails()
    {
        using var session = _store.OpenSession();
        var op = session.BeginOperation();
        Open(op).Set("k", B("v"));
        op.Dispose();
        Assert.Equal(OperationState.Failed, op.State);
        using var check = session.BeginOperation();
        Assert.Null(Open(check).Get("k"));
    }

    [Theory, Rule("PDP-TRX-4")]
    [InlineData(true)]
    [InlineData(false)]
    public void EndedOperation_RefusesUse_SayingHowItEnded(bool commit)
    {
        using var session = _store.OpenSession();
        var op = session.BeginOperation();
        var bucket = Open(op, DbMode.NonTransactional);
        if (commit) op.Commit();
        else op.Fail();
        var e = Assert.Throws<StorageException>(() => bucket.Get("k"));
        Assert.Equal(StorageErrorCode.OperationEnded, e.Code);
        Assert.Equal($"the operation has already {(commit ? "committed" : "failed")}", e.Message);
        Assert.Throws<StorageException>(() => bucket.Set("k", B("v")));
        Assert.Throws<StorageException>(op.Commit);
        Assert.Throws<StorageException>(() => Open(op));
        op.Fail(); // after the end: nothing changes
        op.Dispose();
        Assert.Equal(commit ? OperationState.Committed : OperationState.Failed, op.State);
    }

    [Fact, Rule("PDP-DUR-2")]
    public void SessionRecords_LiveUntilSessionDisposed_AndNeverReachTheBackend()
    {
        var session = _store.OpenSession();
        using (var op = session.BeginOperation())
        {
            Open(op, DbMode.NonTransactional, StorageDuration.Session).Set("k", B("v"));
            Open(op, DbMode.Transactional, StorageDuration.Session).Set("t", B("v"));
            op.Commit();
        }
        using (var op = session.BeginOperation())
        {
            Assert.Equal(B("v"), Open(op, DbMode.NonTransactional, StorageDuration.Session).Get("k"));
            Assert.Equal(B("v"), Open(op, DbMode.Transactional, StorageDuration.Session).Get("t"));
            op.Commit();
        }
        Assert.Empty(_store.ListChains());
        Assert.Empty(_store.Backend.Scan(null, null));
        using (var otherSession = _store.OpenSession())
        using (var op = otherSession.BeginOperation())
            Assert.Null(Open(op, DbMode.NonTransactional, StorageDuration.Session).Get("k"));
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.BeginOperation());
    }

    [Fact, Rule("PDP-DUR-3")]
    public void EphemeralRecords_LiveForOneOperation()
    {
        using var session = _store.OpenSession();
        using (var op = session.BeginOperation())
        {
            var b = Open(op, DbMode.NonTransactional, StorageDuration.Ephemeral);
            b.Set("k", B("v"));
            Assert.Equal(B("v"), b.Get("k"));
            Assert.Equal(B("v"), Open(op, DbMode.NonTransactional, StorageDuration.Ephemeral).Get("k"));
            op.Commit();
        }
        using var next = session.BeginOperation();
        Assert.Null(Open(next, DbMode.NonTransactional, StorageDuration.Ephemeral).Get("k"));
        Assert.Empty(_store.ListChains());
    }

    [Fact, Rule("PDP-DUR-4")]
    public void Durations_AreSeparateNamespaces()
    {
        using var session = _store.OpenSession();
        using var op = session.BeginOperation();
        var durations = new[] { StorageDuration.Persistent, StorageDuration.Session, StorageDuration.Ephemeral };
        foreach (var d in durations) Open(op, DbMode.NonTransactional, d).Set("k", B(d.ToString()));
        foreach (var d in durations) Assert.Equal(B(d.ToString()), Open(op, DbMode.NonTransactional, d).Get("k"));
    }

    [Fact, Rule("PDP-DUR-1")]
    public void PersistentRecords_SurviveReopeningTheStore()
    {
        var path = _dir.File("reopen.db");
        using (var store = KeyValueStore.Create(new StorageOptions { Location = path }))
        using (var session = store.OpenSession())
        using (var op = session.BeginOperation())
        {
            op.OpenBucket("test", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b").Set("k", B("v"));
            op.OpenBucket("test", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b").Set("t", B("v"));
            op.Commit();
        }
        using (var store = KeyValueStore.Create(new StorageOptions { Location = path }))
        using (var session = store.OpenSession())
        using (var op = session.BeginOperation())
        {
            Assert.Equal(B("v"), op.OpenBucket("test", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b").Get("k"));
            Assert.Equal(B("v"), op.OpenBucket("test", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b").Get("t"));
        }
    }

    [Fact, Rule("PDP-QUOTA-4")]
    public void Usage_IsChargedPerService_IncludingClientData()
    {
        using var session = _store.OpenSession();
        using var op = session.BeginOperation();
        op.OpenBucket("test", DbMode.NonTransactional, StorageDuration.Persistent, Names.ClientData, "alpha").Set("key", new byte[7]);
        op.OpenBucket("test", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "own").Set("k", new byte[1]);
        Assert.Equal(new UsageEntry("alpha", 2, 3 + 7 + 1 + 1), _store.GetUsage("test", "alpha"));
        Assert.Equal(0, _store.GetUsage("test", Names.ClientData).Items);
        Assert.Equal([new UsageEntry("alpha", 2, 3 + 7 + 1 + 1)], _store.ListServices("test"));
        Assert.Equal(0, _store.Clear("test", Names.ClientData)); // clientdata keeps nothing of its own
        Assert.Equal(2, _store.Clear("test", "alpha"));
        Assert.Equal(new UsageEntry("alpha", 0, 0), _store.GetUsage("test", "alpha"));
    }

    [Fact, Rule("PDP-TRX-2", "PDP-LIMIT-4")]
    public void Commit_SpanningDurations_AppliesBothOrNeither()
    {
        using var store = KeyValueStore.Create(new StorageOptions { Backend = "memory", Limits = new StorageLimits { QuotaItems = 1 } });
        using var session = store.OpenSession();
        var op = session.BeginOperation();
        op.OpenBucket("test", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b").Set("z", B("1"));
        var s = op.OpenBucket("test", DbMode.Transactional, StorageDuration.Session, "alpha", "b");
        s.Set("x", B("1"));
        s.Set("y", B("1"));
        Assert.Equal(StorageErrorCode.QuotaExceeded, Assert.Throws<StorageException>(op.Commit).Code);
        using var check = session.BeginOperation();
        Assert.Null(check.OpenBucket("test", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b").Get("z"));
        Assert.Null(check.OpenBucket("test", DbMode.Transactional, StorageDuration.Session, "alpha", "b").Get("x"));
    }

    [Fact, Rule("PDP-LIMIT-4")]
    public void TransactionalSetMany_OverTheBufferCap_BuffersNothing()
    {
        using var store = KeyValueStore.Create(new StorageOptions { Backend = "memory", Limits = new StorageLimits { QuotaBytes = 100 } });
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        var b = op.OpenBucket("test", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b");
        Assert.Throws<StorageException>(() => b.SetMany([new("a", new byte[50]), new("b", new byte[50]), new("c", new byte[150])]));
        Assert.Null(b.Get("a"));
        Assert.Empty(b.ListKeys().Keys);
    }

    [Fact, Rule("PDP-DUR-4")]
    public void OpenBucket_RefusesADurationOrModeOutsideTheEnums_AndADefaultBucketId()
    {
        var mode = Assert.Throws<StorageException>(() => new BucketId("test", (DbMode)5, "alpha", "b"));
        Assert.Equal(StorageErrorCode.InvalidArgument, mode.Code);
        Assert.Equal("mode 5 is not a db-mode", mode.Message);
        using var session = _store.OpenSession();
        using var op = session.BeginOperation();
        var duration = Assert.Throws<StorageException>(() => op.OpenBucket(new BucketId("test", DbMode.Transactional, "alpha", "b"), (StorageDuration)7));
        Assert.Equal(StorageErrorCode.InvalidArgument, duration.Code);
        Assert.Equal("duration 7 is not a storage-duration", duration.Message);
        var id = Assert.Throws<StorageException>(() => op.OpenBucket(default, StorageDuration.Persistent));
        Assert.Equal(StorageErrorCode.InvalidArgument, id.Code);
        Assert.Contains("bucket id is default", id.Message);
    }

    [Fact, Rule("PDP-LIMIT-4")]
    public void TheTransactionalBuffer_HoldsUpToTwiceTheQuota_CountingKeysAtThreeBytesAChar()
    {
        using var store = KeyValueStore.Create(new StorageOptions { Backend = "memory", Limits = new StorageLimits { QuotaBytes = 1000 } });
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        var b = op.OpenBucket("test", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b");
        // 2,000 bytes exactly: keys "k1" and "k2" count 6 each, values 994 each.
        b.Set("k1", new byte[994]);
        b.Set("k2", new byte[994]);
        var e = Assert.Throws<StorageException>(() => b.Set("k", []));
        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        Assert.Equal("the operation would buffer 2003 bytes of transactional writes; the limit is 2000 (twice the byte quota)", e.Message);
        Assert.Null(b.Get("k"));
        Assert.Equal(new byte[994], b.Get("k2"));
    }

    [Fact, Rule("PDP-TRX-2")]
    public void ACommitWithOnlySessionWrites_LeavesThePersistentBackendAlone()
    {
        using var backend = new ApplyCounting();
        using var store = KeyValueStore.Create(backend);
        using var session = store.OpenSession();
        using (var op = session.BeginOperation())
        {
            Open(op, duration: StorageDuration.Session).Set("k", B("v"));
            op.Commit();
        }
        Assert.Equal(0, backend.Applied);
        using (var op = session.BeginOperation())
        {
            Assert.Equal(B("v"), Open(op, duration: StorageDuration.Session).Get("k"));
            Open(op).Set("p", B("w"));
            op.Commit();
        }
        Assert.Equal(1, backend.Applied);
    }

    private sealed class ApplyCounting() : DelegatingBackend(new MemoryBackend())
    {
        public int Applied { get; private set; }

        public override void Apply(IReadOnlyList<Write> writes, Quota quota)
        {
            Applied++;
            base.Apply(writes, quota);
        }
    }

    [Fact, Rule("PDP-DUR-2")]
    public void DisposingASession_EndsItsRecords_ForAnOperationStillOpen()
    {
        var session = _store.OpenSession();
        using var op = session.BeginOperation();
        var bucket = Open(op, DbMode.NonTransactional, StorageDuration.Session);
        bucket.Set("k", B("v"));
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => bucket.Get("k"));
        Assert.Throws<ObjectDisposedException>(() => session.BeginOperation());
        session.Dispose(); // again: nothing more
        Assert.Throws<ObjectDisposedException>(() => bucket.Get("k"));
    }
}
