using Supervisor.Storage;
using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// psibase's <c>host:db/store</c> (<c>jsdb</c>) and its older name <c>host:common/store</c> (<c>jsdbold</c>)
/// through componentize-js plugins: psibase's storage scenario, the six databases, modes and durations
/// across operations and sessions, grouped operations, the restricted functions and traps on limits.
/// </summary>
public sealed class HostDbTests : HostStorePluginTestBase
{
    private const string Db = "jsdb:plugin/api";
    private const string Old = "jsdbold:plugin/api";

    private const string NonTrx = "non-transactional";
    private const string Trx = "transactional";
    private const string Persistent = "persistent";
    private const string Session = "session";
    private const string Ephemeral = "ephemeral";

    private static readonly string[] Modes = [NonTrx, Trx];
    private static readonly string[] Durations = [Persistent, Session, Ephemeral];

    public static TheoryData<string> BothModes => new() { NonTrx, Trx };

    // ------------------------------------------------------------------ psibase's scenario

    [Fact, Rule("PDP-DB-1", "PDP-DB-3", "PDP-OP-2")]
    public void PsibaseStorageScenario_FourOperations_OverTheSixDatabases()
    {
        var s = NewJsSupervisor();
        // 1: get/set/exists/delete on every bucket, leave "leftover", fail.
        Assert.Equal("step 1 fails on purpose", Err(s, $"{Db}.scenario", "scenario", 1u));
        // 2: only the non-transactional persistent and session leftovers survived; write "leftover2"; succeed.
        Ok(s.Call($"{Db}.scenario", "scenario", 2u));
        // 3: the persistent and session "leftover2" are there; delete them everywhere; fail.
        Assert.Equal("step 3 fails on purpose", Err(s, $"{Db}.scenario", "scenario", 3u));
        // 4: the transactional deletes were rolled back, the non-transactional ones were not; clean up.
        Ok(s.Call($"{Db}.scenario", "scenario", 4u));

        foreach (var mode in Modes)
        foreach (var duration in Durations)
        {
            Assert.Null(s.Call($"{Db}.get", mode, duration, "scenario", "leftover"));
            Assert.Null(s.Call($"{Db}.get", mode, duration, "scenario", "leftover2"));
        }
    }

    // ------------------------------------------------------------------ the interface

    [Fact, Rule("PDP-DB-1")]
    public void GetSetExistsDelete_InEveryDatabase()
    {
        var s = NewJsSupervisor();
        using var op = s.BeginOperation(); // one operation, so ephemeral data lives through every call
        foreach (var mode in Modes)
        foreach (var duration in Durations)
        {
            Assert.Null(op.Call($"{Db}.get", mode, duration, "b", "k"));
            Assert.Equal(false, op.Call($"{Db}.exists", mode, duration, "b", "k"));
            op.Call($"{Db}.set", mode, duration, "b", "k", B("v"));
            Assert.Equal(B("v"), op.Call($"{Db}.get", mode, duration, "b", "k"));
            Assert.Equal(true, op.Call($"{Db}.exists", mode, duration, "b", "k"));
            op.Call($"{Db}.set", mode, duration, "b", "empty", Array.Empty<byte>());
            Assert.Equal(Array.Empty<byte>(), op.Call($"{Db}.get", mode, duration, "b", "empty")); // some(""), not none
            op.Call($"{Db}.delete", mode, duration, "b", "k");
            Assert.Null(op.Call($"{Db}.get", mode, duration, "b", "k"));
            Assert.Equal(false, op.Call($"{Db}.exists", mode, duration, "b", "k"));
            op.Call($"{Db}.delete", mode, duration, "b", "never-there");
        }
        op.Complete();
    }

    [Fact, Rule("PDP-DB-2", "PDP-SEC-2")]
    public void TheSixDatabases_AreDistinct_AndScopedToThePlugin()
    {
        var s = NewJsSupervisor();
        using (var op = s.BeginOperation())
        {
            foreach (var mode in Modes)
            foreach (var duration in Durations)
                op.Call($"{Db}.set", mode, duration, "same", "k", B($"{mode}/{duration}"));
            foreach (var mode in Modes)
            foreach (var duration in Durations)
                Assert.Equal(B($"{mode}/{duration}"), op.Call($"{Db}.get", mode, duration, "same", "k"));
            // jsdbold opening the same identifier in the same databases sees none of it.
            foreach (var mode in Modes)
            foreach (var duration in Durations)
                Assert.Null(op.Call($"{Old}.get", mode, duration, "same", "k"));
            op.Complete();
        }
        Assert.Equal(B("non-transactional/persistent"), StoredRecord(s, DbMode.NonTransactional, "jsdb", "same", "k"));
        Assert.Equal(B("transactional/persistent"), StoredRecord(s, DbMode.Transactional, "jsdb", "same", "k"));
        Assert.Null(StoredRecord(s, DbMode.NonTransactional, "jsdbold", "same", "k"));
    }

