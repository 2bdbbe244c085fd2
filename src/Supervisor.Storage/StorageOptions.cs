using Supervisor.Storage.Backends;
using Supervisor.Storage.Backends.Sqlite;

namespace Supervisor.Storage;

/// <summary>Configuration of a <see cref="KeyValueStore"/>; setters validate.</summary>
public sealed class StorageOptions
{
    private string _backend = "sqlite";
    private string _domain = "default";
    private string? _location;
    private BackendRegistry _registry = BackendRegistry.CreateDefault();

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
            _ = SqliteOptions.DefaultPath(value); // validates
            _domain = value;
        }
    }

    /// <summary>Settings only the SQLite backend reads (durability, lock wait); set them in place: <c>Sqlite = { BusyTimeout = ... }</c>.</summary>
    public SqliteOptions Sqlite { get; } = new();

    /// <summary>Size limits and quotas.</summary>
    public StorageLimits Limits { get; set; } = new();

    /// <summary>
    /// Where backend type names and URI schemes resolve: by default a registry of the built-in backends
    /// (<see cref="BackendRegistry.CreateDefault"/>); an app that wants a leaf backend (Redis) composes a registry with it
    /// and sets it here.
    /// </summary>
    public BackendRegistry Registry
    {
        get => _registry;
        set => _registry = value ?? throw new ArgumentNullException(nameof(value), "the backend registry is null");
    }

}
