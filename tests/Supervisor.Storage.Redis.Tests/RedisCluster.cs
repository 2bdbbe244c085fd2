using System.Diagnostics;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>
/// A three-master Redis Cluster on loopback: three <see cref="RedisServer"/>s with
/// <c>--cluster-enabled yes</c>, joined by <c>redis-cli --cluster create</c>.
/// </summary>
public sealed class RedisClusterFixture : IDisposable
{
    private readonly List<RedisServer> _nodes = new();

    /// <summary>Starts the nodes and creates the cluster; fails loudly when redis-cli is missing.</summary>
    public RedisClusterFixture()
    {
        try
        {
            for (var i = 0; i < 3; i++)
                _nodes.Add(new RedisServer("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"));
            var cli = Path.Combine(Path.GetDirectoryName(RedisServer.Executable())!, "redis-cli");
            var psi = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--cluster", "create" }.Concat(_nodes.Select(n => $"127.0.0.1:{n.Port}")).Concat(["--cluster-replicas", "0", "--cluster-yes"]))
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000) || p.ExitCode != 0)
                throw new InvalidOperationException($"redis-cli --cluster create failed: {output.Result} {error.Result}");
            var deadline = Stopwatch.StartNew();
            while (!_nodes.All(n => n.Command("CLUSTER INFO") is { } r && r.Length > 0 && Info(n).Contains("cluster_state:ok")))
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new InvalidOperationException("the cluster did not reach cluster_state:ok within 30 s");
                Thread.Sleep(100);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static string Info(RedisServer n) => n.CommandAll("CLUSTER INFO");

    /// <summary>A fresh store on the cluster.</summary>
    public string NewLocation() => $"redis://127.0.0.1:{_nodes[0].Port}/0?prefix=t{Guid.NewGuid():n}";

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var n in _nodes) n.Dispose();
    }
}

/// <summary>The tests that share <see cref="RedisClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "redis-cluster";
}

/// <summary>The shared backend contract, unchanged, against a three-master Redis Cluster.</summary>
[Collection(RedisClusterCollection.Name), Rule("PDP-REDIS-5")]
public sealed class RedisClusterContractTests(RedisClusterFixture fixture) : BackendContractTests
{
    private readonly string _location = fixture.NewLocation();

    protected override StorageBackend CreateBackend() => RedisBackend.Open(_location);

    protected override StorageBackend? Reopen() => CreateBackend();

    [Fact]
    public void Backend_SeesACluster_AndSpreadsOwnersOverSlots()
    {
        using var b = (RedisStorageBackend)CreateBackend();
        Assert.True(b.IsCluster);
        // Owners of one chain land on several nodes; listing still sees them all.
        var owners = Enumerable.Range(0, 20).Select(i => $"svc{i}").ToList();
        foreach (var o in owners) b.Set(new BucketId("test", DbMode.NonTransactional, o, "b"), "k", [1], Quota.Unlimited);
        Assert.Equal(owners.Order(StringComparer.Ordinal), b.ListServices("test").Select(s => s.Name));
        Assert.Equal(20, b.ListChains().Single().Items);
        // A batch across owners in different slots applies.
        b.Apply(owners.Select(o => new Write(new BucketId("test", DbMode.NonTransactional, o, "b"), "k2", [2])).ToList(), Quota.Unlimited);
        Assert.Equal(40, b.Scan("test", null).Count());
        Assert.Equal(40, b.Clear("test", null));
    }
}
