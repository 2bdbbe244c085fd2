using System.Reflection;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Composition;

/// <summary>
/// The byte adapters, the project's own WAT (embedded resources), turned into component binaries once per process.
/// Composed bytes contain the adapter's bytes, so the compile cache (keyed by the composed bytes) tells adapter
/// versions apart by itself.
/// </summary>
internal static class ByteAdapter
{
    private static readonly Lazy<byte[]> s_clientData = new(() => Wat.ToBinary(ReadResource("clientdata-adapter.wat")));

    private static readonly Lazy<string> s_fingerprint = new(() =>
        "byte-adapter " + ComponentComposer.Version + " " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(ClientData))[..16]);

    /// <summary>The clientdata adapter component's binary.</summary>
    public static byte[] ClientData => s_clientData.Value;

    /// <summary>Names this adapter and composer, for compile cache keys: a new adapter never reuses an old entry.</summary>
    public static string Fingerprint => s_fingerprint.Value;

    /// <summary>The clientdata adapter's WAT source.</summary>
    public static string ClientDataWat => ReadResource("clientdata-adapter.wat");

    /// <summary>Composes <paramref name="plugin"/> with the clientdata adapter.</summary>
    public static CompositionResult Compose(byte[] plugin) => ComponentComposer.Compose(plugin, ClientData);

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
