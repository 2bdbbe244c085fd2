using System.Text;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Supervisor.Plugins.Composition;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Loading;

namespace Supervisor.Plugins.Hosting;

/// <summary>
/// The byte adapters at load time: <see cref="SupervisorOptions.ByteAdapter"/> composes each plugin
/// that imports clientdata, wasi:keyvalue/store or host:db/store with the adapters before compiling; the import
/// check and descriptions still see the plugin's own imports, and the composed component's adapter imports are
/// linked to <see cref="AdapterHost"/>.
/// </summary>
internal sealed partial class SupervisorHost
{
    private sealed class Adaptation(CompositionResult result)
    {
        public CompositionResult Result { get; } = result;
        public ComponentTypeInfo? OriginalType;
    }

    private readonly ConditionalWeakTable<WasmtimeComponent, Adaptation> _adaptations = new();

    /// <summary>Test hook: rewrites the base64 UTF-8 bytes get-enc returns (to exercise the adapter's validation).</summary>
    internal Func<byte[], byte[]>? AdapterGetFilterForTests { get; set; }
    private readonly ConcurrentDictionary<string, byte> _adapterNotices = new(StringComparer.Ordinal);

    /// <summary>Composes <paramref name="bytes"/> with the byte adapter when the option is on and the shape is recognized (replacing the bytes); null otherwise.</summary>
    private CompositionResult? Adapt(string service, string plugin, string file, ref byte[] bytes)
    {
        if (!Options.ByteAdapter) return null;
        var result = ByteAdapter.Compose(bytes);
        switch (result.Status)
        {
            case CompositionStatus.Composed:
                bytes = result.Bytes;
                return result;
            case CompositionStatus.Unrecognized:
                AdapterNotice(file, "plugin {Service}:{Plugin} runs without the byte adapter (list<u8> path): {Reason}", service, plugin, result.Reason);
                return null;
            default:
                return null;
        }
    }

    /// <summary>The notice given while compiling on this thread, stored with the cache entry so a cache hit repeats it.</summary>
    [ThreadStatic]
    private static (string Message, string? Reason)? t_notice;

    private void AdapterNotice(string file, string message, string service, string plugin, string? reason)
    {
        t_notice = (message, reason);
        if (_adapterNotices.TryAdd(file + "\n" + reason, 0)) _logger.LogWarning(message, service, plugin, reason);
    }

    /// <summary>
    /// Compiles a composed component; if Wasmtime refuses it, falls back to the nested composition of a spliced one,
    /// then to the plugin's own bytes (logged once). A plugin whose clientdata types are not the host's (which the
    /// spliced core code assumes) never gets this far in use: the import check refuses it after compiling.
    /// </summary>
    private WasmtimeComponent CompileAdapted(string service, string plugin, string file, ref byte[] bytes, ref CompositionResult? adaptation)
    {
        try
        {
            return Engine.Compile(bytes);
        }
        catch (WasmtimeException e) when (adaptation!.Alternative is { } nested)
        {
            _logger.LogWarning("plugin {Service}:{Plugin}: Wasmtime refused the spliced byte adapter ({Reason}); nesting it instead", service, plugin, FirstLine(e.Message));
            bytes = nested.Bytes;
            adaptation = nested;
            return CompileAdapted(service, plugin, file, ref bytes, ref adaptation);
        }
        catch (WasmtimeException e)
        {
            AdapterNotice(file, "plugin {Service}:{Plugin} runs without the byte adapter: Wasmtime refused the composed component ({Reason})",
                service, plugin, FirstLine(e.Message));
            bytes = adaptation!.Original;
            adaptation = null;
            return Engine.Compile(bytes);
        }
    }

    /// <summary>Bumped whenever the metadata layout changes: an older entry is then recompiled, never misread.</summary>
    private const byte MetadataVersion = 3;

    /// <summary>What a cache hit needs to know of the composition: the adapters' host interfaces it imports.</summary>
    private static byte[] EncodeAdaptation(CompositionResult? adaptation)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(MetadataVersion);
            w.Write(t_notice is not null);
            if (t_notice is { } n)
            {
                w.Write(n.Message);
                w.Write(n.Reason ?? "");
            }
            w.Write(adaptation is not null);
            if (adaptation is not null)
            {
                w.Write(adaptation.Added.Count);
                foreach (var name in adaptation.Added) w.Write(name);
            }
        }
        return stream.ToArray();
    }

    private CompositionResult? DecodeAdaptation(byte[] metadata, string service, string plugin, string file)
    {
        using var r = new BinaryReader(new MemoryStream(metadata));
        if (r.ReadByte() != MetadataVersion) throw new InvalidDataException("unknown compile cache metadata version");
        if (r.ReadBoolean()) AdapterNotice(file, r.ReadString(), service, plugin, r.ReadString());
        if (!r.ReadBoolean()) return null;
        var added = new List<string>();
        for (var n = r.ReadInt32(); n > 0; n--) added.Add(r.ReadString());
        return new CompositionResult(CompositionStatus.Composed, [], null, added);
    }

    private WasmtimeComponent Remember(WasmtimeComponent component, CompositionResult? adaptation)
    {
        if (adaptation is not null) _adaptations.AddOrUpdate(component, new Adaptation(adaptation));
        return component;
    }

    /// <summary>True when <paramref name="component"/> was composed with the byte adapter.</summary>
    internal bool IsAdapted(WasmtimeComponent component) => _adaptations.TryGetValue(component, out _);

    /// <summary>The plugin's own imports and exports: a composed component imports the plugin's imports unchanged, plus the adapters' host interfaces.</summary>
    internal ComponentTypeInfo OriginalType(WasmtimeComponent component)
    {
        if (!_adaptations.TryGetValue(component, out var a)) return component.Type;
        return a.OriginalType ??= new ComponentTypeInfo(
            component.Type.Imports.Where(i => !a.Result.Added.Contains(i.Name)).ToList(), component.Type.Exports);
    }

    /// <summary>The verdicts (on the plugin's own imports) and, for a composed component, its adapters' host interfaces.</summary>
    private IReadOnlyList<ImportVerdict> LinkVerdicts(WasmtimeComponent component, IReadOnlyList<ImportVerdict> verdicts) =>
        _adaptations.TryGetValue(component, out var a)
            ? [.. verdicts, .. a.Result.Added.Select(name => new ImportVerdict(name, ImportKind.Host, null))]
            : verdicts;
}
