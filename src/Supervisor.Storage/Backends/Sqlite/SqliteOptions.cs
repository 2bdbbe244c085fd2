namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>
/// Settings only the SQLite backend reads, reached as <see cref="StorageOptions.Sqlite"/>; other backends ignore them.
/// Setters validate.
/// </summary>
public sealed class SqliteOptions
{
    private SqliteDurability _durability = SqliteDurability.Process;
    private TimeSpan _busyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Durability of acknowledged writes (default <see cref="SqliteDurability.Process"/>).</summary>
    public SqliteDurability Durability
    {
        get => _durability;
        set => _durability = Enum.IsDefined(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Durability must be Process or Power");
    }

    /// <summary>How long a write waits for another process's lock before failing (default 30 s, at most 1 hour).</summary>
    public TimeSpan BusyTimeout
    {
        get => _busyTimeout;
        set => _busyTimeout = value >= TimeSpan.Zero && value <= TimeSpan.FromHours(1) ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "BusyTimeout must be between 0 and 1 hour");
    }

    /// <summary>
    /// The default store of a supervisor domain: <c>&lt;local app data&gt;/supervisor/&lt;domain&gt;/store.db</c>.
    /// </summary>
    public static string DefaultPath(string domain)
    {
        if (string.IsNullOrEmpty(domain) || domain.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || domain.StartsWith('.'))
            throw new ArgumentException($"domain \"{domain}\" is invalid: use letters, digits, '-', '_' and '.' (not first)", nameof(domain));
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(root))
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(root, "supervisor", domain, "store.db");
    }

    /// <summary>A copy, so a store keeps the settings it was opened with.</summary>
    internal SqliteOptions Clone() => new() { Durability = Durability, BusyTimeout = BusyTimeout };
}
