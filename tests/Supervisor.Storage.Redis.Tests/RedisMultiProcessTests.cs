using System.Text;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>Several supervisor processes sharing one Redis store: the same multi-process test SQLite passes.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisMultiProcessTests(RedisServerFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact, Rule("PDP-REDIS-2", "PDP-INCR-3", "PDP-CAS-1")]
    public void IncrementAndCas_FromFourProcessesEach_LoseNoUpdate()
    {
        var location = fixture.Server.NewLocation();
        const int processes = 4, increments = 200, swaps = 50;
        WorkerProcess.RunCountersAgainst(location, processes, increments, swaps, Timeout);
        using var backend = RedisBackend.Open(location);
        var bucket = new BucketId("c", DbMode.NonTransactional, "alpha", "b");
        Assert.Equal(Encoding.UTF8.GetBytes($"{processes * increments}"), backend.Get(bucket, "counter"));
        Assert.Equal(Encoding.UTF8.GetBytes($"{processes * swaps}"), backend.Get(bucket, "cas"));
    }
}
