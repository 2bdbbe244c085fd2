using System.Security.Cryptography;
using System.Text;

namespace Supervisor.Plugins.Composition;

/// <summary>
/// The byte adapters, the project's own WAT (embedded resources), turned into component binaries once per process:
/// one for clientdata, one for the bucket methods of wasi:keyvalue (both versions), one for those of host:db (both
/// names); which interfaces they serve is in ByteAdapter.Layout.cs. Composed bytes contain the adapters' bytes,
/// and <see cref="Fingerprint"/> names them for cache keys.
/// </summary>
internal static partial class ByteAdapter
{
    private static readonly Lazy<string> s_fingerprint = new(() =>
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var spec in Specs)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(spec.Interface + "\n" + spec.HostInterface + "\n"));
            hash.AppendData(spec.Component);
        }
        var (splice, scratch) = SpliceModules;
        hash.AppendData(splice);
        hash.AppendData(scratch);
        return "byte-adapter " + ComponentComposer.Version + " " + Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    });

    /// <summary>Names the adapters and the composer, for compile cache keys: a new adapter never reuses an old entry.</summary>
    public static string Fingerprint => s_fingerprint.Value;

    /// <summary>
    /// Composes <paramref name="plugin"/> with the adapters for the interfaces it imports. A wit-component plugin
    /// whose only adapted import is clientdata gets the adapter spliced in (no copy between components), with the
    /// nested composition as its <see cref="CompositionResult.Alternative"/>; anything else is nested.
    /// </summary>
    public static CompositionResult Compose(byte[] plugin)
    {
        var nested = ComponentComposer.Compose(plugin, Specs);
        if (!nested.IsComposed || nested.Added is not [ClientDataHost]) return nested;
        var (splice, scratch) = SpliceModules;
        var spliced = ComponentComposer.TrySplice(plugin, Specs[0], splice, scratch, out _);
        return spliced is null ? nested : spliced with { Alternative = nested };
    }

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
