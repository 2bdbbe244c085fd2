using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Supervisor.Storage;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Compiled components on disk, keyed by a SHA-256 of the component bytes, the engine settings and
/// the Wasmtime version (a cryptographic key, so no plugin can be crafted to claim another's entry).
/// Each entry is two files: <c>&lt;key&gt;.cwasm</c>, exactly what Wasmtime serialized, and
/// <c>&lt;key&gt;.sum</c>, an HMAC-SHA256 of the key, the loader's metadata and the compiled code, plus the
/// metadata. Wasmtime loads a serialized component as native code without checking it, so the HMAC's
/// secret lives in a file only this user can read: an entry planted or renamed by anyone else fails the
/// check and is deleted, and the bytes that were checked are the bytes deserialized (never a second read).
/// The cache is used only from a folder that only this user can change (<see cref="PrivateFiles.WhyUntrusted"/>).
/// </summary>
internal sealed class CompileCache
{
    private static ReadOnlySpan<byte> Magic => "SVCC0003"u8;
    private const int MacLength = 32;
    private const int HeaderLength = 8 + MacLength;

    private readonly ILogger _logger;
    private readonly byte[] _secret;

    private CompileCache(string directory, byte[] secret, ILogger logger)
    {
        Directory = directory;
        _secret = secret;
        _logger = logger;
    }

    public string Directory { get; }

    /// <summary>Where the secret lives by default: the user's private data folder (beside the default stores).</summary>
    public static string DefaultSecretFile(string cacheDirectory)
    {
        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return string.IsNullOrEmpty(data)
            ? Path.Combine(Path.GetFullPath(cacheDirectory), "cache.key")
            : Path.Combine(data, "supervisor", "compile-cache.key");
    }

    /// <summary>
    /// The cache in <paramref name="directory"/> (created owner-only when missing), authenticated with the secret in
    /// <paramref name="secretFile"/> (made on first use); null, with a warning, when either cannot be trusted or made:
    /// plugins are then compiled on every start, which costs time but never safety.
    /// </summary>
    public static CompileCache? Open(string directory, string secretFile, ILogger logger)
    {
        directory = Path.GetFullPath(directory);
        try
        {
            PrivateFiles.CreateFolder(directory);
            var secretFolder = Path.GetDirectoryName(Path.GetFullPath(secretFile))!;
            PrivateFiles.CreateFolder(secretFolder);
            var why = PrivateFiles.WhyUntrusted(directory) ?? PrivateFiles.WhyUntrusted(secretFolder);
            if (why is null)
            {
                var secret = ReadOrCreateSecret(secretFile);
                why = PrivateFiles.WhySecretUntrusted(secretFile);
                if (why is null) return new CompileCache(directory, secret, logger);
            }
            logger.LogWarning("the compile cache in {Directory} is not used: {Why}; plugins are compiled on every start", directory, why);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("the compile cache in {Directory} is not used: {Message}; plugins are compiled on every start", directory, e.Message);
        }
        return null;
    }

    private static byte[] ReadOrCreateSecret(string file)
    {
        if (!File.Exists(file))
        {
            try
            {
                using var f = PrivateFiles.Create(file, FileMode.CreateNew);
                f.Write(RandomNumberGenerator.GetBytes(32));
                f.Flush(flushToDisk: true);
            }
            catch (IOException) when (File.Exists(file))
            {
                // Made meanwhile by another process: read theirs.
            }
        }
        var secret = File.ReadAllBytes(file);
        if (secret.Length < 32) throw new IOException($"the compile cache secret {file} is too short ({secret.Length} bytes); delete it to make a new one");
        return secret;
    }

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

