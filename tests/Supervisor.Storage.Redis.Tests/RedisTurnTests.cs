using System.Diagnostics;
using System.Text;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>
/// Turns across processes on Redis: a lease per plugin, renewed while held, with a fencing token every write under it
/// carries. Backends with connections of their own stand for separate processes.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisTurnTests(RedisServerFixture fixture)
{
    private const string Chain = "c", Owner = "alpha";
    private static readonly BucketId Bucket = new(Chain, DbMode.NonTransactional, Owner, "b");
    private static readonly BucketId ClientData = new(Chain, DbMode.Transactional, Names.ClientData, Owner);

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static DateTime In(double seconds) => DateTime.UtcNow.AddSeconds(seconds);

    [Fact, Rule("PDP-TURN-4")]
    public void SecondProcess_WaitsAndTimesOutNamingTheOwner_ThenGetsTheTurnOnceReleased()
    {
        var location = fixture.Server.NewLocation();
        using var a = RedisBackend.Open(location);
        using var b = RedisBackend.Open(location);
        Assert.Equal(a.TurnScope, b.TurnScope);

        var first = a.LockTurn(Chain, Owner, In(10), default)!;
        var e = Assert.Throws<StorageException>(() => b.LockTurn(Chain, Owner, In(0.3), default));
        Assert.Equal(StorageErrorCode.DeadlinePassed, e.Code);
        Assert.Contains("\"alpha\" on chain \"c\"", e.Message);
        Assert.Contains("another process holds", e.Message);
        // Another owner's turn is free meanwhile.
        b.LockTurn(Chain, "beta", In(10), default)!.Dispose();

        first.Dispose();
        using var second = b.LockTurn(Chain, Owner, In(10), default)!;
        Assert.True(second.FencingToken > first.FencingToken);
    }

    [Fact, Rule("PDP-TURN-4")]
    public void TurnScope_NamesServerDatabaseAndPrefix_WithoutTheLeaseLength()
    {
        var location = fixture.Server.NewLocation();
        using var a = RedisBackend.Open(location);
        using var b = RedisBackend.Open(location + "&lease=2000");
        using var other = RedisBackend.Open(fixture.Server.NewLocation());
        Assert.Equal(a.TurnScope, b.TurnScope);
        Assert.NotEqual(a.TurnScope, other.TurnScope);
        Assert.Contains($"127.0.0.1:{fixture.Server.Port}/0", a.TurnScope);
    }

    [Theory, Rule("PDP-TURN-4")]
    [InlineData("0")]
    [InlineData("99")]
    [InlineData("3600001")]
    [InlineData("soon")]
    public void LeaseLength_OutOfRange_IsRefused(string lease)
    {
        var e = Assert.Throws<StorageException>(() => RedisBackend.Open(fixture.Server.NewLocation($"lease={lease}")));
        Assert.Equal(StorageErrorCode.InvalidArgument, e.Code);
        Assert.Contains("lease", e.Message);
        Assert.Throws<StorageException>(() => new RedisLocation { Host = "h", LeaseMs = 5 });
    }

    [Fact, Rule("PDP-TURN-4")]
    public void Renewal_KeepsTheLeaseWhileHeld_BeyondItsLength()
    {
        var location = fixture.Server.NewLocation("lease=3600");
        using var a = RedisBackend.Open(location);
        using var b = RedisBackend.Open(location);
        using var held = a.LockTurn(Chain, Owner, In(10), default)!;
        // B waits twice the lease length; renewal (every 1.2 s) keeps A's lease alive all that time, even with one
        // renewal 2 s late on a loaded machine.
        var e = Assert.Throws<StorageException>(() => b.LockTurn(Chain, Owner, In(7.2), default));
        Assert.Equal(StorageErrorCode.DeadlinePassed, e.Code);
        a.Set(Bucket, "x", B("from-a"), Quota.Unlimited);
        Assert.Equal(B("from-a"), b.Get(Bucket, "x"));
    }

    /// <summary>
    /// A holds the turn with a 300 ms lease and stops renewing (a process paused past its lease); B (with a long lease,
    /// so it outlasts the test) takes the turn with a newer token and writes; then A, still believing it holds the turn,
    /// writes through one path.
    /// </summary>
    [Theory, Rule("PDP-TURN-4")]
    [InlineData("set")]
    [InlineData("delete")]
    [InlineData("apply")]
    [InlineData("apply-all")]
    [InlineData("increment")]
    [InlineData("compare-and-swap")]
    [InlineData("compare-and-swap-absent")]
    [InlineData("clear")]
    [InlineData("clientdata")]
    public void HolderPausedPastItsLease_IsFenced_OnEveryWritePath(string path)
    {
        var location = fixture.Server.NewLocation("lease=300");
        using var a = RedisBackend.Open(location);
        using var b = RedisBackend.Open(location.Replace("lease=300", "lease=60000"));
        a.Set(ClientData, "cd", B("seed"), Quota.Unlimited);
        a.Set(Bucket, "n", B("5"), Quota.Unlimited);

        var leaseA = (RedisTurnLease)a.LockTurn(Chain, Owner, In(10), default)!;
        a.Set(Bucket, "x", B("from-a"), Quota.Unlimited); // its token is current: accepted
        leaseA.RenewalPaused = true;

        using var leaseB = b.LockTurn(Chain, Owner, In(30), default)!;
        Assert.True(leaseB.FencingToken > leaseA.FencingToken);
        b.Set(Bucket, "x", B("from-b"), Quota.Unlimited);

        var e = Assert.Throws<StorageException>(() => Write(a, path));
        Assert.Equal(StorageErrorCode.OperationEnded, e.Code);
        Assert.Contains("the turn of \"alpha\" on chain \"c\" was lost", e.Message);
        Assert.Contains("ran out", e.Message);
        Assert.Contains("nothing was written", e.Message);

        Assert.Equal(B("from-b"), b.Get(Bucket, "x"));
        Assert.Equal(B("5"), b.Get(Bucket, "n"));
        Assert.Equal(B("seed"), b.Get(ClientData, "cd"));
        Assert.False(b.Exists(Bucket, "new"));
        leaseA.Dispose();
        // A's release did not delete B's lease.
        var again = Assert.Throws<StorageException>(() => a.LockTurn(Chain, Owner, In(0.2), default));
        Assert.Equal(StorageErrorCode.DeadlinePassed, again.Code);
    }

    private static void Write(StorageBackend backend, string path)
    {
        switch (path)
        {
            case "set": backend.Set(Bucket, "x", B("late-a"), Quota.Unlimited); break;
            case "delete": backend.Delete(Bucket, "x"); break;
            case "apply": backend.Apply([new Write(Bucket, "x", B("late-a")), new Write(Bucket, "new", B("1"))], Quota.Unlimited); break;
            case "apply-all": backend.ApplyAll([[new Write(Bucket, "new", B("1"))], [new Write(Bucket, "x", null)]], Quota.Unlimited); break;
            case "increment": backend.Increment(Bucket, "n", 1, Quota.Unlimited); break;
            case "compare-and-swap": backend.CompareAndSwap(Bucket, "x", B("from-b"), B("late-a"), Quota.Unlimited); break;
            case "compare-and-swap-absent": backend.CompareAndSwap(Bucket, "new", null, B("late-a"), Quota.Unlimited); break;
            case "clear": backend.Clear(Chain, Owner); break;
            case "clientdata": backend.Set(ClientData, "cd", B("late-a"), Quota.Unlimited); break;
            default: throw new ArgumentOutOfRangeException(nameof(path));
        }
    }

    [Fact, Rule("PDP-TURN-4")]
    public void WritesWithoutALease_AndOtherOwners_AreNotFenced()
    {
        var location = fixture.Server.NewLocation("lease=300");
        using var a = RedisBackend.Open(location);
        using var b = RedisBackend.Open(location);
        using var admin = RedisBackend.Open(location);
        var leaseA = (RedisTurnLease)a.LockTurn(Chain, Owner, In(10), default)!;
        leaseA.RenewalPaused = true;
        using var leaseB = b.LockTurn(Chain, Owner, In(30), default)!;

        admin.Set(Bucket, "x", B("admin"), Quota.Unlimited);
        a.Set(new BucketId(Chain, DbMode.NonTransactional, "beta", "b"), "x", B("a"), Quota.Unlimited);
        Assert.Equal(B("admin"), b.Get(Bucket, "x"));

        // Once A lets go of its stale lease, its writes are admin writes again.
        leaseA.Dispose();
        a.Set(Bucket, "x", B("a-after"), Quota.Unlimited);
        Assert.Equal(B("a-after"), b.Get(Bucket, "x"));
    }

    [Fact, Rule("PDP-TURN-4")]
    public void HolderKilledWithoutReleasing_NextTakerGetsTheTurnAfterTheLease()
    {
        var location = fixture.Server.NewLocation("lease=1000");
        using var worker = WorkerProcess.Start("hold-turn", location);
        var started = Stopwatch.StartNew();
        while (worker.LineCount == 0)
        {
            Assert.False(worker.HasExited, "the worker ended before taking the turn");
            Assert.True(started.Elapsed < TimeSpan.FromMinutes(1), "the worker did not take the turn within a minute");
            Thread.Sleep(20);
        }
        var token = long.Parse(worker.Lines[0].Split(' ')[1]);
        worker.Kill(); // SIGKILL: no release, no more renewals

        using var b = RedisBackend.Open(location);
        using var lease = b.LockTurn(Chain, Owner, In(30), default)!;
        Assert.True(lease.FencingToken > token);
        b.Set(Bucket, "x", B("after"), Quota.Unlimited);
        Assert.Equal(B("after"), b.Get(Bucket, "x"));
    }

    [Fact, Rule("PDP-TURN-8")]
    public void ADamagedTurnMode_IsReportedAsCorrupt_NamingTheKey()
    {
        var location = fixture.Server.NewLocation();
        using var backend = RedisBackend.Open(location);
        var prefix = location[(location.IndexOf("prefix=", StringComparison.Ordinal) + "prefix=".Length)..];
        using (var raw = StackExchange.Redis.ConnectionMultiplexer.Connect($"127.0.0.1:{fixture.Server.Port}"))
            raw.GetDatabase().StringSet($"{prefix}:{{c|alpha}}:mode", "banana");
        var e = Assert.Throws<StorageException>(() => backend.ClaimTurnMode("c", "alpha", TurnMode.Serialized));
        Assert.Equal(StorageErrorCode.StoreCorrupt, e.Code);
        Assert.Contains("{c|alpha}:mode", e.Message);
        Assert.Contains("\"banana\"", e.Message);
        backend.SetTurnMode("c", "alpha", TurnMode.Concurrent);
        Assert.Equal(TurnMode.Concurrent, backend.GetTurnMode("c", "alpha"));
    }
}

