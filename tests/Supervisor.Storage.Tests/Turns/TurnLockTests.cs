using System.Collections.Concurrent;
using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Backends.Memory;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Turns;

/// <summary>
/// The cross-process side of turns as a holder sees it (PDP-TURN-1, -3, -6, -7): each lock the backend gives is kept
/// with its key and released exactly once, whichever way the turn ends (dispose, a failed lock, revocation past the
/// bound); administrative turns are locked in one order; the table forgets keys nobody holds or waits for.
/// </summary>
public sealed class TurnLockTests : IDisposable
{
    private readonly LockingBackend _backend = new();
    private readonly KeyValueStore _store;

    public TurnLockTests() => _store = KeyValueStore.Create(_backend);

    public void Dispose()
    {
        _store.Dispose();
        _backend.Dispose();
    }

    private static DateTime In(int ms) => DateTime.UtcNow.AddMilliseconds(ms);

    private TurnHolder Holder(string name, int maxHoldMs = 30_000) => _store.NewTurnHolder(name, TimeSpan.FromMilliseconds(maxHoldMs));

    private int KeyCount => _backend.Turns!.KeyCount;

    /// <summary>A memory store whose cross-process locks are recorded: "lock OWNER" and "unlock OWNER" in order.</summary>
    private sealed class LockingBackend() : DelegatingBackend(new MemoryBackend())
    {
        public ConcurrentQueue<string> Events { get; } = new();

        /// <summary>When set, locking this owner fails like a lock file that cannot be opened.</summary>
        public string? Refuse { get; set; }

        /// <summary>Runs inside <see cref="LockTurn"/>, after the in-process turn was given and before the lock is.</summary>
        public Action<string>? WhileLocking { get; set; }

        /// <summary>Runs inside <see cref="SetTurnMode"/>, while the administrative turn is held.</summary>
        public Action? WhileSettingTurnMode { get; set; }

        public override TurnLock? LockTurn(string chain, string owner, DateTime deadline, CancellationToken cancellation)
        {
            Events.Enqueue($"lock {owner}");
            if (owner == Refuse) throw new StorageException(StorageErrorCode.BackendFailure, $"the lock file of {owner} cannot be opened");
            WhileLocking?.Invoke(owner);
            return new RecordedLock(this, owner);
        }

        public override void SetTurnMode(string chain, string owner, TurnMode? mode)
        {
            WhileSettingTurnMode?.Invoke();
            base.SetTurnMode(chain, owner, mode);
        }

        private sealed class RecordedLock(LockingBackend backend, string owner) : TurnLock
        {
            public override void Dispose() => backend.Events.Enqueue($"unlock {owner}");
        }
    }

    [Fact, Rule("PDP-TURN-3")]
    public void EachLockTaken_IsReleasedOnce_WhenTheHolderIsDisposed()
    {
        var a = Holder("A");
        a.Enter("c", "alpha", In(1000));
        a.Enter("c", "beta", In(1000));
        a.Enter("c", "alpha", In(1000)); // held already: no second lock
        Assert.Equal(["lock alpha", "lock beta"], _backend.Events);
        a.Dispose();
        Assert.Equal(["lock alpha", "lock beta", "unlock alpha", "unlock beta"], _backend.Events.Order());
        a.Dispose();
        Assert.Equal(4, _backend.Events.Count);
        Assert.Equal(0, KeyCount);
    }

    [Fact, Rule("PDP-TURN-3")]
    public void AFailedLock_GivesBackTheTurnInThisProcess_AndTheErrorReachesTheCaller()
    {
        _backend.Refuse = "alpha";
        using var a = Holder("A");
        var e = Assert.Throws<StorageException>(() => a.Enter("c", "alpha", In(1000)));
        Assert.Contains("the lock file of alpha cannot be opened", e.Message);
        Assert.Equal(0, a.Count);
        Assert.Null(a.Since);
        Assert.Equal(0, KeyCount);
        using var b = Holder("B");
        _backend.Refuse = null;
        b.Enter("c", "alpha", In(0)); // free at once: no wait
        Assert.True(b.Holds("c", "alpha"));
    }

    [Fact, Rule("PDP-TURN-6")]
    public void Since_IsTheFirstTurnsTime_AndTheBoundCountsFromIt()
    {
        using var a = Holder("A");
        a.Enter("c", "alpha", In(1000));
        var first = a.Since;
        Assert.NotNull(first);
        Thread.Sleep(20);
        a.Enter("c", "beta", In(1000));
        Assert.Equal(first, a.Since);
    }

    [Fact, Rule("PDP-TURN-6")]
    public void AHolderPastItsBound_LosesItsTurn_EvenToAWaiterWhoseDeadlineHasPassed()
    {
        using var slow = Holder("slow", maxHoldMs: 1);
        slow.Enter("c", "alpha", In(1000));
        Thread.Sleep(20);
        using var next = Holder("next");
        next.Enter("c", "alpha", DateTime.UtcNow.AddSeconds(-1)); // no wait at all: the turn is taken, not waited for
        Assert.True(next.Holds("c", "alpha"));
        Assert.True(slow.Revoked);
        // The revoked holder's lock was released before the next one locked: another process could not have got in otherwise.
        Assert.Equal(["lock alpha", "unlock alpha", "lock alpha"], _backend.Events);
        slow.Dispose();
        Assert.Equal(3, _backend.Events.Count); // not released twice
    }

