using System.Collections.Concurrent;
using Supervisor.Storage.Backends.Memory;
using Supervisor.Storage.Backends.Sqlite;

namespace Supervisor.Storage.Backends;

/// <summary>
/// Backends by type name and URI scheme. There is no global registry: an app (or the <c>supervisor</c> command) composes
/// its own with <see cref="CreateDefault"/>, adds leaf backends (Redis) to it, and passes it in
/// <see cref="StorageOptions.Registry"/>; a registry is safe to share between threads.
/// </summary>
public sealed class BackendRegistry
{
    private readonly ConcurrentDictionary<string, Func<StorageOptions, StorageBackend>> _factories = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _schemes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A new registry holding the built-in backends: <c>sqlite</c> (schemes <c>file</c>, <c>sqlite</c>) and <c>memory</c>.</summary>
    public static BackendRegistry CreateDefault()
    {
        var r = new BackendRegistry();
        r.Register("sqlite", o => new SqliteBackend(SqlitePath(o), o.Sqlite.Clone()), "file", "sqlite");
        r.Register("memory", _ => new MemoryBackend(), "memory");
        return r;
    }

    /// <summary>Registers (or replaces) a backend type and the URI schemes that select it.</summary>
    public void Register(string typeName, Func<StorageOptions, StorageBackend> factory, params string[] uriSchemes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[typeName] = factory;
        foreach (var s in uriSchemes) _schemes[s] = typeName;
    }

    /// <summary>Registered type names.</summary>
    public IReadOnlyCollection<string> TypeNames => _factories.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();

    /// <summary>The type name that <paramref name="options"/> select: the location's URI scheme if it has one, else <see cref="StorageOptions.Backend"/>.</summary>
    public string ResolveType(StorageOptions options)
    {
        if (options.Location is { } loc && SchemeOf(loc) is { } scheme)
        {
            if (_schemes.TryGetValue(scheme, out var type)) return type;
            throw new StorageException(StorageErrorCode.UnknownBackend,
                $"no backend handles \"{scheme}://\" store locations; registered: {string.Join(", ", _schemes.Keys.OrderBy(k => k, StringComparer.Ordinal).Select(k => k + "://"))}");
        }
        if (options.Location is "memory:" or ":memory:") return "memory";
        return options.Backend;
    }

    /// <summary>Creates the backend that <paramref name="options"/> select.</summary>
    public StorageBackend Create(StorageOptions options)
    {
        var type = ResolveType(options);
        if (!_factories.TryGetValue(type, out var factory))
            throw new StorageException(StorageErrorCode.UnknownBackend,
                $"no backend is registered under \"{type}\"; registered: {string.Join(", ", TypeNames)}");
        return factory(options);
    }

    /// <summary>The SQLite file of <paramref name="o"/>: its location (a path, or a <c>file://</c>/<c>sqlite://</c> URI), else the domain's default.</summary>
    private static string SqlitePath(StorageOptions o) => o.Location switch
    {
        null => SqliteOptions.DefaultPath(o.Domain),
        var loc when SchemeOf(loc) is not null => new Uri(loc).LocalPath,
        var loc => loc,
    };

    private static string? SchemeOf(string location)
    {
        var i = location.IndexOf("://", StringComparison.Ordinal);
        // A single letter before ":" is a Windows drive, not a scheme.
        return i > 1 && location[..i].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? location[..i] : null;
    }
}