    [Fact, Rule("PDP-DB-1", "PDP-KV-1")]
    public void NonTransactionalPersistent_IsTheBucketWasiKeyValueOpens()
    {
        // jskv1:both is service jskv1: its host:db non-transactional persistent bucket is jskv1's wasi:keyvalue bucket.
        var s = NewJsSupervisor();
        Ok(s.Call("jskv1:plugin/api.set", "shared", "k", B("from wasi:keyvalue")));
        Assert.Equal(B("from wasi:keyvalue"), s.Call("jskv1:both/api.db-get", "shared", "k"));
        // ... and jsdb's own non-transactional persistent bucket lives at service jsdb, bucket = the identifier.
        s.Call($"{Db}.set", NonTrx, Persistent, "shared", "k", B("jsdb's"));
        Assert.Equal(B("jsdb's"), StoredRecord(s, DbMode.NonTransactional, "jsdb", "shared", "k"));
        StoreRecord(s, DbMode.NonTransactional, "jsdb", "shared", "from-store", B("x"));
        Assert.Equal(B("x"), s.Call($"{Db}.get", NonTrx, Persistent, "shared", "from-store"));
    }

    [Fact, Rule("PDP-DB-1")]
    public void OldName_HostCommonStore_IsTheSameImplementation()
    {
        var s = NewJsSupervisor();
        s.Call($"{Old}.set", NonTrx, Persistent, "b", "k", B("old"));
        Assert.Equal(B("old"), s.Call($"{Old}.get", NonTrx, Persistent, "b", "k"));
        Assert.Equal(B("old"), StoredRecord(s, DbMode.NonTransactional, "jsdbold", "b", "k"));
        Assert.Null(s.Call($"{Db}.get", NonTrx, Persistent, "b", "k"));

        // Transactional writes commit with the call; ephemeral data ends with it.
        s.Call($"{Old}.set", Trx, Persistent, "b", "t", B("committed"));
        Assert.Equal(B("committed"), StoredRecord(s, DbMode.Transactional, "jsdbold", "b", "t"));
        s.Call($"{Old}.set", NonTrx, Ephemeral, "b", "e", B("gone"));
        Assert.Null(s.Call($"{Old}.get", NonTrx, Ephemeral, "b", "e"));
        var e = Trap(s, $"{Old}.set", NonTrx, Persistent, "bad name", "k", B("v"));
        Assert.Contains("bad name", e.Message);
    }

    // ------------------------------------------------------------------ modes

    [Fact, Rule("PDP-DB-3", "PDP-PERSIST-1")]
    public void NonTransactionalPersistent_IsWrittenAtOnce_AndSurvivesFailure()
    {
        var s = NewJsSupervisor(Concurrent("jsdb"));
        using (var op = s.BeginOperation())
        {
            op.Call($"{Db}.set", NonTrx, Persistent, "b", "k", B("v"));
            Assert.Equal(B("v"), StoredRecord(s, DbMode.NonTransactional, "jsdb", "b", "k")); // before the operation ends
            Assert.Equal(B("v"), OtherSession(Concurrent("jsdb")).Call($"{Db}.get", NonTrx, Persistent, "b", "k"));
            op.Fail();
        }
        Assert.Equal(B("v"), s.Call($"{Db}.get", NonTrx, Persistent, "b", "k"));

        Assert.Equal("set-then-fail: 'f' was written, then the call failed", Err(s, $"{Db}.set-then-fail", NonTrx, Persistent, "b", "f", B("stays")));
        Assert.Equal(B("stays"), s.Call($"{Db}.get", NonTrx, Persistent, "b", "f"));
        Trap(s, $"{Db}.set-then-throw", NonTrx, Persistent, "b", "t", B("stays too"));
        Assert.Equal(B("stays too"), s.Call($"{Db}.get", NonTrx, Persistent, "b", "t"));
        Assert.Equal(B("stays too"), OtherSession(Concurrent("jsdb")).Call($"{Db}.get", NonTrx, Persistent, "b", "t"));
    }