/// <summary>Turns on a Redis Cluster: the lease and fence keys share the owner's slot, so fenced writes run as one script.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterTurnTests(RedisClusterFixture fixture)
{
    [Fact, Rule("PDP-TURN-4", "PDP-REDIS-5")]
    public void LeaseAndFencing_WorkOnTheOwnersSlot()
    {
        var location = fixture.NewLocation() + "&lease=300";
        using var a = RedisBackend.Open(location);
        using var b = RedisBackend.Open(location);
        var bucket = new BucketId("c", DbMode.NonTransactional, "alpha", "b");
        var clientData = new BucketId("c", DbMode.Transactional, Names.ClientData, "alpha");
        var other = new BucketId("c", DbMode.NonTransactional, "gamma", "b");

        var leaseA = (RedisTurnLease)a.LockTurn("c", "alpha", DateTime.UtcNow.AddSeconds(10), default)!;
        a.Apply([new Write(bucket, "x", "a"u8.ToArray()), new Write(clientData, "x", "a"u8.ToArray()), new Write(other, "x", "a"u8.ToArray())], Quota.Unlimited);
        leaseA.RenewalPaused = true;
        using var leaseB = b.LockTurn("c", "alpha", DateTime.UtcNow.AddSeconds(30), default)!;
        b.Set(bucket, "x", "b"u8.ToArray(), Quota.Unlimited);

        var e = Assert.Throws<StorageException>(() =>
            a.Apply([new Write(other, "x", "late"u8.ToArray()), new Write(bucket, "x", "late"u8.ToArray())], Quota.Unlimited));
        Assert.Equal(StorageErrorCode.OperationEnded, e.Code);
        Assert.Equal("b"u8.ToArray(), b.Get(bucket, "x"));
        Assert.Equal("a"u8.ToArray(), b.Get(other, "x")); // checked on every slot before any is written
        leaseA.Dispose();
    }
}
