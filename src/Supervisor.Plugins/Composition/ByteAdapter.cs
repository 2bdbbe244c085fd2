using System.Security.Cryptography;
using System.Text;
using Supervisor.Plugins.HostApi;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Composition;

/// <summary>
/// The byte adapters, the project's own WAT (embedded resources), turned into component binaries once per process:
/// one for clientdata, one for the bucket methods of wasi:keyvalue (both versions), one for those of host:db (both
/// names). Composed bytes contain the adapters' bytes, and <see cref="Fingerprint"/> names them for cache keys.
/// </summary>
internal static class ByteAdapter
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

    private static readonly Lazy<string> s_fingerprint = new(() =>
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var spec in Specs)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(spec.Interface + "\n" + spec.HostInterface + "\n"));
            hash.AppendData(spec.Component);
        }
        hash.AppendData(s_splice.Value);
        hash.AppendData(s_scratch.Value);
        return "byte-adapter " + ComponentComposer.Version + " " + Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    });

    /// <summary>What the composer adapts, in a fixed order.</summary>
    public static IReadOnlyList<AdapterSpec> Specs => s_specs.Value;

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

    /// <summary>The host side's interface names.</summary>
    public static IReadOnlySet<string> AdapterInterfaces { get; } = new HashSet<string>(StringComparer.Ordinal)
        { ClientDataHost, KeyValueDraftHost, KeyValueDraft2Host, DbHost, CommonStoreHost };

    /// <summary>The spliced clientdata adapter's core module and its scratch memory module.</summary>
    public static (byte[] Adapter, byte[] Scratch) SpliceModules => (s_splice.Value, s_scratch.Value);

    /// <summary>The clientdata adapter component's binary.</summary>
    public static byte[] ClientData => s_clientData.Value;

    /// <summary>Names the adapters and the composer, for compile cache keys: a new adapter never reuses an old entry.</summary>
    public static string Fingerprint => s_fingerprint.Value;

    /// <summary>An adapter's WAT with its shared parts spliced in (<c>;;@include name</c> lines).</summary>
    public static string Source(string name) => Expand(ReadResource(name));

    /// <summary>Splices the shared parts into adapter WAT: each <c>;;@include name</c> line becomes the embedded <c>name.wat</c>.</summary>
    public static string Expand(string wat)
    {
        var lines = wat.Split('\n');
        var text = new StringBuilder();
        foreach (var line in lines)
            text.Append(line.StartsWith(";;@include ", StringComparison.Ordinal) ? ReadResource(line[";;@include ".Length..].Trim() + ".wat") : line).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// Composes <paramref name="plugin"/> with the adapters for the interfaces it imports. A wit-component plugin
    /// whose only adapted import is clientdata gets the adapter spliced in (no copy between components), with the
    /// nested composition as its <see cref="CompositionResult.Alternative"/>; anything else is nested.
    /// </summary>
    public static CompositionResult Compose(byte[] plugin)
    {
        var nested = ComponentComposer.Compose(plugin, Specs);
        if (!nested.IsComposed || nested.Added is not [ClientDataHost]) return nested;
        var spliced = ComponentComposer.TrySplice(plugin, Specs[0], s_splice.Value, s_scratch.Value, out _);
        return spliced is null ? nested : spliced with { Alternative = nested };
    }

    private static string ReadResource(string name)
    {
        var assembly = typeof(ByteAdapter).Assembly;
        var resource = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith("." + name, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from {assembly.GetName().Name}");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>
/// One adapted interface: the plugin imports <paramref name="Interface"/>; the adapter <paramref name="Component"/>
/// (importing <paramref name="Resource"/> when the methods belong to a resource, and one
/// <c>supervisor:adapter/*</c> interface, imported by the outer component as <paramref name="HostInterface"/>)
/// exports the functions <paramref name="Methods"/> maps the plugin's function names to.
/// </summary>
internal sealed record AdapterSpec(string Interface, string HostInterface, byte[] Component, IReadOnlyDictionary<string, string> Methods, string? Resource);
