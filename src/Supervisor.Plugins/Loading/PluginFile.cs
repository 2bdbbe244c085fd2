using System.Text;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Reads a plugin file as a hostile party may have made it: only a regular file of bounded size is read (a device,
/// a pipe or a <c>/proc</c> file reports no size and is refused before it is opened, so nothing blocks or fills
/// memory), with that bound, and no message ever holds the file's bytes (a symlink to <c>/proc/self/environ</c> must
/// not put the host's environment into an error).
/// </summary>
internal static class PluginFile
{
    private static ReadOnlySpan<byte> WasmMagic => "\0asm"u8;

    /// <summary>The component binary of <paramref name="file"/> (a <c>.wat</c> file is parsed), or a PluginException naming why not.</summary>
    public static byte[] ReadComponent(string file, string plugin, long maxBytes)
    {
        var bytes = Read(file, plugin, maxBytes);
        if (file.EndsWith(".wat", StringComparison.Ordinal))
        {
            try
            {
                return Wat.ToBinary(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
            }
            catch (DecoderFallbackException)
            {
                throw new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{plugin}\" ({file}) is not UTF-8 text, so not a WAT component");
            }
            catch (WasmtimeException e)
            {
                // Wasmtime's message quotes the offending line: keep only its own words, never the file's.
                throw new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{plugin}\" ({file}) is not valid WAT: {Describe(e.Message)}");
            }
        }
        if (!bytes.AsSpan().StartsWith(WasmMagic))
            throw new PluginException(PluginErrorCode.InvalidComponent,
                $"plugin \"{plugin}\" ({file}) is not a WebAssembly binary (it does not start with \\0asm); a component in text form is named .wat");
        return bytes;
    }

    private static byte[] Read(string file, string plugin, long maxBytes)
    {
        FileInfo target;
        try
        {
            var info = new FileInfo(file);
            target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
            if (!target.Exists) throw new PluginException(PluginErrorCode.PluginNotFound, $"plugin \"{plugin}\" ({file}) is a link to nothing");
            var length = target.Length;
            if (length == 0)
                throw new PluginException(PluginErrorCode.InvalidComponent,
                    $"plugin \"{plugin}\" ({file}) is empty or not a regular file (a device, a pipe or a /proc file); plugins load only from regular files");
            if (length > maxBytes)
                throw new PluginException(PluginErrorCode.InvalidComponent,
                    $"plugin \"{plugin}\" ({file}) is {length} bytes; the limit is {maxBytes} bytes (SupervisorOptions.MaxPluginFileBytes)");
            using var stream = new FileStream(target.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            if (stream.ReadByte() != -1)
                throw new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{plugin}\" ({file}) grew while it was read; it is not a regular file, or it is being written");
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{plugin}\" ({file}) cannot be read: {e.Message}", e);
        }
    }

    /// <summary>A Wasmtime parse error without the quoted source: its first line, up to any location arrow.</summary>
    private static string Describe(string message)
    {
        var line = message.Split('\n')[0];
        var arrow = line.IndexOf(" --> ", StringComparison.Ordinal);
        line = arrow >= 0 ? line[..arrow] : line;
        return line.Length > 200 ? line[..200] + "..." : line;
    }
}
