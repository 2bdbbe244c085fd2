using System.Collections.Concurrent;
using Supervisor.Storage.Backends.Memory;
using Supervisor.Storage.Backends.Sqlite;

namespace Supervisor.Storage.Backends;

/// <summary>Backends by type name and URI scheme; leaf assemblies (Redis) add theirs.</summary>
public sealed class BackendRegistry
{
    private readonly ConcurrentDictionary<string, Func<StorageOptions, StorageBackend>> _factories = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _schemes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A registry holding the built-in <c>sqlite</c> and <c>memory</c> backends.</summary>
    public static BackendRegistry Default { get; } = CreateWithBuiltIns();

    /// <summary>Creates a registry with the built-in backends.</summary>
    public static BackendRegistry CreateWithBuiltIns()
    {
        var r = new BackendRegistry();
        r.Register("sqlite", o => new SqliteBackend(new SqliteBackendOptions
        {
            Path = o.Location ?? SqliteBackendOptions.DefaultPath(o.Domain),
            Durability = o.Durability,
            BusyTimeout = o.BusyTimeout,
        }), "file", "sqlite");
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
        if (type == "sqlite" && options.Location is { } loc && SchemeOf(loc) is not null)
        {
            var copy = Clone(options);
            copy.Location = new Uri(loc).LocalPath;
            return factory(copy);
        }
        return factory(options);
    }

    private static StorageOptions Clone(StorageOptions o) => new()
    {
        Backend = o.Backend, Location = o.Location, Domain = o.Domain, Durability = o.Durability,
        BusyTimeout = o.BusyTimeout, Limits = o.Limits, Registry = o.Registry,
    };

    private static string? SchemeOf(string location)
    {
        var i = location.IndexOf("://", StringComparison.Ordinal);
        // A single letter before ":" is a Windows drive, not a scheme.
        return i > 1 && location[..i].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? location[..i] : null;
    }
}