    [Fact, Rule("PDP-TURN-6")]
    public void ATurnTakenAwayWhileItsLockWasBeingTaken_ReleasesThatLock()
    {
        using var slow = Holder("slow", maxHoldMs: 1);
        slow.Enter("c", "alpha", In(1000));
        using var next = Holder("next");
        // While slow locks beta, past its bound, next takes alpha from it, which revokes beta too.
        _backend.WhileLocking = owner =>
        {
            if (owner != "beta") return;
            _backend.WhileLocking = null;
            Thread.Sleep(20);
            next.Enter("c", "alpha", In(1000));
        };
        slow.Enter("c", "beta", In(1000));
        Assert.True(slow.Revoked);
        Assert.False(slow.Holds("c", "beta"));
        Assert.Equal(["lock alpha", "lock beta", "unlock alpha", "lock alpha", "unlock beta"], _backend.Events);
        Assert.Equal(StorageErrorCode.OperationEnded, Assert.Throws<StorageException>(slow.ThrowIfRevoked).Code);
    }

    [Fact, Rule("PDP-TURN-7")]
    public void AdminTurns_LockEachOwnerOnce_InOrder_AndAFailureReleasesThoseTaken()
    {
        using (_store.TakeAdminTurns("import", [("c", "gamma"), ("c", "alpha"), ("c", "beta"), ("c", "alpha")]))
            Assert.Equal(["lock alpha", "lock beta", "lock gamma"], _backend.Events);
        _backend.Events.Clear();

        _backend.Refuse = "beta";
        var e = Assert.Throws<StorageException>(() => _store.TakeAdminTurns("import", [("c", "gamma"), ("c", "beta"), ("c", "alpha")]));
        Assert.Contains("the lock file of beta cannot be opened", e.Message);
        Assert.Equal(["lock alpha", "lock beta", "unlock alpha"], _backend.Events);
        Assert.Equal(0, KeyCount);
    }

    [Fact, Rule("PDP-TURN-7")]
    public void SettingATurnMode_HoldsThePluginsTurn_UnderAnAdministrativeName()
    {
        string? seen = null;
        using var probe = Holder("probe");
        _backend.WhileSettingTurnMode = () =>
            seen = Assert.Throws<StorageException>(() => probe.Enter("c", "alpha", In(50))).Message;
        _store.SetTurnMode("c", "alpha", TurnMode.Concurrent);
        Assert.Contains("setting the turn mode of \"alpha\" held it", seen);
        Assert.Equal(TurnMode.Concurrent, _store.GetTurnMode("c", "alpha"));
        Assert.Equal(0, KeyCount);
    }

    [Fact, Rule("PDP-TURN-1")]
    public void TheTable_ForgetsEveryKey_OnceNobodyHoldsOrWaitsForIt()
    {
        var a = Holder("A");
        using var b = Holder("B");
        a.Enter("c", "alpha", In(1000));
        Assert.Equal(1, KeyCount);
        Assert.Throws<StorageException>(() => b.Enter("c", "alpha", In(20))); // a wait that ends leaves no waiter counted
        Assert.Equal(1, KeyCount);
        var entered = new ManualResetEventSlim();
        var waiter = new Thread(() =>
        {
            b.Enter("c", "alpha", In(30_000));
            entered.Set();
        });
        waiter.Start();
        Assert.False(entered.Wait(50));
        a.Dispose();
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
        waiter.Join();
        Assert.Equal(1, KeyCount); // b holds it now
        b.Dispose();
        Assert.Equal(0, KeyCount);
        using var cancelled = new CancellationTokenSource();
        a.Enter("c", "beta", In(1000));
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => b.Enter("c", "beta", In(1000), cancelled.Token));
        a.Dispose();
        Assert.Equal(0, KeyCount);
    }

    /// <summary>Runs <paramref name="body"/> on a background thread; false when it has not ended within 30 s.</summary>
    private static bool EndsWithin30s(Action body)
    {
        var thread = new Thread(() => body()) { IsBackground = true };
        thread.Start();
        return thread.Join(TimeSpan.FromSeconds(30));
    }

    [Fact, Rule("PDP-TURN-1")]
    public void AWaitEnds_AtARelease_OrAtItsDeadline_NotAtTheNextLook()
    {
        // Waiters look again only once an hour here: what ends their waits sooner is the release or the deadline.
        TurnTable.For(_backend).WaitSlice = TimeSpan.FromHours(1);
        var a = Holder("A");
        using var b = Holder("B");
        a.Enter("c", "alpha", In(1000));

        StorageException? late = null;
        Assert.True(EndsWithin30s(() => late = Assert.Throws<StorageException>(() => b.Enter("c", "alpha", In(100)))), "a wait outlived its deadline");
        Assert.Equal(StorageErrorCode.DeadlinePassed, late!.Code);

        var entered = new ManualResetEventSlim();
        var waiter = new Thread(() =>
        {
            b.Enter("c", "alpha", In(600_000));
            entered.Set();
        }) { IsBackground = true };
        waiter.Start();
        Assert.True(SpinWait.SpinUntil(() => b.WaitingFor is not null, TimeSpan.FromSeconds(30)), "B never waited");
        a.Dispose();
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)), "the release did not wake the waiter");
        Assert.True(b.Holds("c", "alpha"));
    }
}
