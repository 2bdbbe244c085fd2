using Microsoft.Extensions.Logging;
using Supervisor.Storage;

namespace Supervisor.Plugins;

/// <summary>Configuration of a <see cref="PluginSupervisor"/>; setters validate.</summary>
public sealed class SupervisorOptions
{
    private string _chainId = "local";
    private string _rootDomain = "psibase.localhost";
    private string _pluginDirectory = "plugins";
    private string _defaultCaller = "cli";
    private TimeSpan _callTimeout = TimeSpan.FromSeconds(10);
    private long _maxPluginFileBytes = 64L * 1024 * 1024;
    private long _maxArgumentBytes = 4L * 1024 * 1024;
    private long _memoryLimitBytes = 256L * 1024 * 1024;
    private int _maxCallDepth = 16;
    private int _maxInstancesPerPlugin = 8;
    private int _maxOpenBuckets = 256;
    private TimeSpan _maxTurnHold = TimeSpan.FromSeconds(30);

    /// <summary>Where records are kept (the domain's SQLite file by default).</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>An existing store to use instead of opening one from <see cref="Storage"/>; the caller disposes it.</summary>
    public KeyValueStore? Store { get; set; }

    /// <summary>The chain id that separates networks (default <c>local</c>).</summary>
    public string ChainId
    {
        get => _chainId;
        set
        {
            Names.ValidateChain(value);
            _chainId = value;
        }
    }

    /// <summary>The root domain app URLs are made from (default <c>psibase.localhost</c>).</summary>
    public string RootDomain
    {
        get => _rootDomain;
        set => _rootDomain = Uri.CheckHostName(value) is UriHostNameType.Dns or UriHostNameType.IPv4 ? value
            : throw new ArgumentException($"root domain \"{value}\" is not a host name", nameof(value));
    }

    /// <summary>The plugin directory: <c>&lt;dir&gt;/&lt;service&gt;/&lt;plugin&gt;.wasm|.wat</c> (default <c>./plugins</c>).</summary>
    public string PluginDirectory
    {
        get => _pluginDirectory;
        set => _pluginDirectory = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("plugin directory is empty", nameof(value)) : value;
    }

    /// <summary>Where compiled components are cached; null disables the cache.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>The app that makes outermost calls when none is named (default <c>cli</c>).</summary>
    public string DefaultCaller
    {
        get => _defaultCaller;
        set
        {
            Names.ValidateService(value);
            _defaultCaller = value;
        }
    }

    /// <summary>
    /// Longest an operation may hold the turns of the plugins it entered (default 30 s): past it, another operation
    /// waiting for one of them takes them, and the operation fails with <see cref="PluginErrorCode.Timeout"/> at its
    /// next call or at completion.
    /// </summary>
    public TimeSpan MaxTurnHold
    {
        get => _maxTurnHold;
        set => _maxTurnHold = value > TimeSpan.Zero && value <= TimeSpan.FromHours(1) ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxTurnHold must be positive and at most 1 hour");
    }

    /// <summary>
    /// Plugins (service names) that handle concurrency themselves (atomics, compare-and-swap) and run without turns, in
    /// parallel instances (<see cref="MaxInstancesPerPlugin"/>). Every other plugin runs one operation at a time per
    /// store, across threads, processes and machines sharing the store, so its read-modify-writes never lose an update.
    /// </summary>
    public ISet<string> ConcurrentPlugins { get; } = new ValidatedServiceSet();

    /// <summary>Longest an outermost call may run (default 10 s).</summary>
    public TimeSpan CallTimeout
    {
        get => _callTimeout;
        set => _callTimeout = value > TimeSpan.Zero && value <= TimeSpan.FromHours(1) ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "CallTimeout must be positive and at most 1 hour");
    }

    /// <summary>Most linear memory one plugin instance may hold (default 256 MiB).</summary>
    public long MemoryLimitBytes
    {
        get => _memoryLimitBytes;
        set => _memoryLimitBytes = value is >= 64 * 1024 and <= 4L * 1024 * 1024 * 1024 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MemoryLimitBytes must be between 64 KiB and 4 GiB");
    }

    /// <summary>
    /// Largest plugin file that is read (default 64 MiB; a componentize-js plugin is about 12 MiB): a bigger file, or one
    /// that is not a regular file, is refused before it is read.
    /// </summary>
    public long MaxPluginFileBytes
    {
        get => _maxPluginFileBytes;
        set => _maxPluginFileBytes = value is >= 1024 and <= 2L * 1024 * 1024 * 1024 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxPluginFileBytes must be between 1 KiB and 2 GiB");
    }

    /// <summary>
    /// Largest argument an app may pass to a plugin, in bytes of its bytes and strings (default 4 MiB). Wasmtime's C API
    /// carries a <c>list&lt;u8&gt;</c> as one 32-byte value per byte, and copies it again inside, so an argument costs
    /// about 80 times its size while it crosses: 4 MiB takes about 330 MiB for a moment.
    /// </summary>
    public long MaxArgumentBytes
    {
        get => _maxArgumentBytes;
        set => _maxArgumentBytes = value is >= 1024 and <= 1024L * 1024 * 1024 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxArgumentBytes must be between 1 KiB and 1 GiB");
    }

    /// <summary>Deepest plugin-to-plugin call chain (default 16).</summary>
    public int MaxCallDepth
    {
        get => _maxCallDepth;
        set => _maxCallDepth = value is >= 1 and <= 256 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxCallDepth must be between 1 and 256");
    }

    /// <summary>Most instances of one plugin serving concurrent calls (default 8).</summary>
    public int MaxInstancesPerPlugin
    {
        get => _maxInstancesPerPlugin;
        set => _maxInstancesPerPlugin = value is >= 1 and <= 256 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxInstancesPerPlugin must be between 1 and 256");
    }

    /// <summary>Most bucket handles one plugin instance may hold open (default 256).</summary>
    public int MaxOpenBuckets
    {
        get => _maxOpenBuckets;
        set => _maxOpenBuckets = value is >= 1 and <= 65536 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxOpenBuckets must be between 1 and 65536");
    }

    /// <summary>
    /// Carry plugins' <c>list&lt;u8&gt;</c> values to the host as base64 strings through an adapter composed into each
    /// plugin at load time (clientdata so far): transport only, the plugin sees the same WIT and bytes.
    /// A plugin the composer does not recognize runs unmodified (logged once).
    /// </summary>
    public bool ByteAdapter { get; set; } = true;

    /// <summary>
    /// Compile and load every plugin of the plugin directory when the supervisor is created, in the background, so first
    /// calls do not wait for a compile (<see cref="PluginSupervisor.WarmUpAsync"/> gives the outcome). Default false.
    /// </summary>
    public bool WarmUp { get; set; }

    /// <summary>Logging; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
