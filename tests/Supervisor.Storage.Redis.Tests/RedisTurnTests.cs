using System.Diagnostics;
using System.Text;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>
/// Turns across processes on Redis: a lease per plugin, renewed while held. Backends with connections of their own
/// stand for separate processes.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisTurnTests(RedisServerFixture fixture)
{
    private const string Chain = "c", Owner = "alpha";
    private static readonly BucketId Bucket = new(Chain, DbMode.NonTransactional, Owner, "b");

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
        var location = fixture.Server.NewLocation("lease=2400");
        using var a = RedisBackend.Open(location);
        using var b = RedisBackend.Open(location);
        using var held = a.LockTurn(Chain, Owner, In(10), default)!;
        // B waits twice the lease length; renewal (every 800 ms) keeps A's lease alive all that time.
        var e = Assert.Throws<StorageException>(() => b.LockTurn(Chain, Owner, In(4.8), default));
        Assert.Equal(StorageErrorCode.DeadlinePassed, e.Code);
        a.Set(Bucket, "x", B("from-a"), Quota.Unlimited);
        Assert.Equal(B("from-a"), b.Get(Bucket, "x"));
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
}
