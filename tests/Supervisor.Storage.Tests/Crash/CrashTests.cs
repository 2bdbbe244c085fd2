using System.Text;
using Microsoft.Data.Sqlite;
using Supervisor.Storage;
using Supervisor.Testing;
using Xunit.Abstractions;

namespace Supervisor.Storage.Tests.Crash;

/// <summary>
/// A child writes non-transactionally and prints each write after it returned; the test kills it
/// with SIGKILL at a random moment and finds every acknowledged write in the reopened store.
/// SUPERVISOR_CRASH_ROUNDS sets the number of rounds (scripts/crash-soak.sh runs 1000).
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    [Fact, Rule("PDP-PERSIST-1", "PDP-DUR-1", "PDP-SQLITE-3")]
    public void AcknowledgedWrites_SurviveSigkill()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("SUPERVISOR_CRASH_ROUNDS"), out var r) && r > 0 ? r : 20;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"{rounds} rounds, seed {seed}");
        long totalAcked = 0;
        for (var round = 0; round < rounds; round++)
        {
            using var dir = new TempDirectory();
            var db = dir.File("crash.db");
            // Half the rounds kill after a random number of acknowledged writes; the others after a random
            // delay from the start, which may fall before the first write or while the schema is created.
            var afterWrites = random.Next(2) == 0 ? random.Next(1, 400) : -1;
            var delayMs = random.Next(0, 400);
            IReadOnlyList<string> lines;
            using (var worker = WorkerProcess.Start("crash-writer", db))
            {
                var started = Environment.TickCount64;
                while (!worker.HasExited)
                {
                    if (afterWrites >= 0 ? worker.LineCount > afterWrites : Environment.TickCount64 - started >= delayMs) break;
                    Thread.Sleep(1);
                }
                Assert.False(worker.HasExited, $"round {round}: the writer ended by itself: {string.Join("\n", worker.Lines.TakeLast(3))}");
                worker.Kill();
                worker.WaitForExit(TimeSpan.FromSeconds(30));
                lines = worker.Lines;
            }

            var acked = lines.Where(l => l != "ready").Select(l => l.Split(' ', 2)).ToList();
            totalAcked += acked.Count;
            if (!File.Exists(db))
            {
                Assert.Empty(acked);
                continue;
            }
            using (var store = KeyValueStore.Create(new StorageOptions { Location = db }))
            {
                using var session = store.OpenSession();
                using var op = session.BeginOperation();
                var bucket = op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b");
                long lastCounter = 0;
                foreach (var parts in acked)
                {
                    if (parts[0] == "counter")
                    {
                        lastCounter = long.Parse(parts[1]);
                        continue;
                    }
                    var value = bucket.Get(parts[0]);
                    Assert.True(value is not null, $"round {round}: acknowledged key {parts[0]} is missing after the kill ({acked.Count} acknowledged)");
                    Assert.True(Encoding.ASCII.GetBytes(parts[1]).AsSpan().SequenceEqual(value), $"round {round}: key {parts[0]} has another value");
                }
                // The counter holds at least what was acknowledged, and at most one unacknowledged increment more.
                var counter = bucket.Get("counter") is { } c ? long.Parse(Encoding.ASCII.GetString(c)) : 0;
                Assert.InRange(counter, lastCounter, lastCounter + 1);
            }
            using (var check = new SqliteConnection($"Data Source={db};Pooling=False"))
            {
                check.Open();
                using var cmd = check.CreateCommand();
                cmd.CommandText = "PRAGMA integrity_check";
                Assert.Equal("ok", cmd.ExecuteScalar());
            }
        }
        output.WriteLine($"{totalAcked} acknowledged writes checked");
        Assert.True(totalAcked > 0, "no round acknowledged any write: the test checked nothing");
    }
}