    /// <summary>The MAC of an entry: its key (so a renamed entry fails), its metadata and its compiled code.</summary>
    private byte[] EntryMac(string key, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> serialized)
    {
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);
        mac.AppendData(System.Text.Encoding.ASCII.GetBytes($"entry\n{key}\n{metadata.Length}\n"));
        mac.AppendData(metadata);
        mac.AppendData(serialized);
        return mac.GetHashAndReset();
    }

    /// <summary>An authenticated entry: the serialized component (the bytes checked, in native memory) and its metadata; null when absent, damaged or not ours.</summary>
    public CachedEntry? TryLoad(string key)
    {
        var path = PathOf(key);
        CachedEntry? entry = null;
        try
        {
            var sum = File.ReadAllBytes(SumOf(key));
            if (sum.Length < HeaderLength || !sum.AsSpan(0, 8).SequenceEqual(Magic)) return Refused(key, "its checksum file is not one this supervisor wrote");
            var metadata = sum[HeaderLength..];
            entry = CachedEntry.Read(path, metadata);
            if (!CryptographicOperations.FixedTimeEquals(EntryMac(key, metadata, entry.Serialized), sum.AsSpan(8, MacLength)))
            {
                entry.Dispose();
                return Refused(key, "it is damaged, or was not written by this user's supervisor");
            }
            return entry;
        }
        catch (FileNotFoundException)
        {
            entry?.Dispose();
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            entry?.Dispose();
            return null;
        }
        catch (IOException e)
        {
            entry?.Dispose();
            _logger.LogWarning("compile cache entry {Path} could not be read ({Message}); recompiling", path, e.Message);
            return null;
        }
    }

    private CachedEntry? Refused(string key, string why)
    {
        _logger.LogWarning("compile cache entry {Path} is refused ({Why}); deleting and recompiling", PathOf(key), why);
        Remove(key);
        return null;
    }

    /// <summary>Stores an entry atomically: each file is written owner-only to a temporary name, then renamed; the MAC file goes last.</summary>
    public void Store(string key, ReadOnlySpan<byte> serialized, ReadOnlySpan<byte> metadata)
    {
        try
        {
            var header = new byte[HeaderLength];
            Magic.CopyTo(header);
            EntryMac(key, metadata, serialized).CopyTo(header.AsSpan(8));
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
        using (var f = PrivateFiles.Create(tmp, FileMode.CreateNew))
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

    /// <summary>The MAC of an index entry: the stamp and the key it points at, so no entry can be pointed at another plugin's code.</summary>
    private string IndexMac(string stamp, string key)
    {
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);
        mac.AppendData(System.Text.Encoding.ASCII.GetBytes($"index\n{stamp}\n{key}"));
        return Convert.ToHexStringLower(mac.GetHashAndReset());
    }

    /// <summary>The key last computed for a file with this stamp: a file unchanged since needs no reading or hashing.</summary>
    public string? KnownKey(string? stamp)
    {
        if (stamp is null) return null;
        try
        {
            var lines = File.ReadAllText(IndexPath(stamp)).Split('\n');
            if (lines.Length < 2 || lines[0].Length != 64 || !lines[0].All(char.IsAsciiHexDigitLower)) return null;
            var expected = System.Text.Encoding.ASCII.GetBytes(IndexMac(stamp, lines[0]));
            return CryptographicOperations.FixedTimeEquals(expected, System.Text.Encoding.ASCII.GetBytes(lines[1].Trim())) ? lines[0] : null;
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
            PrivateFiles.CreateFolder(Path.Combine(Directory, "keys"));
            WriteAtomically(IndexPath(stamp), System.Text.Encoding.ASCII.GetBytes($"{key}\n{IndexMac(stamp, key)}\n"), []);
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

/// <summary>
/// A cache entry read into native memory (a private copy: no other process can change it between the check and the
/// deserialization, and no large managed array outlives the load).
/// </summary>
internal sealed unsafe class CachedEntry : IDisposable
{
    private byte* _bytes;
    private readonly int _length;

    private CachedEntry(byte* bytes, int length, byte[] metadata)
    {
        _bytes = bytes;
        _length = length;
        Metadata = metadata;
    }

    public byte[] Metadata { get; }

    public ReadOnlySpan<byte> Serialized => _bytes is null ? throw new ObjectDisposedException(nameof(CachedEntry)) : new(_bytes, _length);

    public static CachedEntry Read(string path, byte[] metadata)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        if (length > int.MaxValue) throw new IOException($"compile cache entry {path} is {length} bytes, more than any compiled plugin");
        var bytes = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)Math.Max(length, 1));
        var entry = new CachedEntry(bytes, (int)length, metadata);
        try
        {
            var span = new Span<byte>(bytes, (int)length);
            for (var read = 0; read < span.Length;)
            {
                var n = RandomAccess.Read(handle, span[read..], read);
                if (n == 0) throw new IOException($"compile cache entry {path} shrank while it was read");
                read += n;
            }
            return entry;
        }
        catch
        {
            entry.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_bytes is null) return;
        System.Runtime.InteropServices.NativeMemory.Free(_bytes);
        _bytes = null;
    }
}
