using System.Text;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Backends.Sqlite;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sqlite;

/// <summary>
/// SQLite's turns across processes (PDP-TURN-3): lock files beside the store, kept open per backend and locked per turn.
/// Two backends on one file in this process each have their own open file, so they exclude each other as two processes
/// do; the worker processes check the same against other processes, and killing a holder frees its turn at once.
/// Linux only, as the kept files are: open files are counted in <c>/proc/self/fd</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
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
        Assert.Equal(2, OpenDescriptors(LockFile("alpha"))); // a closed the deleted file: each backend keeps the new one only
        Assert.Equal(0, Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd =>
        {
            try { return new FileInfo(fd).LinkTarget?.EndsWith(" (deleted)", StringComparison.Ordinal) == true && new FileInfo(fd).LinkTarget!.StartsWith(SqliteTurnFiles.Folder(_path), StringComparison.Ordinal); }
            catch (IOException) { return false; }
        }));
    }

    [Fact, Rule("PDP-TURN-3")]
    public void DisposingABackend_ReleasesTheTurnsItHolds()
    {
        var a = Open();
        using var b = Open();
        var held = a.LockTurn("c", "alpha", In(1000), default)!;
        AssertBusy(b);
        a.Dispose();
        b.LockTurn("c", "alpha", In(1000), default)!.Dispose();
        held.Dispose(); // after its backend: nothing to do, no error
        using (a.LockTurn("c", "alpha", In(1000), default)) // a disposed backend still takes turns, with a file per turn
            AssertBusy(b);
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

    private string LockFile(string owner) => Directory.GetFiles(SqliteTurnFiles.Folder(_path), owner + ".*.lock").Single();

    /// <summary>How many file descriptors of this process are open on <paramref name="file"/> (deleted or not).</summary>
    private static int OpenDescriptors(string file) => Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd =>
    {
        try
        {
            return new FileInfo(fd).LinkTarget is { } target && (target == file || target == file + " (deleted)");
        }
        catch (IOException)
        {
            return false; // closed meanwhile by another thread
        }
    });

    [Fact, Rule("PDP-TURN-3")]
    public void AKeptFile_IsOpenedOnce_AndLockedForEachTurn_EvenAfterAWaitForIt()
    {
        using var files = new SqliteTurnFiles(_path);
        for (var i = 0; i < 3; i++)
        {
            using (files.Take("c", "alpha", In(1000), default))
                Assert.Equal(1, OpenDescriptors(LockFile("alpha")));
            Assert.Equal(1, OpenDescriptors(LockFile("alpha"))); // kept open, unlocked
        }
        Assert.Equal(1, files.KeptCount);
        Assert.Equal(1, files.Opens); // opened once, not once per turn
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LockFile("alpha")));

        using var other = new SqliteTurnFiles(_path);
        var held = other.Take("c", "alpha", In(1000), default);
        Assert.Equal(StorageErrorCode.DeadlinePassed, Assert.Throws<StorageException>(() => files.Take("c", "alpha", In(30), default)).Code);
        held.Dispose();
        using (files.Take("c", "alpha", In(1000), default))
            Assert.Equal(2, OpenDescriptors(LockFile("alpha"))); // each object's own, nothing more
        Assert.Equal(1, files.Opens); // waiting did not give up the kept file
    }

    [Fact, Rule("PDP-TURN-3")]
    public void ATurnHeld_IsNotGivenAgain_ByTheSameObject()
    {
        using var files = new SqliteTurnFiles(_path);
        using (files.Take("c", "alpha", In(1000), default))
            Assert.Equal(StorageErrorCode.DeadlinePassed, Assert.Throws<StorageException>(() => files.Take("c", "alpha", In(30), default)).Code);
        files.Take("c", "alpha", In(1000), default).Dispose();
    }

    [Fact, Rule("PDP-TURN-3")]
    public void PastTheBound_FurtherLockFiles_AreOpenedForEachTurnOnly()
    {
        using var files = new SqliteTurnFiles(_path, maxKept: 2);
        foreach (var owner in new[] { "alpha", "beta", "gamma" })
            files.Take("c", owner, In(1000), default).Dispose();
        Assert.Equal(2, files.KeptCount);
        Assert.Equal(3, files.Opens);
        Assert.Equal(1, OpenDescriptors(LockFile("alpha")));
        Assert.Equal(0, OpenDescriptors(LockFile("gamma")));
        using (files.Take("c", "gamma", In(1000), default))
            Assert.Equal(1, OpenDescriptors(LockFile("gamma")));
    }

    [Fact, Rule("PDP-TURN-1", "PDP-TURN-3")]
    public void AWaitForAFileHeldElsewhere_EndsWhenItIsReleased_OrWhenCancelled()
    {
        using var files = new SqliteTurnFiles(_path);
        using var other = new SqliteTurnFiles(_path);
        var held = other.Take("c", "alpha", In(1000), default);
        var releaser = new Thread(() =>
        {
            Thread.Sleep(100);
            held.Dispose();
        });
        releaser.Start();
        files.Take("c", "alpha", In(60_000), default).Dispose(); // waits for the release, well within its deadline
        releaser.Join();

        using (other.Take("c", "alpha", In(1000), default))
        {
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => files.Take("c", "alpha", In(60_000), cancelled.Token));
        }
    }

    [Fact, Rule("PDP-TURN-3")]
    public void ALockFileThatCannotBeMade_IsABackendFailureNamingIt()
    {
        var folder = SqliteTurnFiles.Folder(_path);
        File.WriteAllText(folder, "a file where the folder belongs");
        using (var files = new SqliteTurnFiles(_path))
        {
            var e = Assert.Throws<StorageException>(() => files.Take("c", "alpha", In(1000), default));
            Assert.Equal(StorageErrorCode.BackendFailure, e.Code);
            Assert.Contains($"cannot create the folder of turn lock files {folder} beside the store", e.Message);
        }
        File.Delete(folder);

        using (var files = new SqliteTurnFiles(_path))
            files.Take("c", "alpha", In(1000), default).Dispose();
        var lockFile = LockFile("alpha");
        File.Delete(lockFile);
        Directory.CreateDirectory(lockFile); // a folder where the lock file belongs
        using (var files = new SqliteTurnFiles(_path))
        {
            var e = Assert.Throws<StorageException>(() => files.Take("c", "alpha", In(1000), default));
            Assert.Equal(StorageErrorCode.BackendFailure, e.Code);
            Assert.Contains($"cannot open the turn lock file {lockFile}", e.Message);
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
