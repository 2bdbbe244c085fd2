using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Turns;

/// <summary>
/// The turn table and holders of the storage layer, without the plugin host (PDP-TURN-1, -2, -6, -7, -8): who waits,
/// what a wait that ends says, and that releases let waiters in. Outcomes only; waits are bounded by deadlines.
/// </summary>
public sealed class TurnHolderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly KeyValueStore _store;

    public TurnHolderTests() => _store = KeyValueStore.Create(new StorageOptions { Location = _dir.File("turns.db") });

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private static DateTime In(int ms) => DateTime.UtcNow.AddMilliseconds(ms);

    private TurnHolder Holder(string name, int maxHoldMs = 30_000) => _store.NewTurnHolder(name, TimeSpan.FromMilliseconds(maxHoldMs));

    [Fact, Rule("PDP-TURN-1")]
    public void ATurnHeld_MakesAnotherWaitUntilItsDeadline_NamingBothAndTheOwner()
    {
        using var a = Holder("operation A");
        using var b = Holder("operation B");
        Assert.Null(a.Since);
        a.Enter("c", "alpha", In(1000));
        a.Enter("c", "alpha", In(1000)); // again: already held, no wait
        Assert.True(a.Holds("c", "alpha"));
        Assert.False(b.Holds("c", "alpha"));
        Assert.Equal(1, a.Count);
        Assert.NotNull(a.Since);

        var e = Assert.Throws<StorageException>(() => b.Enter("c", "alpha", In(150)));
        Assert.Equal(StorageErrorCode.DeadlinePassed, e.Code);
        Assert.Contains("operation B waited for the turn of \"alpha\" on chain \"c\" until its time limit; operation A held it", e.Message);
        Assert.Equal(0, b.Count);

        b.Enter("c", "beta", In(1000)); // another owner, or another chain, is free
        b.Enter("other", "alpha", In(1000));
        Assert.Equal(2, b.Count);
    }

    [Fact, Rule("PDP-TURN-1")]
    public void ReleasingTurns_LetsAWaiterIn_AndTheHolderMayTakeThemAgain()
    {
        var a = Holder("A");
        using var b = Holder("B");
        a.Enter("c", "alpha", In(1000));
        a.Enter("c", "beta", In(1000));
        var entered = new ManualResetEventSlim();
        var waiter = new Thread(() =>
        {
            b.Enter("c", "alpha", In(30_000));
            entered.Set();
        });
        waiter.Start();
        Assert.False(entered.Wait(100)); // still held
        a.Dispose();
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)), "the waiter never got the released turn");
        waiter.Join();
        Assert.Equal(0, a.Count);
        Assert.Null(a.Since);
        Assert.True(b.Holds("c", "alpha"));
        a.Enter("c", "beta", In(1000)); // the disposed holder's other turn was released too; it may take turns again
        Assert.True(a.Holds("c", "beta"));
        a.Dispose();
    }

    [Fact, Rule("PDP-TURN-1")]
    public void EightWaitersForOneOwner_EachGetTheTurnInTurn()
    {
        var inside = 0;
        var most = 0;
        var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            for (var n = 0; n < 20; n++)
            {
                using var h = Holder($"op {i}.{n}");
                h.Enter("c", "hub", In(60_000));
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref most, now);
                Thread.SpinWait(200);
                Interlocked.Decrement(ref inside);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(1)), "a waiter never got the turn"));
        Assert.Equal(1, most);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    [Fact, Rule("PDP-TURN-2")]
    public void OppositeOrders_FailTheSecondToWait_WithADeadlockNamingTheCycle()
    {
        using var a = Holder("operation A");
        using var b = Holder("operation B");
        a.Enter("c", "alpha", In(1000));
        b.Enter("c", "beta", In(1000));
        StorageException? aFailed = null;
        var aWaits = new Thread(() =>
        {
            try { a.Enter("c", "beta", In(30_000)); }
            catch (StorageException x) { Volatile.Write(ref aFailed, x); }
        });
        aWaits.Start();
        // B retries short waits for alpha until A waits for beta. Whichever of them starts waiting second closes
        // the cycle and fails at once: usually B, but A when it starts waiting during one of B's short waits.
        StorageException? bFailed = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (bFailed is null && Volatile.Read(ref aFailed) is null && DateTime.UtcNow < deadline)
        {
            try
            {
                b.Enter("c", "alpha", In(50));
            }
            catch (StorageException x) when (x.Code == StorageErrorCode.Deadlock)
            {
                bFailed = x;
            }
            catch (StorageException x) when (x.Code == StorageErrorCode.DeadlinePassed)
            {
                // A was not waiting yet, or failed while B waited.
            }
        }
        if (bFailed is not null)
        {
            Assert.Contains("deadlock: operation B waits for the turn of alpha, which waits in turn for beta, which operation B holds", bFailed.Message);
            b.Dispose();
            Assert.True(aWaits.Join(TimeSpan.FromSeconds(30)));
            Assert.Null(aFailed);
            Assert.True(a.Holds("c", "beta"));
        }
        else
        {
            Assert.True(aWaits.Join(TimeSpan.FromSeconds(30)));
            Assert.NotNull(aFailed);
            Assert.Equal(StorageErrorCode.Deadlock, aFailed.Code);
            Assert.Contains("deadlock: operation A waits for the turn of beta, which waits in turn for alpha, which operation A holds", aFailed.Message);
            a.Dispose();
            b.Enter("c", "alpha", In(1000));
            Assert.True(b.Holds("c", "alpha"));
        }
    }

    [Fact, Rule("PDP-TURN-2")]
    public void ACycleOfThree_FailsTheOneThatClosesIt_NamingEveryLink()
    {
        using var a = Holder("A");
        using var b = Holder("B");
        using var c = Holder("C");
        a.Enter("c", "alpha", In(1000));
        b.Enter("c", "beta", In(1000));
        c.Enter("c", "gamma", In(1000));
        // A waits for beta, then B for gamma (no cycle yet: C waits for nothing), each seen waiting before the next starts.
        var waits = new[] { (a, "beta"), (b, "gamma") }.Select(w =>
        {
            var thread = new Thread(() =>
            {
                try { w.Item1.Enter("c", w.Item2, In(30_000)); }
                catch (StorageException) { }
            }) { IsBackground = true };
            thread.Start();
            Assert.True(SpinWait.SpinUntil(() => w.Item1.WaitingFor is not null, TimeSpan.FromSeconds(30)), $"{w.Item1.Name} never waited");
            return thread;
        }).ToList();
        var e = Assert.Throws<StorageException>(() => c.Enter("c", "alpha", In(30_000)));
        Assert.Equal(StorageErrorCode.Deadlock, e.Code);
        Assert.Equal("deadlock: C waits for the turn of alpha, which waits in turn for beta, which waits for gamma, which C holds; C fails so the others go on", e.Message);
        c.Dispose(); // B gets gamma, then lets everything go, and A gets beta
        Assert.True(waits[1].Join(TimeSpan.FromSeconds(30)));
        Assert.True(b.Holds("c", "gamma"));
        b.Dispose();
        Assert.True(waits[0].Join(TimeSpan.FromSeconds(30)));
        Assert.True(a.Holds("c", "beta"));
    }

    [Fact, Rule("PDP-TURN-6")]
    public void TurnsHeldPastTheBound_AreTakenByAWaiter_AndTheHolderFails()
    {
        using var slow = Holder("slow", maxHoldMs: 100);
        using var next = Holder("next");
        slow.Enter("c", "alpha", In(1000));
        slow.ThrowIfRevoked();
        next.Enter("c", "alpha", In(30_000)); // waits until slow's bound has passed, then takes it
        Assert.True(slow.Revoked);
        Assert.False(slow.Holds("c", "alpha"));
        var e = Assert.Throws<StorageException>(slow.ThrowIfRevoked);
        Assert.Equal(StorageErrorCode.OperationEnded, e.Code);
        Assert.Contains("slow held its turns for more than 0.1 s, so another operation took them", e.Message);
        Assert.Equal(StorageErrorCode.OperationEnded, Assert.Throws<StorageException>(() => slow.Enter("c", "beta", In(1000))).Code);
    }

    [Fact, Rule("PDP-TURN-1")]
    public void AWaitForATurn_IsCancellable()
    {
        using var a = Holder("A");
        using var b = Holder("B");
        a.Enter("c", "alpha", In(1000));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        Assert.ThrowsAny<OperationCanceledException>(() => b.Enter("c", "alpha", In(60_000), cancel.Token));
        Assert.False(b.Holds("c", "alpha"));
        a.Dispose();
        b.Enter("c", "alpha", In(1000)); // the cancelled wait left nothing behind
    }

    [Fact, Rule("PDP-TURN-7")]
    public void AdminTurns_AreTakenInOrder_AndTheirWaitIsBounded()
    {
        using (var admin = _store.TakeAdminTurns("clear", [("c", "beta"), ("c", "alpha"), ("c", "beta")]))
        {
            Assert.Equal(2, admin.Count);
            Assert.True(admin.Holds("c", "alpha") && admin.Holds("c", "beta"));
            Assert.Equal("clear", admin.Name);
        }
        using var plugin = Holder("plugin op");
        plugin.Enter("c", "alpha", In(1000)); // released by the admin's dispose
        Assert.Throws<ArgumentNullException>(() => _store.TakeAdminTurns("x", null!));
    }

    [Fact, Rule("PDP-TURN-3")]
    public void TwoStoresOnOneFile_ShareOneTurnTable()
    {
        using var second = KeyValueStore.Create(new StorageOptions { Location = _dir.File("turns.db") });
        using var a = Holder("A");
        using var b = second.NewTurnHolder("B", TimeSpan.FromSeconds(30));
        a.Enter("c", "alpha", In(1000));
        Assert.Equal(StorageErrorCode.DeadlinePassed, Assert.Throws<StorageException>(() => b.Enter("c", "alpha", In(100))).Code);
        Assert.Equal(second.Backend.TurnScope, _store.Backend.TurnScope);
    }

    [Fact, Rule("PDP-TURN-8")]
    public void TurnModes_AreCheckedForValidNames()
    {
        Assert.Equal(StorageErrorCode.InvalidChainId, Assert.Throws<StorageException>(() => _store.ClaimTurnMode("", "alpha", TurnMode.Serialized)).Code);
        Assert.Equal(StorageErrorCode.InvalidServiceName, Assert.Throws<StorageException>(() => _store.SetTurnMode("c", "Not Valid", TurnMode.Serialized)).Code);
        Assert.Equal(TurnMode.Concurrent, _store.ClaimTurnMode("c", "alpha", TurnMode.Concurrent));
        _store.SetTurnMode("c", "alpha", null);
        Assert.Null(_store.GetTurnMode("c", "alpha"));
    }
}
