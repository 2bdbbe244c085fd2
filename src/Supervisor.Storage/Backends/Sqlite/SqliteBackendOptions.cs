namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>Settings of the SQLite backend; setters validate.</summary>
public sealed class SqliteBackendOptions
{
    private string _path = DefaultPath("default");
    private TimeSpan _busyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The store file (created on first use with its folder).</summary>
    public string Path
    {
        get => _path;
        set => _path = string.IsNullOrWhiteSpace(value)
            ? throw new ArgumentException("the SQLite store path is empty", nameof(value))
            : value;
    }

    /// <summary>Durability of acknowledged writes (default <see cref="SqliteDurability.Process"/>).</summary>
    public SqliteDurability Durability { get; set; } = SqliteDurability.Process;

    /// <summary>How long a write waits for another process's lock before failing (default 30 s).</summary>
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
            root = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return System.IO.Path.Combine(root, "supervisor", domain, "store.db");
    }
}