    [Fact, Rule("PDP-DB-3", "PDP-TRX-1")]
    public void Transactional_ReadsItsOwnWrites_WithinTheCall()
    {
        var s = NewJsSupervisor();
        Assert.Equal(B("mine"), s.Call($"{Db}.write-then-read-trx", "b", "k", B("mine")));
        Assert.Equal(B("mine"), s.Call($"{Db}.get", Trx, Persistent, "b", "k")); // and committed when the call succeeded
    }

    [Fact, Rule("PDP-DB-3", "PDP-TRX-1", "PDP-TRX-2")]
    public void Transactional_IsInvisibleOutsideUntilTheOperationSucceeds()
    {
        var s = NewJsSupervisor(Concurrent("jsdb"));
        var other = OtherSession(Concurrent("jsdb"));
        using (var op = s.BeginOperation())
        {
            op.Call($"{Db}.set", Trx, Persistent, "b", "k", B("v"));
            Assert.Equal(B("v"), op.Call($"{Db}.get", Trx, Persistent, "b", "k")); // visible inside the operation
            Assert.Null(StoredRecord(s, DbMode.Transactional, "jsdb", "b", "k"));
            Assert.Null(other.Call($"{Db}.get", Trx, Persistent, "b", "k"));
            op.Complete();
        }
        Assert.Equal(B("v"), StoredRecord(s, DbMode.Transactional, "jsdb", "b", "k"));
        Assert.Equal(B("v"), other.Call($"{Db}.get", Trx, Persistent, "b", "k"));
        // A single successful call is an operation of its own.
        s.Call($"{Db}.set", Trx, Persistent, "b", "single", B("s"));
        Assert.Equal(B("s"), other.Call($"{Db}.get", Trx, Persistent, "b", "single"));
        // A transactional delete commits the same way.
        s.Call($"{Db}.delete", Trx, Persistent, "b", "single");
        Assert.Null(StoredRecord(s, DbMode.Transactional, "jsdb", "b", "single"));
    }

    [Theory, Rule("PDP-DB-3", "PDP-TRX-3", "PDP-OP-2")]
    [InlineData(Persistent)]
    [InlineData(Session)]
    public void Transactional_IsDropped_WhenTheCallReturnsErr(string duration)
    {
        var s = NewJsSupervisor();
        s.Call($"{Db}.set", Trx, duration, "b", "k", B("before"));
        Assert.Equal("set-then-fail: 'k' was written, then the call failed", Err(s, $"{Db}.set-then-fail", Trx, duration, "b", "k", B("dropped")));
        Assert.Equal(B("before"), s.Call($"{Db}.get", Trx, duration, "b", "k"));
        Err(s, $"{Db}.set-then-fail", Trx, duration, "b", "new", B("dropped"));
        Assert.Null(s.Call($"{Db}.get", Trx, duration, "b", "new"));
        Assert.Equal(false, s.Call($"{Db}.exists", Trx, duration, "b", "new"));
    }

    [Theory, Rule("PDP-DB-3", "PDP-TRX-3", "PDP-OP-2")]
    [InlineData(Persistent)]
    [InlineData(Session)]
    public void Transactional_IsDropped_WhenTheCallTraps(string duration)
    {
        var s = NewJsSupervisor();
        var e = Trap(s, $"{Db}.set-then-throw", Trx, duration, "b", "k", B("dropped"));
        Assert.Contains("jsdb", e.Message);
        Assert.Null(s.Call($"{Db}.get", Trx, duration, "b", "k"));
        if (duration == Persistent) Assert.Null(StoredRecord(s, DbMode.Transactional, "jsdb", "b", "k"));
    }

    // ------------------------------------------------------------------ durations

    [Theory, Rule("PDP-DB-3", "PDP-DUR-2")]
    [MemberData(nameof(BothModes))]
    public void Session_LivesAsLongAsTheSupervisor(string mode)
    {
        var s = NewJsSupervisor();
        s.Call($"{Db}.set", mode, Session, "b", "k", B("session"));
        Assert.Equal(B("session"), s.Call($"{Db}.get", mode, Session, "b", "k")); // a later call of the same supervisor
        Assert.Equal(true, s.Call($"{Db}.exists", mode, Session, "b", "k"));
        var other = OtherSession(); // another supervisor on the same file
        Assert.Null(other.Call($"{Db}.get", mode, Session, "b", "k"));
        other.Call($"{Db}.set", mode, Session, "b", "k", B("other's"));
        Assert.Equal(B("session"), s.Call($"{Db}.get", mode, Session, "b", "k"));
        Assert.Equal(B("other's"), other.Call($"{Db}.get", mode, Session, "b", "k"));
        Assert.Null(StoredRecord(s, mode == Trx ? DbMode.Transactional : DbMode.NonTransactional, "jsdb", "b", "k")); // not persistent

        // Gone when the supervisor is disposed: a new one on the same file starts empty.
        s.Dispose();
        Assert.Null(NewJsSupervisor().Call($"{Db}.get", mode, Session, "b", "k"));
    }

