using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Supervisor.Storage;
using Supervisor.Storage.Backends.Sqlite;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sqlite;

/// <summary>Files the SQLite backend must refuse, unchanged: damaged, truncated, foreign, newer. And its settings.</summary>
public sealed class StoreFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static void Sql(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    /// <summary>A real store with some records, closed (its WAL checkpointed into the file).</summary>
    private string MakeStore(string name, int records = 300)
    {
        var path = _dir.File(name);
        using var store = KeyValueStore.Create(new StorageOptions { Location = path });
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        var b = op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b");
        for (var i = 0; i < records; i++) b.Set($"k{i}", new byte[500]);
        return path;
    }

    /// <summary>Opening the file fails with <paramref name="code"/>, names the file, and leaves its bytes as they were.</summary>
    private static StorageException RefusedUnchanged(string path, StorageErrorCode code)
    {
        var before = Hash(path);
        var e = Assert.Throws<StorageException>(() => KeyValueStore.Create(new StorageOptions { Location = path }));
        Assert.Equal(code, e.Code);
        Assert.Contains(Path.GetFullPath(path), e.Message);
        Assert.Contains("unchanged", e.Message);
        Assert.Equal(before, Hash(path));
        // A second attempt is refused the same way (the first left nothing behind that changes the verdict).
        Assert.Equal(code, Assert.Throws<StorageException>(() => KeyValueStore.Create(new StorageOptions { Location = path })).Code);
        Assert.Equal(before, Hash(path));
        return e;
    }

    [Fact, Rule("PDP-SQLITE-3")]
    public void RandomBytes_AreRefusedAsCorrupt_AndLeftUnchanged()
    {
        var path = _dir.File("random.db");
        var bytes = new byte[16384];
        new Random(42).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var e = RefusedUnchanged(path, StorageErrorCode.StoreCorrupt);
        Assert.Contains("damaged", e.Message);
    }

    [Fact, Rule("PDP-SQLITE-3")]
    public void ASqliteHeaderFollowedByGarbage_IsRefusedAsCorrupt_AndLeftUnchanged()
    {
        var path = _dir.File("header.db");
        var bytes = new byte[8192];
        new Random(7).NextBytes(bytes);
        "SQLite format 3\0"u8.CopyTo(bytes);
        File.WriteAllBytes(path, bytes);
        RefusedUnchanged(path, StorageErrorCode.StoreCorrupt);
    }

    [Theory, Rule("PDP-SQLITE-3")]
    [InlineData(50)]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(-2)] // half the file
    public void ATruncatedStore_IsRefusedAsCorrupt_AndLeftUnchanged(int length)
    {
        var path = MakeStore("truncated.db");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 100_000);
        File.WriteAllBytes(path, bytes[..(length > 0 ? length : bytes.Length / -length)]);
        RefusedUnchanged(path, StorageErrorCode.StoreCorrupt);
    }

    [Fact, Rule("PDP-SQLITE-3")]
    public void AnotherApplicationsSqliteFile_IsRefusedAsForeign_AndLeftUnchanged()
    {
        var path = _dir.File("notes.db");
        Sql(path, "CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes(text) VALUES ('mine');");
        var e = RefusedUnchanged(path, StorageErrorCode.ForeignStore);
        Assert.Contains("another application", e.Message);
        Assert.Equal("mine", Scalar(path, "SELECT text FROM notes"));

        var tagged = _dir.File("tagged.db");
        Sql(tagged, $"PRAGMA application_id = 1234; PRAGMA user_version = {SqliteSchema.Version};");
        RefusedUnchanged(tagged, StorageErrorCode.ForeignStore);
    }

    [Fact, Rule("PDP-SQLITE-2")]
    public void AStoreFromANewerSchemaVersion_IsRefused_AndLeftUnchanged()
    {
        var path = MakeStore("newer.db", records: 3);
        Assert.Equal(SqliteSchema.Version, Scalar(path, "PRAGMA user_version"));
        Assert.Equal(SqliteSchema.ApplicationId, Scalar(path, "PRAGMA application_id"));
        var newer = SqliteSchema.Version + 1;
        Sql(path, $"PRAGMA user_version = {newer}");
        var e = RefusedUnchanged(path, StorageErrorCode.StoreTooNew);
        Assert.Contains($"version {newer}", e.Message);
        Assert.Contains($"up to version {SqliteSchema.Version}", e.Message);
        Assert.Equal(newer, Scalar(path, "PRAGMA user_version"));
        Assert.Equal(3L, Scalar(path, "SELECT count(*) FROM records"));
    }

    [Fact, Rule("PDP-SQLITE-2")]
    public void ANewStore_RecordsItsSchemaVersionAndApplicationId_AndReopens()
    {
        var path = MakeStore("fresh.db", records: 2);
        Assert.Equal(SqliteSchema.Version, Scalar(path, "PRAGMA user_version"));
        Assert.Equal(0x53555056L, Scalar(path, "PRAGMA application_id")); // "SUPV"
        using var again = KeyValueStore.Create(new StorageOptions { Location = path });
        Assert.Equal(2, again.GetUsage("c", "alpha").Items);
    }

    [Fact, Rule("PDP-SQLITE-2", "PDP-TURN-8")]
    public void AVersion2Store_IsMigratedToTheTurnModes_KeepingItsRecords()
    {
        var path = MakeStore("v2.db", records: 3);
        // Version 3 only added the turn_modes table: without it, the file is what version 2 wrote.
        Sql(path, "DROP TABLE turn_modes; PRAGMA user_version = 2;");

        using var store = KeyValueStore.Create(new StorageOptions { Location = path });
        Assert.Equal(SqliteSchema.Version, Scalar(path, "PRAGMA user_version"));
        Assert.Equal(3, store.GetUsage("c", "alpha").Items);
        Assert.Null(store.GetTurnMode("c", "alpha"));
        Assert.Equal(TurnMode.Concurrent, store.ClaimTurnMode("c", "alpha", TurnMode.Concurrent));
        Assert.Equal(TurnMode.Concurrent, store.ClaimTurnMode("c", "alpha", TurnMode.Serialized));
    }

    [Fact, Rule("PDP-SQLITE-3", "PDP-TURN-8")]
    public void ADamagedTurnMode_IsReportedAsCorrupt_NamingTheFileAndOwner()
    {
        var path = MakeStore("mode.db", records: 1);
        Sql(path, "INSERT INTO turn_modes(chain, owner, mode) VALUES('c', 'alpha', 7)");
        using var store = KeyValueStore.Create(new StorageOptions { Location = path });
        foreach (var read in new Action[] { () => store.GetTurnMode("c", "alpha"), () => store.ClaimTurnMode("c", "alpha", TurnMode.Serialized) })
        {
            var e = Assert.Throws<StorageException>(read);
            Assert.Equal(StorageErrorCode.StoreCorrupt, e.Code);
            Assert.Contains(Path.GetFullPath(path), e.Message);
            Assert.Contains("owner \"alpha\"", e.Message);
            Assert.Contains("\"7\"", e.Message);
        }
        store.SetTurnMode("c", "alpha", TurnMode.Serialized); // recording a mode repairs it
        Assert.Equal(TurnMode.Serialized, store.GetTurnMode("c", "alpha"));
    }

    [Fact, Rule("PDP-SQLITE-1")]
    public void DefaultPath_IsUnderLocalAppData_PerDomain()
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        Assert.False(string.IsNullOrEmpty(root));
        Assert.Equal(Path.Combine(root, "supervisor", "default", "store.db"), SqliteOptions.DefaultPath("default"));
        Assert.Equal(Path.Combine(root, "supervisor", "work.example-1", "store.db"), SqliteOptions.DefaultPath("work.example-1"));
        foreach (var bad in new[] { "", "..", "a/b", "a\\b", ".x", "dom ain" })
            Assert.Throws<ArgumentException>(() => SqliteOptions.DefaultPath(bad));
    }

    [Fact, Rule("PDP-SQLITE-1", "PDP-PERSIST-1", "PDP-PERSIST-2")]
    public void AStore_RunsInWal_WithTheDurabilityAndBusyTimeoutAsked()
    {
        var path = Path.Combine(_dir.Path, "nested", "folder", "wal.db");
        using (var store = KeyValueStore.Create(new StorageOptions { Location = path }))
        {
            Assert.True(File.Exists(path)); // created with its folder
            var sqlite = Assert.IsType<SqliteBackend>(store.Backend);
            Assert.Equal(1L, sqlite.ReadPragma("synchronous")); // NORMAL: the default durability, "process"
            Assert.Equal(30_000L, sqlite.ReadPragma("busy_timeout"));
            // journal_mode=WAL is a property of the file: a connection of the test's own sees it.
            Assert.Equal("wal", Scalar(path, "PRAGMA journal_mode"));
        }

        using (var power = KeyValueStore.Create(new StorageOptions { Location = path, Sqlite = { Durability = SqliteDurability.Power, BusyTimeout = TimeSpan.FromSeconds(2) } }))
        {
            var sqlite = Assert.IsType<SqliteBackend>(power.Backend);
            Assert.Equal(2L, sqlite.ReadPragma("synchronous")); // FULL
            Assert.Equal(2_000L, sqlite.ReadPragma("busy_timeout"));
            // Connections opened later (more threads) are configured the same way.
            Parallel.For(0, 8, _ => Assert.Equal(2L, sqlite.ReadPragma("synchronous")));
        }
    }

    [Fact, Rule("PDP-SQLITE-1")]
    public void SqliteSettings_AreTakenWhenTheStoreOpens_LaterChangesDoNotReachIt()
    {
        var options = new StorageOptions { Location = Path.Combine(_dir.Path, "copied.db"), Sqlite = { BusyTimeout = TimeSpan.FromSeconds(3) } };
        using var store = KeyValueStore.Create(options);
        options.Sqlite.BusyTimeout = TimeSpan.FromSeconds(9);
        options.Sqlite.Durability = SqliteDurability.Power;
        var sqlite = Assert.IsType<SqliteBackend>(store.Backend);
        // Connections opened after the change (more threads) still use the settings the store opened with.
        Parallel.For(0, 8, _ =>
        {
            Assert.Equal(3_000L, sqlite.ReadPragma("busy_timeout"));
            Assert.Equal(1L, sqlite.ReadPragma("synchronous"));
        });
    }
}
