using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Supervisor.Plugins.Composition;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Compiles a plugin file: from the compile cache when it holds the file's bytes, else composed with the byte adapters
/// (<see cref="SupervisorOptions.ByteAdapter"/>) when its shape is recognized, with fallbacks when Wasmtime refuses a
/// composition, and stored in the cache with what a hit needs to know.
/// </summary>
internal sealed class PluginCompiler(WasmtimeEngine engine, string engineFingerprint, bool byteAdapter, long maxFileBytes, CompileCache? cache, ILogger logger)
{
    /// <summary>Bumped whenever the metadata layout changes: an older entry is then recompiled, never misread.</summary>
    private const byte MetadataVersion = 3;

    private readonly ConcurrentDictionary<string, byte> _noticesGiven = new(StringComparer.Ordinal);

    /// <summary>Compiles <paramref name="file"/>, the plugin <paramref name="service"/>:<paramref name="plugin"/>.</summary>
    /// <exception cref="PluginException">The file is missing, too large or not a valid component.</exception>
    public CompiledPlugin Compile(string service, string plugin, string file)
    {
        // Keyed by the plugin's own bytes (and the adapter's identity when it is on): a cache hit needs no composition,
        // only the metadata stored with the entry. A file unchanged since its key was computed (same path, length and
        // modification time) is not even read.
        var fingerprint = byteAdapter ? $"{engineFingerprint}; {ByteAdapter.Fingerprint}" : engineFingerprint;
        var stamp = cache is null ? null : CompileCache.Stamp(file, fingerprint);
        if (cache?.KnownKey(stamp) is { } known && FromCache(known, service, plugin, file) is { } fast) return fast;
        var bytes = PluginFile.ReadComponent(file, $"{service}:{plugin}", maxFileBytes);
        var key = CompileCache.Key(bytes, fingerprint);
        if (FromCache(key, service, plugin, file) is { } cached)
        {
            cache!.RememberKey(stamp, key);
            return cached;
        }
        var composed = Compose(service, plugin, file, bytes, out var notice);
        var started = DateTime.UtcNow;
        WasmtimeComponent component;
        try
        {
            component = composed is null ? engine.Compile(bytes) : CompileComposed(service, plugin, file, ref composed, ref notice);
        }
        catch (WasmtimeException e)
        {
            throw new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{service}:{plugin}\" ({file}) is not a valid component: {FirstLine(e.Message)}", e);
        }
        logger.LogInformation("compiled plugin {Service}:{Plugin} in {Ms} ms", service, plugin, (int)(DateTime.UtcNow - started).TotalMilliseconds);
        cache?.Store(key, component.Serialize(), EncodeMetadata(composed?.Added, notice));
        cache?.RememberKey(stamp, key);
        return CompiledPlugin.Of(component, composed?.Added, notice);
    }

    /// <summary>The cached compile for <paramref name="key"/>, or null (absent, damaged or refused; a bad entry is removed).</summary>
    private CompiledPlugin? FromCache(string key, string service, string plugin, string file)
    {
        if (cache?.TryLoad(key) is not { } hit) return null;
        using var entry = hit;
        try
        {
            // The bytes the MAC was checked over, not a second read of the file that anyone could swap meanwhile.
            var (added, notice) = DecodeMetadata(hit.Metadata);
            if (notice is { } n) Notify(file, n, service, plugin);
            return CompiledPlugin.Of(engine.Deserialize(hit.Serialized), added, notice);
        }
        catch (Exception e) when (e is WasmtimeException or InvalidDataException or EndOfStreamException)
        {
            logger.LogWarning("compile cache entry for {Service}:{Plugin} was refused ({Message}); recompiling", service, plugin, FirstLine(e.Message));
            cache.Remove(key);
            return null;
        }
    }

    /// <summary>The composition of <paramref name="bytes"/> with the byte adapters when the option is on and the shape is recognized; null otherwise.</summary>
    private CompositionResult? Compose(string service, string plugin, string file, byte[] bytes, out CompileNotice? notice)
    {
        notice = null;
        if (!byteAdapter) return null;
        var result = ByteAdapter.Compose(bytes);
        switch (result.Status)
        {
            case CompositionStatus.Composed:
                return result;
            case CompositionStatus.Unrecognized:
                notice = Notify(file, new("plugin {Service}:{Plugin} runs without the byte adapter (list<u8> path): {Reason}", result.Reason), service, plugin);
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// Compiles a composed component; if Wasmtime refuses it, falls back to the nested composition of a spliced one,
    /// then to the plugin's own bytes (logged once). A plugin whose clientdata types are not the host's (which the
    /// spliced core code assumes) never gets this far in use: the import check refuses it after compiling.
    /// </summary>
    private WasmtimeComponent CompileComposed(string service, string plugin, string file, ref CompositionResult? composed, ref CompileNotice? notice)
    {
        try
        {
            return engine.Compile(composed!.Bytes);
        }
        catch (WasmtimeException e) when (composed!.Alternative is { } nested)
        {
            logger.LogWarning("plugin {Service}:{Plugin}: Wasmtime refused the spliced byte adapter ({Reason}); nesting it instead", service, plugin, FirstLine(e.Message));
            composed = nested;
            return CompileComposed(service, plugin, file, ref composed, ref notice);
        }
        catch (WasmtimeException e)
        {
            notice = Notify(file, new("plugin {Service}:{Plugin} runs without the byte adapter: Wasmtime refused the composed component ({Reason})", FirstLine(e.Message)), service, plugin);
            var original = composed!.Original;
            composed = null;
            return engine.Compile(original);
        }
    }

    /// <summary>Logs <paramref name="notice"/> once per file and reason.</summary>
    private CompileNotice Notify(string file, CompileNotice notice, string service, string plugin)
    {
        if (_noticesGiven.TryAdd(file + "\n" + notice.Reason, 0)) logger.LogWarning(notice.Message, service, plugin, notice.Reason);
        return notice;
    }

    /// <summary>What a cache hit needs to know of the composition: the adapters' host interfaces it imports, and the notice given.</summary>
    private static byte[] EncodeMetadata(IReadOnlyList<string>? added, CompileNotice? notice)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(MetadataVersion);
            w.Write(notice is not null);
            if (notice is { } n)
            {
                w.Write(n.Message);
                w.Write(n.Reason ?? "");
            }
            w.Write(added is not null);
            if (added is not null)
            {
                w.Write(added.Count);
                foreach (var name in added) w.Write(name);
            }
        }
        return stream.ToArray();
    }

    private static (IReadOnlyList<string>? Added, CompileNotice? Notice) DecodeMetadata(byte[] metadata)
    {
        using var r = new BinaryReader(new MemoryStream(metadata));
        if (r.ReadByte() != MetadataVersion) throw new InvalidDataException("unknown compile cache metadata version");
        CompileNotice? notice = r.ReadBoolean() ? new CompileNotice(r.ReadString(), r.ReadString()) : null;
        if (!r.ReadBoolean()) return (null, notice);
        var added = new List<string>();
        for (var n = r.ReadInt32(); n > 0; n--) added.Add(r.ReadString());
        return (added, notice);
    }

    internal static string FirstLine(string message)
    {
        var i = message.IndexOf('\n');
        return i < 0 ? message : message[..i];
    }
}
