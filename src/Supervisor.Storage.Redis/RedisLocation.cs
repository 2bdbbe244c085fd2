using System.Globalization;

namespace Supervisor.Storage.Redis;

/// <summary>A parsed <c>redis://</c> store location. <see cref="ToString"/> never shows the password.</summary>
internal sealed record RedisLocation
{
    public const string DefaultPrefix = "supervisor";

    /// <summary>The default lease length of a turn (<see cref="LeaseMs"/>).</summary>
    public const int DefaultLeaseMs = 10_000;

    /// <summary>The bounds of <see cref="LeaseMs"/>: renewal runs at a third of it, so shorter would mostly renew.</summary>
    public const int MinLeaseMs = 100, MaxLeaseMs = 3_600_000;

    public required string Host { get; init; }
    public int Port { get; init; } = 6379;
    public int Database { get; init; }
    public string? User { get; init; }
    public string? Password { get; init; }
    public bool Tls { get; init; }
    public string Prefix { get; init; } = DefaultPrefix;
    public bool RelaxedDurability { get; init; }
    public int TimeoutMs { get; init; } = 10_000;

    /// <summary>
    /// How long a turn's lease lasts without renewal: the holder renews it at a third of this, so another process waits
    /// this long at most for a holder that died.
    /// </summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.InvalidArgument"/>: outside <see cref="MinLeaseMs"/>..<see cref="MaxLeaseMs"/>.</exception>
    public int LeaseMs
    {
        get => _leaseMs;
        init
        {
            if (value is < MinLeaseMs or > MaxLeaseMs)
                throw Invalid($"lease must be {MinLeaseMs} to {MaxLeaseMs} milliseconds, not {value}");
            _leaseMs = value;
        }
    }

    private readonly int _leaseMs = DefaultLeaseMs;

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
        var lease = DefaultLeaseMs;
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
                case "lease":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out lease))
                        throw Invalid("lease must be a number of milliseconds");
                    break;
                default:
                    throw Invalid($"unknown parameter \"{name}\" (known: prefix, durability, timeout, lease)");
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
            LeaseMs = lease,
        };
    }

    // The location itself may hold a password: never echo it.
    private static StorageException Invalid(string why) =>
        new(StorageErrorCode.InvalidArgument, $"the Redis store location is invalid: {why}");
}
