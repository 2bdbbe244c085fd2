using System.Text;
using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Testing;
using Xunit.Abstractions;

namespace Supervisor.Storage.Tests.Sqlite;

public sealed class ScratchTests(ITestOutputHelper o)
{
    [Fact]
    public void Nul()
    {
        using var d = new TempDirectory();
        using var s = KeyValueStore.Create(new StorageOptions { Location = d.File("s.db") });
        using var ses = s.OpenSession();
        using var op = ses.BeginOperation();
        var b = op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b");
        b.Set("a\0b", [1]);
        b.Set("a", [2]);
        var keys = b.ListKeys().Keys;
        o.WriteLine(string.Join("|", keys.Select(k => k.Replace("\0", "\\0"))));
        o.WriteLine(b.Get("a\0b") is null ? "null" : "found");
    }

    [Fact]
    public void Truncated()
    {
        using var d = new TempDirectory();
        var path = d.File("s.db");
        using (var s = KeyValueStore.Create(new StorageOptions { Location = path }))
        {
            using var ses = s.OpenSession();
            using var op = ses.BeginOperation();
            var b = op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b");
            for (int i = 0; i < 200; i++) b.Set("k" + i, new byte[1000]);
        }
        o.WriteLine($"len {new FileInfo(path).Length} wal {File.Exists(path + "-wal")} {(File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0)}");
        var bytes = File.ReadAllBytes(path);
        foreach (var n in new[] { 50, 100, 4096, 8192, bytes.Length / 2 })
        {
            File.WriteAllBytes(path, bytes[..n]);
            try
            {
                using var s = KeyValueStore.Create(new StorageOptions { Location = path });
                using var ses = s.OpenSession();
                using var op = ses.BeginOperation();
                var b = op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b");
                o.WriteLine($"{n}: opened; get k150 {(b.Get("k150") is null ? "null" : "found")}");
                b.Set("new", [1]);
                o.WriteLine($"{n}: set ok");
            }
            catch (Exception e) { o.WriteLine($"{n}: {e.GetType().Name} {(e as StorageException)?.Code} {e.Message}"); }
            o.WriteLine($"   len after {new FileInfo(path).Length}");
        }
    }

    [Fact]
    public void CrossDurationCommit()
    {
        using var s = KeyValueStore.Create(new StorageOptions { Backend = "memory", Limits = new StorageLimits { QuotaItems = 1 } });
        using var ses = s.OpenSession();
        var op = ses.BeginOperation();
        var p = op.OpenBucket("c", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b");
        var se = op.OpenBucket("c", DbMode.Transactional, StorageDuration.Session, "alpha", "b");
        p.Set("z", [1]);
        se.Set("x", [1]); se.Set("y", [1]);
        try { op.Commit(); } catch (StorageException e) { o.WriteLine("commit failed " + e.Message); }
        var op2 = ses.BeginOperation();
        o.WriteLine("persistent z after failed commit: " + (op2.OpenBucket("c", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b").Get("z") is null ? "absent" : "PRESENT"));
    }

    [Fact]
    public void TrxSetManyBufferCap()
    {
        using var s = KeyValueStore.Create(new StorageOptions { Backend = "memory", Limits = new StorageLimits { QuotaBytes = 100 } });
        using var ses = s.OpenSession();
        var op = ses.BeginOperation();
        var p = op.OpenBucket("c", DbMode.Transactional, StorageDuration.Persistent, "alpha", "b");
        try { p.SetMany([new("a", new byte[50]), new("b", new byte[50]), new("c", new byte[150])]); } catch (StorageException e) { o.WriteLine("setmany failed " + e.Message); }
        o.WriteLine("a after refused batch: " + (p.Get("a") is null ? "absent" : "PRESENT"));
    }
}
