using System.Text;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>
/// Several backends with connections of their own (as several supervisor processes or machines
/// would have) sharing one Redis store.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisConcurrencyTests(RedisServerFixture fixture)
{
    private static readonly BucketId Bucket = new("test", DbMode.NonTransactional, "alpha", "b");

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact, Rule("PDP-REDIS-2", "PDP-INCR-3", "PDP-CAS-1", "PDP-QUOTA-2", "PDP-BATCH-1")]
    public void ManyConnections_KeepCountersQuotasAndBatchesExact()
    {
        var location = fixture.Server.NewLocation();
        const int clients = 4, each = 150;
        var backends = Enumerable.Range(0, clients).Select(_ => RedisBackend.Open(location)).ToList();
        try
        {
            Parallel.For(0, clients * 2, new ParallelOptions { MaxDegreeOfParallelism = clients * 2 }, t =>
            {
                var b = backends[t % clients];
                for (var i = 0; i < each; i++)
                {
                    b.Increment(Bucket, "counter", 1, Quota.Unlimited);
                    // A batch over two buckets of two owners moves one unit from "from" to "to": all or nothing.
                    var other = new BucketId("test", DbMode.Transactional, Names.ClientData, "beta");
                    while (true)
                    {
                        var v = b.Get(Bucket, "cas");
                        var n = v is null ? 0 : long.Parse(Encoding.UTF8.GetString(v));
                        if (b.CompareAndSwap(Bucket, "cas", v, B((n + 1).ToString()), Quota.Unlimited)) break;
                    }
                    b.Apply([new Write(Bucket, $"w{t}-{i}", B("x")), new Write(other, $"w{t}-{i}", B("y"))], Quota.Unlimited);
                }
            });
            var total = clients * 2 * each;
            Assert.Equal(B(total.ToString()), backends[0].Get(Bucket, "counter"));
            Assert.Equal(B(total.ToString()), backends[1].Get(Bucket, "cas"));
            Assert.Equal(total + 2, backends[2].GetOwnerUsage("test", "alpha").Items);
            Assert.Equal(total, backends[3].GetOwnerUsage("test", "beta").Items);

            // Quota exact across connections: exactly 40 of 300 distinct inserts fit.
            var quota = new Quota(0, total + 2 + 40);
            var ok = 0;
            Parallel.For(0, 300, new ParallelOptions { MaxDegreeOfParallelism = clients * 2 }, i =>
            {
                try
                {
                    backends[i % clients].Set(Bucket, $"q{i}", B("x"), quota);
                    Interlocked.Increment(ref ok);
                }
                catch (StorageException e) when (e.Code == StorageErrorCode.QuotaExceeded)
                {
                }
            });
            Assert.Equal(40, ok);
            Assert.Equal(total + 2 + 40, backends[0].GetOwnerUsage("test", "alpha").Items);
            var listed = 0;
            string? after = null;
            while (backends[1].ListKeys(Bucket, after, 1000) is { Count: > 0 } page)
            {
                listed += page.Count;
                after = page[^1];
            }
            Assert.Equal(total + 2 + 40, listed);
        }
        finally
        {
            foreach (var b in backends) b.Dispose();
        }
    }

    [Fact, Rule("PDP-REDIS-2")]
    public void TransactionalOperation_CommitsAtomically_ThroughTheStore()
    {
        using var backend = RedisBackend.Open(fixture.Server.NewLocation());
        using var store = KeyValueStore.Create(backend);
        using var session = store.OpenSession();
        var trx = new BucketId("test", DbMode.Transactional, "alpha", "t");
        using (var op = session.BeginOperation())
        {
            var bucket = op.OpenBucket(trx, StorageDuration.Persistent);
            bucket.Set("a", B("1"));
            bucket.Set("b", B("2"));
            Assert.Null(backend.Get(trx, "a"));
            op.Commit();
        }
        Assert.Equal(B("1"), backend.Get(trx, "a"));
        Assert.Equal(B("2"), backend.Get(trx, "b"));
        using (var failed = session.BeginOperation())
        {
            failed.OpenBucket(trx, StorageDuration.Persistent).Set("c", B("3"));
            failed.Fail();
        }
        Assert.Null(backend.Get(trx, "c"));
    }
}
