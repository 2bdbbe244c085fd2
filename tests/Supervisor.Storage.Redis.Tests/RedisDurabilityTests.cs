using System.Text;
using Microsoft.Extensions.Logging;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>Durability stated and checked: the connect-time check, the opt-out, and SIGKILL.</summary>
public sealed class RedisDurabilityTests
{
    private static readonly BucketId Bucket = new("test", DbMode.NonTransactional, "alpha", "b");

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Theory, Rule("PDP-REDIS-3")]
    [InlineData("appendonly", "no", "appendonly is \"no\"")]
    [InlineData("appendfsync", "everysec", "appendfsync is \"everysec\"")]
    public void Connect_ToServerThatCouldLoseWrites_IsRefused_UnlessRelaxed(string setting, string value, string named)
    {
        using var server = new RedisServer($"--{setting}", value);
        var e = Assert.Throws<StorageException>(() => RedisBackend.Open(server.NewLocation()));
        Assert.Equal(StorageErrorCode.BackendFailure, e.Code);
        Assert.Contains(named, e.Message);
        Assert.Contains("durability=relaxed", e.Message);

        var logger = new ListLogger();
        using var relaxed = RedisBackend.Open(server.NewLocation("durability=relaxed"), logger);
        relaxed.Set(Bucket, "k", B("v"), Quota.Unlimited);
        Assert.Equal(B("v"), relaxed.Get(Bucket, "k"));
        var warning = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(named, warning.Message);
    }

    [Fact, Rule("PDP-REDIS-1")]
    public void Connect_ToADatabaseTheServerDoesNotHave_SaysWhichItHas()
    {
        using var server = new RedisServer("--databases", "16");
        var e = Assert.Throws<StorageException>(() => RedisBackend.Open(server.NewLocation().Replace("/0?", "/200?")));
        Assert.Equal(StorageErrorCode.InvalidArgument, e.Code);
        Assert.Contains("has databases 0 to 15", e.Message);
        Assert.Contains("there is no database 200", e.Message);
        using var fine = RedisBackend.Open(server.NewLocation().Replace("/0?", "/15?"));
        fine.Set(Bucket, "k", B("v"), Quota.Unlimited);
    }

    [Fact, Rule("PDP-REDIS-1")]
    public void AFailedConnection_SaysInPlainWordsWhatToCheck()
    {
        var closed = Assert.Throws<StorageException>(() => RedisBackend.Open("redis://127.0.0.1:1/0?timeout=300"));
        Assert.Contains("no Redis server answered within 300 ms", closed.Message);
        Assert.DoesNotContain("abortConnect", closed.Message);

        using var server = new RedisServer("--requirepass", "right-one");
        var refused = Assert.Throws<StorageException>(() => RedisBackend.Open($"redis://:wrong-one@127.0.0.1:{server.Port}/0?timeout=2000"));
        Assert.Contains("refused the user or password", refused.Message);
        Assert.DoesNotContain("wrong-one", refused.Message);
    }

    [Fact, Rule("PDP-REDIS-3")]
    public void Connect_ToDurableServer_LogsNothing()
    {
        using var server = new RedisServer();
        var logger = new ListLogger();
        using var b = RedisBackend.Open(server.NewLocation(), logger);
        Assert.Empty(logger.Entries);
        Assert.Equal("redis", b.TypeName);
        Assert.True(b.IsPersistent);
    }

    [Fact, Rule("PDP-REDIS-4", "PDP-DUR-1")]
    public void AcknowledgedWrites_SurviveSigkillAndRestart()
    {
        using var server = new RedisServer();
        var location = server.NewLocation();
        var other = new BucketId("test", DbMode.Transactional, Names.ClientData, "beta");
        const int n = 300;
        using (var b = RedisBackend.Open(location))
        {
            for (var i = 0; i < n; i++) b.Set(Bucket, $"k{i:D4}", B($"value {i}"), Quota.Unlimited);
            for (var i = 0; i < n; i += 3) b.Delete(Bucket, $"k{i:D4}");
            for (var i = 0; i < 50; i++) b.Increment(Bucket, "counter", 2, Quota.Unlimited);
            b.Apply([new Write(other, "x", B("1")), new Write(other, "y", B("2")), new Write(Bucket, "batch", B("b"))], Quota.Unlimited);
            Assert.True(b.CompareAndSwap(other, "x", B("1"), B("swapped"), Quota.Unlimited));
            // Every call above has returned: the writes are acknowledged. Kill without warning.
            server.Kill();
        }
        server.Start();
        using var again = RedisBackend.Open(location);
        for (var i = 0; i < n; i++)
        {
            var v = again.Get(Bucket, $"k{i:D4}");
            if (i % 3 == 0) Assert.Null(v);
            else Assert.Equal(B($"value {i}"), v);
        }
        Assert.Equal(B("100"), again.Get(Bucket, "counter"));
        Assert.Equal(B("swapped"), again.Get(other, "x"));
        Assert.Equal(B("2"), again.Get(other, "y"));
        Assert.Equal(B("b"), again.Get(Bucket, "batch"));
        var alive = n - (n + 2) / 3;
        Assert.Equal(alive + 2, again.GetOwnerUsage("test", "alpha").Items);
        Assert.Equal(2, again.GetOwnerUsage("test", "beta").Items);
        Assert.Equal(alive, again.ListKeys(Bucket, "k", 1000).Count(k => k.StartsWith('k')));
    }

    [Fact, Rule("PDP-REDIS-6")]
    public void Passwords_NeverAppearInErrorsOrLogs()
    {
        const string secret = "s3cret-Pa55word";
        using var server = new RedisServer("--requirepass", secret);
        var logger = new ListLogger();
        var port = server.Port;

        // Wrong password, no password, unreachable server, malformed location: the secret is in none of the messages.
        string[] locations =
        [
            $"redis://:{secret}x@127.0.0.1:{port}/0?timeout=1000",
            $"redis://127.0.0.1:{port}/0?timeout=1000",
            $"redis://user:{secret}@127.0.0.1:1/0?timeout=1000",
            $"redis://:{secret}@127.0.0.1:{port}/zero?timeout=1000",
            $"redis://:{secret}@127.0.0.1:{port}/0?bogus={secret}",
        ];
        foreach (var location in locations)
        {
            var e = Assert.Throws<StorageException>(() => RedisBackend.Open(location, logger));
            Assert.DoesNotContain(secret, e.ToString());
        }

        // The right password works, and relaxed durability's warning does not echo it either.
        using var ok = RedisBackend.Open($"redis://:{secret}@127.0.0.1:{port}/0?prefix=p1", logger);
        ok.Set(Bucket, "k", B("v"), Quota.Unlimited);
        Assert.Equal(B("v"), ok.Get(Bucket, "k"));
        using var relaxedServer = new RedisServer("--requirepass", secret, "--appendonly", "no");
        using var relaxed = RedisBackend.Open($"redis://:{secret}@127.0.0.1:{relaxedServer.Port}/0?durability=relaxed", logger);
        Assert.NotEmpty(logger.Entries);
        Assert.All(logger.Entries, l => Assert.DoesNotContain(secret, l.Message));
    }

    [Fact, Rule("PDP-REDIS-1")]
    public void Registry_SelectsRedis_ByScheme()
    {
        using var server = new RedisServer();
        var registry = BackendRegistry.CreateDefault();
        RedisBackend.Register(registry);
        Assert.Equal("redis", registry.ResolveType(new StorageOptions { Location = server.NewLocation() }));
        Assert.Contains("redis", registry.TypeNames);
        using var b = registry.Create(new StorageOptions { Location = server.NewLocation(), Registry = registry });
        Assert.Equal("redis", b.TypeName);
        var e = Assert.Throws<StorageException>(() => RedisBackend.Open("redis://127.0.0.1:1/0?prefix=a{b}"));
        Assert.Equal(StorageErrorCode.InvalidArgument, e.Code);
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries) Entries.Add((logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception)));
        }
    }
}
