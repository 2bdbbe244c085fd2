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
        var workers = Enumerable.Range(0, processes)
            .SelectMany(_ => new[] { WorkerProcess.Start("increment", location, $"{increments}"), WorkerProcess.Start("cas", location, $"{swaps}") })
            .ToList();
        try
        {
            var returned = new List<long>();
            foreach (var w in workers)
            {
                var lines = w.Succeed(Timeout);
                Assert.StartsWith("done", lines[^1]);
                if (lines.Count == 2) returned.AddRange(lines[0].Split(' ').Select(long.Parse));
            }
            // Every increment returned a distinct value: together exactly 1..N.
            Assert.Equal(Enumerable.Range(1, processes * increments).Select(i => (long)i), returned.Order());
            using var backend = RedisBackend.Open(location);
            var bucket = new BucketId("c", DbMode.NonTransactional, "alpha", "b");
            Assert.Equal(Encoding.UTF8.GetBytes($"{processes * increments}"), backend.Get(bucket, "counter"));
            Assert.Equal(Encoding.UTF8.GetBytes($"{processes * swaps}"), backend.Get(bucket, "cas"));
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }
}