    [Theory, Rule("PDP-DB-3", "PDP-DUR-3")]
    [MemberData(nameof(BothModes))]
    public void Ephemeral_IsGoneInTheNextOperation(string mode)
    {
        var s = NewJsSupervisor();
        s.Call($"{Db}.set", mode, Ephemeral, "b", "k", B("ephemeral"));
        Assert.Null(s.Call($"{Db}.get", mode, Ephemeral, "b", "k"));
        Assert.Equal(false, s.Call($"{Db}.exists", mode, Ephemeral, "b", "k"));

        // Within one grouped operation it lives through several calls, and ends with it.
        using (var op = s.BeginOperation())
        {
            op.Call($"{Db}.set", mode, Ephemeral, "b", "k", B("ephemeral"));
            Assert.Equal(B("ephemeral"), op.Call($"{Db}.get", mode, Ephemeral, "b", "k"));
            op.Complete();
        }
        Assert.Null(s.Call($"{Db}.get", mode, Ephemeral, "b", "k"));
    }

    // ------------------------------------------------------------------ grouped operations

    [Fact, Rule("PDP-DB-6")]
    public void GroupedOperation_CommitsTheTransactionalWritesOfAllItsCalls_Together()
    {
        var s = NewJsSupervisor(Concurrent("jsdb"));
        var other = OtherSession(Concurrent("jsdb"));
        using (var op = s.BeginOperation("myapp"))
        {
            op.Call($"{Db}.set", Trx, Persistent, "b", "one", B("1"));
            op.Call($"{Db}.set", Trx, Persistent, "b", "two", B("2"));
            Assert.Equal(B("1"), op.Call($"{Db}.get", Trx, Persistent, "b", "one")); // a later call of the operation sees it
            Assert.Null(other.Call($"{Db}.get", Trx, Persistent, "b", "one"));
            op.Complete();
        }
        Assert.Equal(B("1"), other.Call($"{Db}.get", Trx, Persistent, "b", "one"));
        Assert.Equal(B("2"), other.Call($"{Db}.get", Trx, Persistent, "b", "two"));
    }

    [Fact, Rule("PDP-DB-6", "PDP-TRX-3")]
    public void GroupedOperation_DropsAllItsTransactionalWrites_WhenFailedDisposedOrACallFails()
    {
        var s = NewJsSupervisor();
        using (var op = s.BeginOperation())
        {
            op.Call($"{Db}.set", Trx, Persistent, "b", "failed", B("x"));
            op.Call($"{Db}.set", NonTrx, Persistent, "b", "failed-nontrx", B("stays"));
            op.Fail();
        }
        using (var op = s.BeginOperation())
            op.Call($"{Db}.set", Trx, Persistent, "b", "disposed", B("x")); // never completed
        using (var op = s.BeginOperation())
        {
            op.Call($"{Db}.set", Trx, Persistent, "b", "earlier-call", B("x"));
            op.Call($"{Db}.set", Trx, Session, "b", "earlier-session", B("x"));
            Assert.Throws<PluginException>(() => op.Call($"{Db}.set-then-fail", Trx, Persistent, "b", "failing-call", B("x")));
            Assert.Equal(OperationState.Failed, op.State);
        }
        using (var op = s.BeginOperation())
        {
            op.Call($"{Db}.set", Trx, Persistent, "b", "before-trap", B("x"));
            Assert.Throws<PluginException>(() => op.Call($"{Db}.set-then-throw", Trx, Persistent, "b", "trapping-call", B("x")));
            Assert.Equal(OperationState.Failed, op.State);
        }
        foreach (var key in new[] { "failed", "disposed", "earlier-call", "failing-call", "before-trap", "trapping-call" })
        {
            Assert.Null(s.Call($"{Db}.get", Trx, Persistent, "b", key));
            Assert.Null(StoredRecord(s, DbMode.Transactional, "jsdb", "b", key));
        }
        Assert.Null(s.Call($"{Db}.get", Trx, Session, "b", "earlier-session"));
        Assert.Equal(B("stays"), s.Call($"{Db}.get", NonTrx, Persistent, "b", "failed-nontrx"));
    }

