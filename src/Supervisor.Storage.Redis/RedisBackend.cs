using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Supervisor.Storage.Backends;

namespace Supervisor.Storage.Redis;

/// <summary>
/// The entry point of the Redis backend: apps and the CLI that want Redis call
/// <see cref="Register"/> once, after which <c>--store redis://host:port/db?prefix=...</c>
/// (or the type name <c>redis</c>) selects it.
/// </summary>
/// <remarks>
/// Location: <c>redis://[user:password@]host:port[/db][?prefix=P&amp;durability=strict|relaxed&amp;timeout=MS&amp;lease=MS]</c>
/// (<c>rediss://</c> for TLS). <c>prefix</c> (default <c>supervisor</c>) separates several stores in
/// one database. By default the backend refuses a server that could lose acknowledged writes
/// (anything but <c>appendonly yes</c> with <c>appendfsync always</c>); <c>durability=relaxed</c>
/// accepts it and logs a warning when the store opens. <c>lease</c> (default 10000, 100 to 3600000) is how long a
/// plugin's turn lasts unrenewed, so how long a dead holder keeps other processes waiting.
/// </remarks>
public static class RedisBackend
{
    /// <summary>The backend type name.</summary>
    public const string TypeName = "redis";

    /// <summary>The location used when the type name selects Redis without a location.</summary>
    public const string DefaultLocation = "redis://127.0.0.1:6379/0";

    /// <summary>Registers the <c>redis</c> type and the <c>redis://</c> and <c>rediss://</c> schemes.</summary>
    /// <param name="registry">The registry to add to (one the app composed, e.g. from <see cref="BackendRegistry.CreateDefault"/>).</param>
    /// <param name="logger">Where warnings go (relaxed durability); never receives passwords.</param>
    public static void Register(BackendRegistry registry, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register(TypeName, o => Open(o.Location ?? DefaultLocation, logger), "redis", "rediss");
    }

    /// <summary>Connects to the Redis store at <paramref name="location"/>, checking its durability.</summary>
    /// <exception cref="StorageException">The location is malformed, the server is unreachable, or it could lose acknowledged writes.</exception>
    public static StorageBackend Open(string location, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new RedisStorageBackend(RedisLocation.Parse(location), logger ?? NullLogger.Instance);
    }
}
