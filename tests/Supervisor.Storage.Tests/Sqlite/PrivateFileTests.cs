using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sqlite;

/// <summary>Private data on disk is readable by its owner only, whatever the process umask (Unix modes; Linux here).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateFileTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerOnly | UnixFileMode.UserExecute;

    private static void Write(KeyValueStore store)
    {
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b").Set("k", [1, 2, 3]);
        op.Commit();
    }

    [Fact, Rule("PDP-SEC-5")]
    public void NewStore_ItsWalAndShmAndFolders_AreOwnerOnly()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "device", "profile", "store.db");
        using (var store = KeyValueStore.Create(new StorageOptions { Location = path }))
        {
            Write(store);
            Assert.Null(store.Backend.AccessWarning);
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
            Assert.True(File.Exists(path + "-wal"), "WAL mode keeps a -wal file while the store is open");
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path + "-wal"));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path + "-shm"));
        }
        Assert.Equal(OwnerFolder, File.GetUnixFileMode(Path.Combine(dir.Path, "device", "profile")));
        Assert.Equal(OwnerFolder, File.GetUnixFileMode(Path.Combine(dir.Path, "device")));
    }

    [Fact, Rule("PDP-SEC-5")]
    public void ExistingStoreReadableByOthers_GivesAWarningNamingItAndItsMode()
    {
        using var dir = new TempDirectory();
        var path = dir.File("store.db");
        using (var store = KeyValueStore.Create(new StorageOptions { Location = path })) Write(store);
        File.SetUnixFileMode(path, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var reopened = KeyValueStore.Create(new StorageOptions { Location = path });

        Assert.NotNull(reopened.Backend.AccessWarning);
        Assert.Contains(path, reopened.Backend.AccessWarning);
        Assert.Contains("mode 644", reopened.Backend.AccessWarning);
        Assert.Contains("chmod 600", reopened.Backend.AccessWarning);
    }

    [Fact, Rule("PDP-SEC-5")]
    public void Spool_IsOwnerOnlyAndGoneWhenClosed()
    {
        string name;
        using (var spool = PrivateFiles.Spool())
        {
            name = spool.Name;
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(name));
        }
        Assert.False(File.Exists(name));
    }

    [Fact, Rule("PDP-SEC-5")]
    public void ImportFromAStreamThatCannotSeek_SpoolsThroughAnOwnerOnlyFile()
    {
        using var dir = new TempDirectory();
        using var from = KeyValueStore.Create(new StorageOptions { Location = dir.File("from.db") });
        Write(from);
        using var archive = new MemoryStream();
        StorageArchive.Export(from, archive);
        using var into = KeyValueStore.Create(new StorageOptions { Location = dir.File("into.db") });
        var spoolFolder = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } r && Directory.Exists(r) ? r : Path.GetTempPath();
        var modes = new List<UnixFileMode>();
        using var watcher = new OneWayStream(archive.ToArray(), () =>
        {
            foreach (var f in Directory.GetFiles(spoolFolder, "supervisor-spool-*")) modes.Add(File.GetUnixFileMode(f));
        });

        var result = StorageArchive.Import(into, watcher);

        Assert.Equal(1, result.Imported);
        Assert.NotEmpty(modes);
        Assert.All(modes, m => Assert.Equal(OwnerOnly, m));
    }

    /// <summary>A stream that cannot seek and runs <paramref name="onEnd"/> when it is read to its end (while the spool is open).</summary>
    private sealed class OneWayStream(byte[] bytes, Action onEnd) : ForwardOnlyStream
    {
        private readonly MemoryStream _inner = new(bytes);
        private bool _ended;
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = _inner.Read(buffer, offset, count);
            if (n == 0 && !_ended) { _ended = true; onEnd(); }
            return n;
        }
    }
}
