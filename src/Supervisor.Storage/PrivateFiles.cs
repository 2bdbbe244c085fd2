using System.Runtime.InteropServices;

namespace Supervisor.Storage;

/// <summary>
/// Files and folders that hold private data (stores, archives, spooled records, history, compiled code): created
/// readable and writable by their owner only (0600, folders 0700 on Unix), as browser profiles and <c>~/.ssh</c>
/// are, whatever the process umask. On Windows the user's profile folders are already private; nothing is changed.
/// </summary>
public static partial class PrivateFiles
{
    /// <summary>Owner read and write.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read, write and search.</summary>
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode OthersMask = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates <paramref name="path"/> and any missing parents as owner-only folders; existing folders are left as they are.</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        // Each missing folder gets the mode, parents included (CreateDirectory gives it to the last one only).
        var missing = new Stack<string>();
        for (var p = Path.GetFullPath(path); !string.IsNullOrEmpty(p) && !Directory.Exists(p); p = Path.GetDirectoryName(p))
            missing.Push(p);
        while (missing.TryPop(out var folder)) Directory.CreateDirectory(folder, FolderMode);
    }

    /// <summary>Opens a file for writing, creating it owner-only (an existing file keeps its mode).</summary>
    public static FileStream Create(string path, System.IO.FileMode mode = System.IO.FileMode.Create, FileShare share = FileShare.None, FileOptions options = FileOptions.None)
    {
        var fileOptions = new FileStreamOptions
        {
            Mode = mode,
            Access = FileAccess.ReadWrite,
            Share = share,
            BufferSize = 81920,
            Options = options,
        };
        if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = FileMode;
        return new FileStream(path, fileOptions);
    }

    /// <summary>
    /// A temporary file for spooling private records: owner-only, deleted when closed, in a folder of the user's own
    /// (<c>$XDG_RUNTIME_DIR</c> when set, else the system's temporary folder).
    /// </summary>
    public static FileStream Spool()
    {
        var folder = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && Directory.Exists(runtime)
            ? runtime
            : Path.GetTempPath();
        var path = Path.Combine(folder, "supervisor-spool-" + Path.GetRandomFileName());
        return Create(path, System.IO.FileMode.CreateNew, FileShare.None, FileOptions.DeleteOnClose);
    }

    /// <summary>Creates an empty owner-only file at <paramref name="path"/> when there is none.</summary>
    public static void Ensure(string path)
    {
        try
        {
            using var _ = Create(path, System.IO.FileMode.CreateNew, FileShare.ReadWrite);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Made meanwhile by another process; its mode is its creator's.
        }
    }

    /// <summary>The octal mode of <paramref name="path"/> when users other than its owner may use it; null when only the owner may (always on Windows).</summary>
    public static string? SharedMode(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        var mode = File.GetUnixFileMode(path);
        return (mode & OthersMask) == 0 ? null : Convert.ToString((int)mode, 8);
    }

    /// <summary>
    /// Why <paramref name="folder"/> cannot be trusted to hold code or keys only this user can change, or null when it
    /// can: it must be owned by this user and writable by no one else, and each folder above it owned by this user
    /// or root and writable by no one else unless sticky (as <c>/tmp</c> is): the rule OpenSSH's StrictModes applies.
    /// Owners are read on Linux; elsewhere on Unix only modes are checked; on Windows nothing is.
    /// </summary>
    public static string? WhyUntrusted(string folder)
    {
        if (OperatingSystem.IsWindows()) return null;
        var self = Native.geteuid();
        var first = true;
        for (var path = Path.GetFullPath(folder); !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path), first = false)
        {
            var mode = File.GetUnixFileMode(path);
            var owner = OwnerOf(path);
            var sharedWrite = (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;
            if (first)
            {
                if (owner is { } o && o != self) return $"{path} belongs to another user (uid {o})";
                if (sharedWrite) return $"{path} can be written by other users (mode {Convert.ToString((int)mode, 8)})";
            }
            else
            {
                if (owner is { } o && o != self && o != 0) return $"{path}, a folder above it, belongs to another user (uid {o})";
                if (sharedWrite && (mode & UnixFileMode.StickyBit) == 0)
                    return $"{path}, a folder above it, can be written by other users (mode {Convert.ToString((int)mode, 8)})";
            }
        }
        return null;
    }

    /// <summary>Why a file holding a secret cannot be trusted (another owner, or any access for others), or null.</summary>
    public static string? WhySecretUntrusted(string file)
    {
        if (OperatingSystem.IsWindows()) return null;
        var mode = File.GetUnixFileMode(file);
        if (OwnerOf(file) is { } o && o != Native.geteuid()) return $"{file} belongs to another user (uid {o})";
        if ((mode & OthersMask) != 0) return $"{file} can be used by other users (mode {Convert.ToString((int)mode, 8)})";
        return null;
    }

    /// <summary>
    /// Why a configuration file cannot be trusted (another user owns it, or others may write it), or null: settings
    /// choose stores and plugin folders, so only the user's own file may set them.
    /// </summary>
    public static string? WhyConfigUntrusted(string file)
    {
        if (OperatingSystem.IsWindows()) return null;
        if (OwnerOf(file) is { } o && o != Native.geteuid()) return $"{file} belongs to another user (uid {o})";
        var mode = File.GetUnixFileMode(file);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            return $"{file} can be written by other users (mode {Convert.ToString((int)mode, 8)})";
        return null;
    }

    /// <summary>The owner's uid, read with statx (Linux, whose layout is the same on every architecture); null elsewhere.</summary>
    private static unsafe uint? OwnerOf(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = stackalloc byte[256];
        if (Native.statx(-100 /* AT_FDCWD */, path, 0, 0x7ff /* STATX_BASIC_STATS */, buffer) != 0)
            throw new IOException($"cannot read the owner of {path} (errno {Marshal.GetLastPInvokeError()})");
        return *(uint*)(buffer + 20);
    }

    private static partial class Native
    {
        [LibraryImport("libc", SetLastError = true)]
        internal static partial uint geteuid();

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);
    }
}
