using Supervisor.Plugins.HostApi;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Composition;

/// <summary>What the byte adapters are: which plugin interfaces they serve, under which host interface names, with which adapter binaries and methods.</summary>
internal static partial class ByteAdapter
{
    /// <summary>The host interfaces the adapters call, by the plugin interface they serve.</summary>
    public const string ClientDataHost = "supervisor:adapter/clientdata";
    public const string KeyValueDraftHost = "supervisor:adapter/keyvalue-draft";
    public const string KeyValueDraft2Host = "supervisor:adapter/keyvalue-draft2";
    public const string DbHost = "supervisor:adapter/db";
    public const string CommonStoreHost = "supervisor:adapter/common-store";

    private static readonly Lazy<byte[]> s_clientData = new(() => Wat.ToBinary(Source("clientdata-adapter.wat")));
    private static readonly Lazy<byte[]> s_keyValue = new(() => Wat.ToBinary(Source("keyvalue-adapter.wat")));
    private static readonly Lazy<byte[]> s_db = new(() => Wat.ToBinary(Source("db-adapter.wat")));
    private static readonly Lazy<byte[]> s_splice = new(() => Wat.ToBinary(Source("clientdata-splice.wat")));
    private static readonly Lazy<byte[]> s_scratch = new(() => Wat.ToBinary(Expand("(module\n;;@include adapter-memory\n)")));

    private static readonly Lazy<IReadOnlyList<AdapterSpec>> s_specs = new(() =>
    {
        var bucketMethods = new Dictionary<string, string> { ["[method]bucket.get"] = "get", ["[method]bucket.set"] = "set" };
        return
        [
            new AdapterSpec(HostCatalog.ClientData, ClientDataHost, s_clientData.Value, new Dictionary<string, string> { ["get"] = "get", ["set"] = "set" }, Resource: null),
            new AdapterSpec(HostCatalog.KeyValueStoreDraft, KeyValueDraftHost, s_keyValue.Value, bucketMethods, "bucket"),
            new AdapterSpec(HostCatalog.KeyValueStoreDraft2, KeyValueDraft2Host, s_keyValue.Value, bucketMethods, "bucket"),
            new AdapterSpec(HostCatalog.DbStore, DbHost, s_db.Value, bucketMethods, "bucket"),
            new AdapterSpec(HostCatalog.CommonStore, CommonStoreHost, s_db.Value, bucketMethods, "bucket"),
        ];
    });

    /// <summary>What the composer adapts, in a fixed order.</summary>
    public static IReadOnlyList<AdapterSpec> Specs => s_specs.Value;

    /// <summary>The host side's interface names.</summary>
    public static IReadOnlySet<string> AdapterInterfaces { get; } = new HashSet<string>(StringComparer.Ordinal)
        { ClientDataHost, KeyValueDraftHost, KeyValueDraft2Host, DbHost, CommonStoreHost };

    /// <summary>
    /// The plugin-facing name of a function the adapters call on the host (<c>supervisor:adapter/clientdata</c>'s
    /// <c>set-enc</c> is clientdata's <c>set</c>), so messages name what the plugin called.
    /// </summary>
    public static string PluginFacingName(string hostInterface, string function)
    {
        var spec = Specs.FirstOrDefault(s => s.HostInterface == hostInterface);
        if (spec is null) return $"{hostInterface}.{function}";
        var method = function.EndsWith("-enc", StringComparison.Ordinal) ? function[..^"-enc".Length] : function;
        var own = spec.Methods.FirstOrDefault(m => m.Value == method).Key ?? function;
        return $"{spec.Interface}.{own}";
    }

    /// <summary>The spliced clientdata adapter's core module and its scratch memory module.</summary>
    public static (byte[] Adapter, byte[] Scratch) SpliceModules => (s_splice.Value, s_scratch.Value);

    /// <summary>The clientdata adapter component's binary.</summary>
    public static byte[] ClientData => s_clientData.Value;
}
