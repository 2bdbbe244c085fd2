using System.Text;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Concurrency;

/// <summary>
/// Compare-and-swap through the library face (operation, non-transactional bucket) raced from threads of two stores
/// opened on one SQLite file, in lockstep rounds: every thread reads the same value, then all swap from it at once, so
/// exactly one swap per round may write (a swap done as read, compare, then set lets several write the same value),
/// and the swaps that wrote equal the final count.
/// </summary>
public sealed class CasRaceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact, Rule("PDP-CAS-1", "PDP-KV-6")]
    public void CompareAndSwap_RacedInRoundsFromTwoStoresOnOneFile_ExactlyOneSwapWritesPerRound()
    {
        var file = _dir.File("store.db");
        using var first = KeyValueStore.Create(new StorageOptions { Location = file });
        using var second = KeyValueStore.Create(new StorageOptions { Location = file });
        var stores = new[] { first, second };
        const int threadsEach = 3, rounds = 40;
        var threads = threadsEach * stores.Length;
        var barrier = new Barrier(threads);
        var wrotePerRound = new int[rounds];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                using var session = stores[t % stores.Length].OpenSession();
                for (var round = 0; round < rounds; round++)
                {
                    barrier.SignalAndWait();
                    byte[]? seen;
                    using (var read = session.BeginOperation())
                    {
                        seen = Bucket(read).Get("counter");
                        read.Commit();
                    }
                    barrier.SignalAndWait();
                    var next = Encoding.UTF8.GetBytes(((seen is null ? 0 : long.Parse(Encoding.UTF8.GetString(seen))) + 1).ToString());
                    using var op = session.BeginOperation();
                    if (Bucket(op).CompareAndSwap("counter", seen, next)) Interlocked.Increment(ref wrotePerRound[round]);
                    op.Commit();
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
                barrier.RemoveParticipant();
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => Assert.True(w.Join(TimeSpan.FromMinutes(2)), "a racing thread did not end"));

        Assert.Empty(failures);
        Assert.All(wrotePerRound, n => Assert.Equal(1, n));
        using var check = first.OpenSession();
        using var final = check.BeginOperation();
        Assert.Equal(rounds.ToString(), Encoding.UTF8.GetString(Bucket(final).Get("counter")!));
    }

    private static Bucket Bucket(Operation op) => op.OpenBucket("test", DbMode.NonTransactional, StorageDuration.Persistent, "racer", "b");
}
