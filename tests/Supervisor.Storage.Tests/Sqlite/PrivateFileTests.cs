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
            Assert.StartsWith("supervisor-spool-", Path.GetFileName(name));
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

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int chown(string path, int owner, int group);

    private const int Stranger = 12345;

    /// <summary>A file or folder another user owns: one of ours given to uid 12345 when running as root, else <paramref name="system"/> (root's).</summary>
    private static (string Path, uint Owner) Foreign(string ours, string system)
    {
        if (geteuid() != 0) return (system, 0);
        Assert.Equal(0, chown(ours, Stranger, Stranger));
        return (ours, Stranger);
    }

    [Fact, Rule("PDP-SEC-5")]
    public void AConfigurationFile_IsTrustedOnlyWhenOursAndWritableByUsAlone()
    {
        using var dir = new TempDirectory();
        var file = dir.File("supervisor.json");
        File.WriteAllText(file, "{}");
        File.SetUnixFileMode(file, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Null(PrivateFiles.WhyConfigUntrusted(file)); // readable by others is fine for settings
        File.SetUnixFileMode(file, OwnerOnly | UnixFileMode.GroupWrite);
        Assert.Equal($"{file} can be written by other users (mode 620)", PrivateFiles.WhyConfigUntrusted(file));
        File.SetUnixFileMode(file, OwnerOnly | UnixFileMode.OtherWrite);
        Assert.Equal($"{file} can be written by other users (mode 602)", PrivateFiles.WhyConfigUntrusted(file));
        File.SetUnixFileMode(file, OwnerOnly);
        var (foreign, owner) = Foreign(file, "/etc/passwd");
        Assert.Equal($"{foreign} belongs to another user (uid {owner})", PrivateFiles.WhyConfigUntrusted(foreign));
        var missing = dir.File("missing.json");
        Assert.Contains($"cannot read the owner of {missing}", Assert.Throws<IOException>(() => PrivateFiles.WhyConfigUntrusted(missing)).Message);
    }

    [Fact, Rule("PDP-SEC-5")]
    public void ASecretFile_IsTrustedOnlyWhenOursAndClosedToOthers()
    {
        using var dir = new TempDirectory();
        var file = dir.File("key");
        File.WriteAllText(file, "secret");
        File.SetUnixFileMode(file, OwnerOnly);
        Assert.Null(PrivateFiles.WhySecretUntrusted(file));
        File.SetUnixFileMode(file, OwnerOnly | UnixFileMode.GroupRead);
        Assert.Equal($"{file} can be used by other users (mode 640)", PrivateFiles.WhySecretUntrusted(file));
        File.SetUnixFileMode(file, OwnerOnly | UnixFileMode.OtherExecute);
        Assert.Equal($"{file} can be used by other users (mode 601)", PrivateFiles.WhySecretUntrusted(file));
        File.SetUnixFileMode(file, OwnerOnly);
        var (foreign, owner) = Foreign(file, "/etc/passwd");
        Assert.StartsWith($"{foreign} belongs to another user (uid {owner})", PrivateFiles.WhySecretUntrusted(foreign));
    }

    [Fact, Rule("PDP-SEC-5")]
    public void AFolderOfCode_IsTrustedOnlyWhenNoOneElseCanChangeItOrAFolderAboveIt()
    {
        using var dir = new TempDirectory();
        var above = Path.Combine(dir.Path, "above");
        var folder = Path.Combine(above, "cache");
        PrivateFiles.CreateFolder(folder);
        Assert.Equal(OwnerFolder, File.GetUnixFileMode(above)); // every missing folder made owner-only, parents too
        Assert.Null(PrivateFiles.WhyUntrusted(folder));

        File.SetUnixFileMode(folder, OwnerFolder | UnixFileMode.GroupWrite | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        Assert.Equal($"{folder} can be written by other users (mode 770)", PrivateFiles.WhyUntrusted(folder));
        File.SetUnixFileMode(folder, OwnerFolder);

        File.SetUnixFileMode(above, OwnerFolder | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        Assert.Equal($"{above}, a folder above it, can be written by other users (mode 703)", PrivateFiles.WhyUntrusted(folder));
        File.SetUnixFileMode(above, OwnerFolder | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit);
        Assert.Null(PrivateFiles.WhyUntrusted(folder)); // sticky, as /tmp is: others cannot replace what is ours
        File.SetUnixFileMode(above, OwnerFolder);

        if (geteuid() == 0)
        {
            Assert.Equal(0, chown(above, Stranger, Stranger));
            Assert.Equal($"{above}, a folder above it, belongs to another user (uid {Stranger})", PrivateFiles.WhyUntrusted(folder));
            Assert.Equal(0, chown(folder, Stranger, Stranger));
            Assert.Equal($"{folder} belongs to another user (uid {Stranger})", PrivateFiles.WhyUntrusted(folder));
        }
        else
        {
            Assert.Equal("/etc belongs to another user (uid 0)", PrivateFiles.WhyUntrusted("/etc"));
        }
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