    // ------------------------------------------------------------------ restricted functions and traps

    [Theory, Rule("PDP-DB-4")]
    [InlineData("flush")]
    [InlineData("clear")]
    public void FlushAndClearBuffers_Trap_SayingTheSupervisorDoesThis(string function)
    {
        var s = NewJsSupervisor();
        using (var op = s.BeginOperation())
        {
            op.Call($"{Db}.set", Trx, Persistent, "b", "k", B("v"));
            var e = Assert.Throws<PluginException>(() => op.Call($"{Db}.{function}"));
            Assert.Equal(PluginErrorCode.Trap, e.Code);
            Assert.Contains(function == "flush" ? "flush-transactional-data" : "clear-buffers", e.Message);
            Assert.Contains("operation boundaries", e.Message);
            Assert.Equal(OperationState.Failed, op.State);
        }
        // Nothing was flushed: the transactional write went with the failed operation.
        Assert.Null(s.Call($"{Db}.get", Trx, Persistent, "b", "k"));
        Assert.Null(StoredRecord(s, DbMode.Transactional, "jsdb", "b", "k"));
    }

    [Theory, Rule("PDP-DB-5", "PDP-ID-3")]
    [InlineData("bad name")]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("ключ")]
    public void InvalidIdentifier_Traps_NamingIt(string identifier)
    {
        var s = NewJsSupervisor();
        foreach (var mode in Modes)
        {
            var e = Trap(s, $"{Db}.set", mode, Persistent, identifier, "k", B("v"));
            Assert.Contains("bucket name", e.Message);
            if (identifier.Length > 0) Assert.Contains(identifier, e.Message);
            AssertNoHostPaths(e.Message);
        }
        Assert.Equal(B("v"), s.Call($"{Db}.write-then-read-trx", "Good_name-09", "k", B("v"))); // the plugin answers again
    }

    [Theory, Rule("PDP-DB-5", "PDP-LIMIT-1", "PDP-LIMIT-2", "PDP-OP-2")]
    [MemberData(nameof(BothModes))]
    public void KeyAndValueLimits_Trap_NamingTheLimit(string mode)
    {
        var s = NewJsSupervisor();
        var value = Trap(s, $"{Db}.set", mode, Persistent, "b", "big", new byte[102401]);
        Assert.Contains("102401", value.Message);
        Assert.Contains("102400", value.Message);
        var key = Trap(s, $"{Db}.set", mode, Persistent, "b", new string('k', 257), B("v"));
        Assert.Contains("257", key.Message);
        Assert.Contains("256", key.Message);
        Trap(s, $"{Db}.get", mode, Persistent, "b", new string('k', 257));
        Trap(s, $"{Db}.exists", mode, Persistent, "b", new string('k', 257));
        Trap(s, $"{Db}.delete", mode, Persistent, "b", new string('k', 257));
        AssertNoHostPaths(value.Message);
        Assert.Null(s.Call($"{Db}.get", mode, Persistent, "b", "big"));

        s.Call($"{Db}.set", mode, Persistent, "b", new string('k', 256), new byte[102400]);
        Assert.Equal(102400, Assert.IsType<byte[]>(s.Call($"{Db}.get", mode, Persistent, "b", new string('k', 256))).Length);
    }

    [Fact, Rule("PDP-DB-5", "PDP-QUOTA-1", "PDP-OP-2")]
    public void Quota_Traps_NamingTheQuota()
    {
        var s = NewJsSupervisor(o => o.Storage.Limits = new StorageLimits { QuotaItems = 2 });
        s.Call($"{Db}.set", NonTrx, Persistent, "b", "one", B("1"));
        s.Call($"{Db}.set", NonTrx, Persistent, "b", "two", B("2"));
        var e = Trap(s, $"{Db}.set", NonTrx, Persistent, "b", "three", B("3"));
        Assert.Contains("quota", e.Message);
        AssertNoHostPaths(e.Message);
        Assert.Null(s.Call($"{Db}.get", NonTrx, Persistent, "b", "three"));

        s.Call($"{Db}.delete", NonTrx, Persistent, "b", "two");
        s.Call($"{Db}.set", NonTrx, Persistent, "b", "three", B("3")); // room again
    }
}
