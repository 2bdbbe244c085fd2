using Supervisor.Storage;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// The host state of one plugin instance's store: a host function learns which plugin calls from the store it runs
/// in, never from its arguments.
/// </summary>
internal sealed class GuestState(string service, BucketId clientDataBucket, int maxOpenBuckets)
{
    /// <summary>The plugin's identity: its service name.</summary>
    public string Service { get; } = service;

    /// <summary>Where clientdata keeps this plugin's records.</summary>
    public BucketId ClientDataBucket { get; } = clientDataBucket;

    /// <summary>Host state behind the resource handles this instance holds.</summary>
    public ResourceTable Resources { get; } = new(maxOpenBuckets);
}
