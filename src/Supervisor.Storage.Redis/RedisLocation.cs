using System.Globalization;

namespace Supervisor.Storage.Redis;

/// <summary>A parsed <c>redis://</c> store location. <see cref="ToString"/> never shows the password.</summary>
internal sealed record RedisLocation
{
    public const string DefaultPrefix = "supervisor";

    public required string Host { get; init; }
    public int Port { get; init; } = 6379;
    public int Database { get; init; }
    public string? User { get; init; }
    public string? Password { get; init; }
    public bool Tls { get; init; }
    public string Prefix { get; init; } = DefaultPrefix;
    public bool RelaxedDurability { get; init; }
    public int TimeoutMs { get; init; } = 10_000;

    /// <summary>host:port, for messages.</summary>
    public string Endpoint => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public override string ToString() => $"{(Tls ? "rediss" : "redis")}://{Endpoint}/{Database}?prefix={Prefix}";

    public static RedisLocation Parse(string location)
    {
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || string.IsNullOrEmpty(uri.Host))
            throw Invalid("it is not of the form redis://host:port/db?prefix=...");
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var i = uri.UserInfo.IndexOf(':');
            if (i < 0) password = Uri.UnescapeDataString(uri.UserInfo); // redis://password@host, as redis-cli -u reads it
            else
            {
                user = Uri.UnescapeDataString(uri.UserInfo[..i]);
                password = Uri.UnescapeDataString(uri.UserInfo[(i + 1)..]);
                if (user.Length == 0) user = null;
            }
        }
        var db = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out db) || db > 15_999))
            throw Invalid($"the database \"{path}\" is not a number");
        var prefix = DefaultPrefix;
        var relaxed = false;
        var timeout = 10_000;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            switch (name)
            {
                case "prefix":
                    if (value.Length == 0 || value.Length > 100 || value.Any(c => c is '{' or '}' || char.IsControl(c)))
                        throw Invalid("prefix must be 1-100 characters without '{', '}' or control characters");
                    prefix = value;
                    break;
                case "durability":
                    relaxed = value switch
                    {
                        "strict" => false,
                        "relaxed" => true,
                        _ => throw Invalid($"durability \"{value}\" is neither \"strict\" nor \"relaxed\""),
                    };
                    break;
                case "timeout":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out timeout) || timeout < 1)
                        throw Invalid("timeout must be a positive number of milliseconds");
                    break;
                default:
                    throw Invalid($"unknown parameter \"{name}\" (known: prefix, durability, timeout)");
            }
        }
        return new RedisLocation
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port,
            Database = db,
            User = user,
            Password = password,
            Tls = uri.Scheme == "rediss",
            Prefix = prefix,
            RelaxedDurability = relaxed,
            TimeoutMs = timeout,
        };

        // The location itself may hold a password: never echo it.
        static StorageException Invalid(string why) =>
            new(StorageErrorCode.InvalidArgument, $"the Redis store location is invalid: {why}");
    }
}
