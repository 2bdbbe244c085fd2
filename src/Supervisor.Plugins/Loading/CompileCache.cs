using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Compiled components on disk, keyed by a hash of the component bytes, the engine settings and
/// the Wasmtime version. Wasmtime maps a serialized component as native code, so an entry is
/// trusted only if its own SHA-256 checks out; a damaged entry is deleted and rebuilt.
/// </summary>
internal sealed class CompileCache
{
    private static ReadOnlySpan<byte> Magic => "SVCC0001"u8;
    private const int HeaderLength = 8 + 32;

    private readonly ILogger _logger;

    public CompileCache(string directory, ILogger logger)
    {
        Directory = Path.GetFullPath(directory);
        _logger = logger;
    }

    public string Directory { get; }

    /// <summary>The cache key of a component compiled under <paramref name="engineFingerprint"/>.</summary>
    public static string Key(ReadOnlySpan<byte> component, string engineFingerprint)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(engineFingerprint + "\n"));
        sha.AppendData(component);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private string PathOf(string key) => Path.Combine(Directory, key + ".cwasm");

    /// <summary>The serialized component for <paramref name="key"/>, or null when absent or damaged.</summary>
    public byte[]? TryLoad(string key)
    {
        var path = PathOf(key);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException e)
        {
            _logger.LogWarning("compile cache entry {Path} could not be read ({Message}); recompiling", path, e.Message);
            return null;
        }
        if (data.Length < HeaderLength || !data.AsSpan(0, 8).SequenceEqual(Magic)
            || !SHA256.HashData(data.AsSpan(HeaderLength)).AsSpan().SequenceEqual(data.AsSpan(8, 32)))
        {
            _logger.LogWarning("compile cache entry {Path} is damaged; deleting and recompiling", path);
            Remove(key);
            return null;
        }
        return data[HeaderLength..];
    }

    /// <summary>Stores a serialized component atomically (write to a temporary file, then rename).</summary>
    public void Store(string key, ReadOnlySpan<byte> serialized)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var tmp = Path.Combine(Directory, $"{key}.{Environment.ProcessId}.{Guid.NewGuid():n}.tmp");
            using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                f.Write(Magic);
                f.Write(SHA256.HashData(serialized));
                f.Write(serialized);
            }
            File.Move(tmp, PathOf(key), overwrite: true);
        }
        catch (IOException e)
        {
            // The cache only saves time; a read-only or full disk must not fail the load.
            _logger.LogWarning("could not write compile cache entry for {Key}: {Message}", key, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            _logger.LogWarning("could not write compile cache entry for {Key}: {Message}", key, e.Message);
        }
    }

    /// <summary>Deletes an entry (after Wasmtime refused it, or when damaged).</summary>
    public void Remove(string key)
    {
        try
        {
            File.Delete(PathOf(key));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
