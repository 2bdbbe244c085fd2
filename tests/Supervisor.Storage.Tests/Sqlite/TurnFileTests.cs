using System.Text;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Backends.Sqlite;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sqlite;

/// <summary>
/// SQLite's turns across processes (PDP-TURN-3): lock files beside the store, kept open per backend and locked per turn.
/// Two backends on one file in this process each have their own open file, so they exclude each other as two processes
/// do; the worker processes check the same against other processes, and killing a holder frees its turn at once.
/// </summary>
public sealed class TurnFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _path;

    public TurnFileTests() => _path = _dir.File("turns.db");

    public void Dispose() => _dir.Dispose();

    private static DateTime In(int ms) => DateTime.UtcNow.AddMilliseconds(ms);

    private SqliteBackend Open() => new(_path, new SqliteOptions());

    private static void AssertBusy(StorageBackend backend, string owner = "alpha")
    {
        var e = Assert.Throws<StorageException>(() => backend.LockTurn("c", owner, In(30), default));
        Assert.Equal(StorageErrorCode.DeadlinePassed, e.Code);
        Assert.Contains($"the turn of \"{owner}\" on chain \"c\", which another process holds", e.Message);
    }

    [Fact, Rule("PDP-TURN-3")]
    public void TwoBackendsOnOneFile_TakeTheTurnInTurn_Repeatedly()
    {
        using var a = Open();
        using var b = Open();
        for (var round = 0; round < 3; round++)
        {
            var held = a.LockTurn("c", "alpha", In(1000), default)!;
            AssertBusy(b);
            b.LockTurn("c", "beta", In(1000), default)!.Dispose(); // another owner is free
            held.Dispose();
            held.Dispose(); // once only: a second release must not unlock another's turn
            using (b.LockTurn("c", "alpha", In(1000), default))
                AssertBusy(a);
        }
        Assert.Equal(2, Directory.GetFiles(SqliteTurnFiles.Folder(_path), "*.lock").Length); // alpha's and beta's, nothing else
    }

    [Fact, Rule("PDP-TURN-3")]
    public void ALockFileDeletedWhileKeptOpen_IsOpenedAgain_SoTheTurnStillExcludes()
    {
        using var a = Open();
        using var b = Open();
        a.LockTurn("c", "alpha", In(1000), default)!.Dispose(); // a keeps the file open
        Directory.Delete(SqliteTurnFiles.Folder(_path), recursive: true);
        using (b.LockTurn("c", "alpha", In(1000), default)) // a new file at the same path
            AssertBusy(a); // a finds its kept file deleted and locks the new one instead, which b holds
        a.LockTurn("c", "alpha", In(1000), default)!.Dispose();
    }

    [Fact, Rule("PDP-TURN-3")]
    public void DisposingABackend_ReleasesTheTurnsItHolds()
    {
        var a = Open();
        using var b = Open();
        var held = a.LockTurn("c", "alpha", In(1000), default)!;
        AssertBusy(b);
        a.Dispose();
        held.Dispose(); // after its backend: nothing to do, no error
        b.LockTurn("c", "alpha", In(1000), default)!.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.LockTurn("c", "alpha", In(1000), default));
    }

    /// <summary>
    /// A holder in another process excludes this one, and killing it frees the turn at once; with .NET's file locking
    /// turned off in the holder too, since the backend takes its <c>flock</c> itself.
    /// </summary>
    [Theory, Rule("PDP-TURN-3")]
    [InlineData(false)]
    [InlineData(true)]
    public void AHolderProcessKilled_FreesTheTurnAtOnce(bool dotnetFileLockingOff)
    {
        var environment = new Dictionary<string, string>();
        if (dotnetFileLockingOff) environment["DOTNET_SYSTEM_IO_DISABLEFILELOCKING"] = "1";
        using var worker = WorkerProcess.StartWithEnvironment(environment, "hold-turn", _path);
        WaitForFirstLine(worker);
        using var here = Open();
        AssertBusy(here);
        worker.Kill();
        worker.WaitForExit(TimeSpan.FromMinutes(1));
        here.LockTurn("c", "alpha", In(5000), default)!.Dispose();
    }

    [Fact, Rule("PDP-TURN-1", "PDP-TURN-3")]
    public void ReadModifyWrite_UnderTurns_FromFourProcessesAndThisOne_LosesNoUpdate()
    {
        const int processes = 4, each = 300;
        var go = _dir.File("go");
        var workers = Enumerable.Range(0, processes).Select(_ => WorkerProcess.Start("turn-increment", _path, $"{each}", go)).ToList();
        try
        {
            foreach (var w in workers) WaitForFirstLine(w);
            File.WriteAllText(go, ""); // all at once: started one by one, each could finish before the next began
            using var store = KeyValueStore.Create(new StorageOptions { Location = _path });
            using var session = store.OpenSession();
            using var op = session.BeginOperation();
            var bucket = op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b");
            for (var i = 0; i < each; i++)
            {
                using var turn = store.NewTurnHolder("test", TimeSpan.FromMinutes(1));
                turn.Enter("c", "alpha", In(60_000));
                var current = bucket.Get("plain");
                var value = current is null ? 0 : long.Parse(Encoding.UTF8.GetString(current));
                bucket.Set("plain", Encoding.UTF8.GetBytes($"{value + 1}"));
            }
            foreach (var w in workers) Assert.Equal("done", w.Succeed(TimeSpan.FromMinutes(3))[^1]);
            Assert.Equal($"{(processes + 1) * each}", Encoding.UTF8.GetString(bucket.Get("plain")!));
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }
    }

    private static void WaitForFirstLine(WorkerProcess worker)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (worker.LineCount == 0)
        {
            Assert.False(worker.HasExited, "the worker ended early: " + string.Join("\n", worker.Lines));
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), "the worker did not start within a minute");
            Thread.Sleep(20);
        }
    }
}
