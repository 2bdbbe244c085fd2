using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>
/// Reading a <c>redis://</c> store location (PDP-REDIS-1): each part, each default, and each refusal in words that name
/// the part and the value, never the password. No server is needed.
/// </summary>
public sealed class RedisLocationTests
{
    [Theory, Rule("PDP-REDIS-1")]
    [InlineData("http://host/0", "it is not of the form redis://host:port/db?prefix=...")]
    [InlineData("redis:relative", "it is not of the form redis://host:port/db?prefix=...")]
    [InlineData("not a uri", "it is not of the form redis://host:port/db?prefix=...")]
    [InlineData("redis://h/abc", "the database \"abc\" is not a number")]
    [InlineData("redis://h/16000", "the database \"16000\" is not a number")]
    [InlineData("redis://h/-1", "the database \"-1\" is not a number")]
    [InlineData("redis://h/0?prefix=", "prefix must be 1-100 characters without '{', '}' or control characters")]
    [InlineData("redis://h/0?prefix=a%7Bb", "prefix must be 1-100 characters without '{', '}' or control characters")]
    [InlineData("redis://h/0?prefix=a%7Db", "prefix must be 1-100 characters without '{', '}' or control characters")]
    [InlineData("redis://h/0?prefix=a%0Ab", "prefix must be 1-100 characters without '{', '}' or control characters")]
    [InlineData("redis://h/0?durability=maybe", "durability \"maybe\" is neither \"strict\" nor \"relaxed\"")]
    [InlineData("redis://h/0?timeout=0", "timeout must be a positive number of milliseconds")]
    [InlineData("redis://h/0?timeout=soon", "timeout must be a positive number of milliseconds")]
    [InlineData("redis://h/0?lease=soon", "lease must be a number of milliseconds")]
    [InlineData("redis://h/0?lease=99", "lease must be 100 to 3600000 milliseconds, not 99")]
    [InlineData("redis://h/0?lease=3600001", "lease must be 100 to 3600000 milliseconds, not 3600001")]
    [InlineData("redis://h/0?colour=blue", "unknown parameter \"colour\" (known: prefix, durability, timeout, lease)")]
    public void ABadLocation_IsRefusedNamingThePartAndTheValue(string location, string why)
    {
        var e = Assert.Throws<StorageException>(() => RedisLocation.Parse(location));
        Assert.Equal(StorageErrorCode.InvalidArgument, e.Code);
        Assert.Equal("the Redis store location is invalid: " + why, e.Message);
    }

    [Fact, Rule("PDP-REDIS-1")]
    public void ARefusal_NeverShowsThePassword()
    {
        var e = Assert.Throws<StorageException>(() => RedisLocation.Parse("redis://user:s3cret@h/0?colour=blue"));
        Assert.DoesNotContain("s3cret", e.Message);
    }

    [Fact, Rule("PDP-REDIS-1")]
    public void EachPart_IsRead_AndEachDefaultApplies()
    {
        var plain = RedisLocation.Parse("redis://h");
        Assert.Equal(("h", 6379, 0, null, null, false, RedisLocation.DefaultPrefix, false, 10_000, RedisLocation.DefaultLeaseMs),
            (plain.Host, plain.Port, plain.Database, plain.User, plain.Password, plain.Tls, plain.Prefix, plain.RelaxedDurability, plain.TimeoutMs, plain.LeaseMs));
        Assert.Equal("h:6379", plain.Endpoint);
        Assert.Equal("redis://h:6379/0?prefix=supervisor", plain.ToString());

        var full = RedisLocation.Parse("rediss://alice:p%40ss@host.example:6380/15999?prefix=app%201&durability=relaxed&timeout=1&lease=100");
        Assert.Equal(("host.example", 6380, 15_999, "alice", "p@ss", true, "app 1", true, 1, 100),
            (full.Host, full.Port, full.Database, full.User, full.Password, full.Tls, full.Prefix, full.RelaxedDurability, full.TimeoutMs, full.LeaseMs));
        Assert.Equal("rediss://host.example:6380/15999?prefix=app 1", full.ToString()); // no password

        var passwordOnly = RedisLocation.Parse("redis://s3cret@h/2?durability=strict&lease=3600000");
        Assert.Equal((null, "s3cret", 2, false, 3_600_000), (passwordOnly.User, passwordOnly.Password, passwordOnly.Database, passwordOnly.RelaxedDurability, passwordOnly.LeaseMs));
        var emptyUser = RedisLocation.Parse("redis://:s3cret@h/");
        Assert.Equal((null, "s3cret", 0), (emptyUser.User, emptyUser.Password, emptyUser.Database));

        var ipv6 = RedisLocation.Parse("redis://[::1]:7000/1");
        Assert.Equal("::1", ipv6.Host);
        Assert.Equal("[::1]:7000", ipv6.Endpoint);
        Assert.Equal("redis://[::1]:7000/1?prefix=supervisor", ipv6.ToString());
        Assert.Equal(new string('p', 100), RedisLocation.Parse($"redis://h/0?prefix={new string('p', 100)}").Prefix);
        Assert.Throws<StorageException>(() => RedisLocation.Parse($"redis://h/0?prefix={new string('p', 101)}"));
    }
}
