using Supervisor.Storage.Backends;
using Supervisor.Storage.Backends.Sqlite;

namespace Supervisor.Storage;

/// <summary>Configuration of a <see cref="KeyValueStore"/>; setters validate.</summary>
public sealed class StorageOptions
{
    private string _backend = "sqlite";
    private string _domain = "default";
    private string? _location;

    /// <summary>
    /// The backend type name (<c>sqlite</c> by default, <c>memory</c>, or one a leaf assembly registered).
    /// A <see cref="Location"/> URI whose scheme names a registered backend overrides it.
    /// </summary>
    public string Backend
    {
        get => _backend;
        set => _backend = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("backend type name is empty", nameof(value)) : value.Trim().ToLowerInvariant();
    }

    /// <summary>Where the store is: a file path for SQLite, a URI for others; null for the domain's default file.</summary>
    public string? Location
    {
        get => _location;
        set => _location = value is not null && string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("store location is empty", nameof(value)) : value;
    }

    /// <summary>The supervisor domain whose default store is used when <see cref="Location"/> is null.</summary>
    public string Domain
    {
        get => _domain;
        set
        {
            _ = SqliteBackendOptions.DefaultPath(value); // validates
            _domain = value;
        }
    }

    /// <summary>Durability of SQLite writes.</summary>
    public SqliteDurability Durability { get; set; } = SqliteDurability.Process;

    /// <summary>How long a SQLite write waits for another process's lock.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Size limits and quotas.</summary>
    public StorageLimits Limits { get; set; } = new();

    /// <summary>Where backend type names resolve; leaf assemblies register theirs in <see cref="BackendRegistry.Default"/>.</summary>
    public BackendRegistry Registry { get; set; } = BackendRegistry.Default;
}
