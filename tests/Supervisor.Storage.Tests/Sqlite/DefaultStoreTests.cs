using Microsoft.Data.Sqlite;
using Supervisor.Storage;
using Supervisor.Storage.Backends.Sqlite;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sqlite;

/// <summary>Changes XDG_DATA_HOME for the process, so it runs alone, after the parallel tests.</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

[Collection(nameof(ProcessEnvironment))]
public sealed class DefaultStoreTests
{
    [Fact, Rule("PDP-SQLITE-1", "PDP-DUR-1")]
    public void WithoutALocation_TheDomainsDefaultStoreIsCreatedWithItsFolder_InWal()
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("XDG_DATA_HOME is how Linux places local app data");
        using var dir = new TempDirectory();
        var saved = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        Environment.SetEnvironmentVariable("XDG_DATA_HOME", dir.Path);
        try
        {
            var expected = Path.Combine(dir.Path, "supervisor", "mydomain", "store.db");
            Assert.Equal(expected, SqliteOptions.DefaultPath("mydomain"));
            Assert.False(Directory.Exists(Path.GetDirectoryName(expected)));
            using (var store = KeyValueStore.Create(new StorageOptions { Domain = "mydomain" }))
            {
                Assert.Equal("sqlite", store.Backend.TypeName);
                using var session = store.OpenSession();
                using var op = session.BeginOperation();
                op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b").Set("k", "v"u8);
            }
            Assert.True(File.Exists(expected));
            using var c = new SqliteConnection($"Data Source={expected};Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode";
            Assert.Equal("wal", cmd.ExecuteScalar());
            cmd.CommandText = "SELECT count(*) FROM records";
            Assert.Equal(1L, cmd.ExecuteScalar());
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", saved);
        }
    }
}
