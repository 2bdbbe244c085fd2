using System.IO.Hashing;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Compiled components on disk, keyed by a SHA-256 of the component bytes, the engine settings and
/// the Wasmtime version (a cryptographic key, so no plugin can be crafted to claim another's entry).
/// Each entry is two files: <c>&lt;key&gt;.cwasm</c>, exactly what Wasmtime serialized (so it can be
/// memory-mapped), and <c>&lt;key&gt;.sum</c>, a checksum of it plus the loader's metadata. Wasmtime
/// maps a serialized component as native code, so an entry is used only if its checksum checks out;
/// a damaged entry is deleted and rebuilt.
/// </summary>
internal sealed class CompileCache
{
    private static ReadOnlySpan<byte> Magic => "SVCC0002"u8;
    private const int HeaderLength = 8 + 16 + 16;

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

    /// <summary>The path of an entry's serialized component.</summary>
    public string PathOf(string key) => Path.Combine(Directory, key + ".cwasm");

    private string SumOf(string key) => Path.Combine(Directory, key + ".sum");

    /// <summary>A verified entry: the serialized component's path and the metadata stored with it; null when absent or damaged.</summary>
    public (string Path, byte[] Metadata)? TryLoad(string key)
    {
        var path = PathOf(key);
        try
        {
            var sum = File.ReadAllBytes(SumOf(key));
            if (sum.Length < HeaderLength || !sum.AsSpan(0, 8).SequenceEqual(Magic)) return Damaged(key, "its checksum file is not one this supervisor wrote");
            var metadata = sum[HeaderLength..];
            if (!XxHash128.Hash(metadata).AsSpan().SequenceEqual(sum.AsSpan(24, 16))) return Damaged(key, "its metadata does not match its checksum");
            var hash = new XxHash128();
            using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
                hash.Append(f);
            if (!hash.GetCurrentHash().AsSpan().SequenceEqual(sum.AsSpan(8, 16))) return Damaged(key, "the compiled code does not match its checksum");
            return (path, metadata);
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
    }

    private (string, byte[])? Damaged(string key, string why)
    {
        _logger.LogWarning("compile cache entry {Path} is damaged ({Why}); deleting and recompiling", PathOf(key), why);
        Remove(key);
        return null;
    }

    /// <summary>Stores an entry atomically: each file is written to a temporary name, then renamed; the checksum goes last.</summary>
    public void Store(string key, ReadOnlySpan<byte> serialized, ReadOnlySpan<byte> metadata)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var header = new byte[HeaderLength];
            Magic.CopyTo(header);
            XxHash128.Hash(serialized, header.AsSpan(8, 16));
            XxHash128.Hash(metadata, header.AsSpan(24, 16));
            WriteAtomically(PathOf(key), serialized, []);
            WriteAtomically(SumOf(key), header, metadata);
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

    private static void WriteAtomically(string path, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var tmp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():n}.tmp";
        using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
        {
            f.Write(first);
            f.Write(second);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// The index name for a plugin file as it is now (full path, length, modification time) compiled
    /// under <paramref name="fingerprint"/>; null when the file cannot be examined.
    /// </summary>
    public static string? Stamp(string file, string fingerprint)
    {
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists) return null;
            var id = $"{info.FullName}\n{info.Length}\n{info.LastWriteTimeUtc.Ticks}\n{fingerprint}";
            return Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..32];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string IndexPath(string stamp) => Path.Combine(Directory, "keys", stamp + ".key");

    /// <summary>The key last computed for a file with this stamp: a file unchanged since needs no reading or hashing.</summary>
    public string? KnownKey(string? stamp)
    {
        if (stamp is null) return null;
        try
        {
            var key = File.ReadAllText(IndexPath(stamp)).Trim();
            return key.Length == 64 && key.All(char.IsAsciiHexDigitLower) ? key : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Remembers the key of a file with this stamp.</summary>
    public void RememberKey(string? stamp, string key)
    {
        if (stamp is null) return;
        try
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, "keys"));
            WriteAtomically(IndexPath(stamp), System.Text.Encoding.ASCII.GetBytes(key), []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("could not write compile cache index entry: {Message}", e.Message);
        }
    }

    /// <summary>Deletes an entry (after Wasmtime refused it, or when damaged).</summary>
    public void Remove(string key)
    {
        foreach (var path in new[] { SumOf(key), PathOf(key) })
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
