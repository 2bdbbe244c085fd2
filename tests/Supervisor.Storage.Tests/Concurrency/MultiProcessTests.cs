using System.Text;
using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Concurrency;

/// <summary>Several processes on one SQLite store file: counters, compare-and-swap and quotas stay exact.</summary>
public sealed class MultiProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _dir = new();

    private string Db => _dir.File("shared.db");

    public void Dispose() => _dir.Dispose();

    private KeyValueStore Open(StorageLimits? limits = null) => KeyValueStore.Create(new StorageOptions { Location = Db, Limits = limits ?? new StorageLimits() });

    private static Bucket Bucket(Operation op) => op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b");

    [Fact, Rule("PDP-INCR-3", "PDP-CAS-1", "PDP-DUR-1", "PDP-SQLITE-1")]
    public void IncrementAndCas_FromFourProcessesEach_LoseNoUpdate()
    {
        const int processes = 4, increments = 1000, swaps = 200;
        // The processes start on a file that does not exist yet: they also race to create the schema.
        WorkerProcess.RunCountersAgainst(Db, processes, increments, swaps, Timeout);
        using var store = Open();
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        Assert.Equal(Encoding.UTF8.GetBytes($"{processes * increments}"), Bucket(op).Get("counter"));
        Assert.Equal(Encoding.UTF8.GetBytes($"{processes * swaps}"), Bucket(op).Get("cas"));
        Assert.Equal(new UsageEntry("alpha", 2, "counter".Length + 4 + "cas".Length + 3), store.GetUsage("c", "alpha"));
    }

    [Fact, Rule("PDP-QUOTA-2", "PDP-QUOTA-4", "PDP-DUR-1")]
    public void ItemQuota_UnderFourProcesses_AdmitsExactlyTheAllowedInserts()
    {
        const int processes = 4, attempts = 60, quota = 100, existing = 7;
        using (var store = Open())
        {
            using var session = store.OpenSession();
            using var op = session.BeginOperation();
            for (var i = 0; i < existing; i++) Bucket(op).Set($"pre-{i}", "p"u8);
        }

        var workers = Enumerable.Range(0, processes).Select(p => WorkerProcess.Start("quota-fill", Db, $"{attempts}", $"{quota}", $"p{p}")).ToList();
        try
        {
            var succeeded = workers.Sum(w =>
            {
                var line = Assert.Single(w.Succeed(Timeout));
                Assert.StartsWith("ok ", line);
                return int.Parse(line[3..]);
            });

            // 240 attempts for 93 free places: exactly 93 succeed, and the store holds exactly the quota.
            Assert.Equal(quota - existing, succeeded);
            using var store = Open();
            Assert.Equal(quota, store.GetUsage("c", "alpha").Items);
            using var session = store.OpenSession();
            using var op = session.BeginOperation();
            var keys = new List<string>();
            byte[]? cursor = null;
            do
            {
                var page = Bucket(op).ListKeys(cursor, 1000);
                keys.AddRange(page.Keys);
                cursor = page.Cursor;
            }
            while (cursor is not null);
            Assert.Equal(quota, keys.Count);
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }
}
