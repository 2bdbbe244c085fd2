using Microsoft.Extensions.Logging;
using Supervisor.Storage;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// What the host interfaces need from the supervisor, handed to them instead of the supervisor itself: they never
/// reach the plugin cache, the dispatcher or the options beyond these.
/// </summary>
internal sealed class HostContext(string chainId, StorageLimits limits, ILogger logger, string rootDomain)
{
    /// <summary>The chain records are kept under.</summary>
    public string ChainId { get; } = chainId;

    /// <summary>The store's limits, checked before a value is copied out of the guest.</summary>
    public StorageLimits Limits { get; } = limits;

    /// <summary>Where host faults are logged (never shown to the plugin).</summary>
    public ILogger Logger { get; } = logger;

    /// <summary>The domain app URLs are made under (<c>get-app-url</c>).</summary>
    public string RootDomain { get; } = rootDomain;

    /// <summary>Test hook: rewrites the base64 UTF-8 bytes get-enc returns (to exercise the adapter's validation).</summary>
    public Func<byte[], byte[]>? AdapterGetFilterForTests { get; set; }
}
