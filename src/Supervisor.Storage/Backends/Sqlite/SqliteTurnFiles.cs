using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>
/// The turns of one SQLite store against other processes: a lock file per chain and owner in a folder beside the store,
/// locked with <c>flock</c> (on Windows, a sharing lock), which the operating system releases when its holder dies, even
/// by SIGKILL, so a dead holder never makes the next operation wait. Never a lock on the store file itself, which SQLite
/// locks on its own terms.
/// </summary>
/// <remarks>
/// On Linux each backend keeps its lock files open and locks and unlocks them per turn (two system calls), instead of
/// opening and closing the file each time (about 5 µs a call of a serialized plugin). A file opened with exclusive sharing
/// is what .NET locks with <c>flock</c>, so both kinds exclude each other, and so do two backends of one process on one
/// store (each has its own open file). A kept file is locked by the backend itself, so turning .NET's file locking off
/// does not turn turns off. A kept file found deleted (its folder removed while processes run) is opened again.
/// </remarks>
internal sealed partial class SqliteTurnFiles(string storePath, int maxKept = SqliteTurnFiles.MaxKept) : IDisposable
{
    /// <summary>Past this many kept files (by default) a backend opens further lock files per turn, so file descriptors stay bounded.</summary>
    internal const int MaxKept = 256;

    private readonly ConcurrentDictionary<(string Chain, string Owner), KeptFile> _kept = new();
    private int _disposed;

    /// <summary>The folder the lock files of the store at <paramref name="storePath"/> live in.</summary>
    public static string Folder(string storePath) => storePath + ".turns";

    /// <summary>The lock files kept open now.</summary>
    internal int KeptCount => _kept.Count;

    /// <summary>How many times a lock file was opened: once per kept file, once per turn past <c>maxKept</c>.</summary>
    internal int Opens => Volatile.Read(ref _opens);

    private int _opens;

    /// <summary>
    /// Takes the turn of <paramref name="owner"/> on <paramref name="chain"/>, polling until <paramref name="deadline"/>.
    /// After <see cref="Dispose"/> it still does, with a file per turn: a call on a store disposed under it then fails at
    /// its first read or write, as a host fault the log explains, not here.
    /// </summary>
    public TurnLock Take(string chain, string owner, DateTime deadline, CancellationToken cancellation)
    {
        var pause = 0;
        while (true)
        {
            var taken = TryTake(chain, owner, out var busy);
            if (taken is not null) return taken;
            if (DateTime.UtcNow >= deadline)
                throw new StorageException(StorageErrorCode.DeadlinePassed,
                    $"waited until the time limit for the turn of \"{owner}\" on chain \"{chain}\", which another process holds (lock file {PathOf(chain, owner)}: {busy})");
            cancellation.ThrowIfCancellationRequested();
            // Short pauses first: most turns are held for a call of a few microseconds.
            if (pause < 10) Thread.Yield();
            else Thread.Sleep(pause < 20 ? 0 : 1);
            pause++;
        }
    }

    /// <summary>The lock, or null with why it is busy.</summary>
    private TurnLock? TryTake(string chain, string owner, out string busy)
    {
        busy = "";
        if (_kept.TryGetValue((chain, owner), out var kept))
        {
            // Defensive: the turn table gives a key to one holder of this process at a time. Were two to meet here, the
            // second opens the file for itself, which the first's lock excludes like another process's.
            if (!kept.Claim())
                return OpenLocked(chain, owner, ref busy) is { } other ? new FileLock(other) : null;
            if (!kept.Closed)
            {
                if (!LockOrGiveUp(kept, isNew: false, ref busy)) return null;
                if (!kept.Unlinked()) return new KeptLock(kept);
            }
            // Deleted (another process may lock a new file at the same path) or closed after a failed unlock: drop it, open the path again.
            _kept.TryRemove(new KeyValuePair<(string, string), KeptFile>((chain, owner), kept));
            kept.Close();
            return TryTake(chain, owner, out busy);
        }
        if (OpenLocked(chain, owner, ref busy) is not { } file) return null;
        if (OperatingSystem.IsLinux() && _kept.Count < maxKept && Volatile.Read(ref _disposed) == 0)
        {
            var added = new KeptFile(file);
            added.Claim();
            // Locked by the backend itself, not only by .NET's open (which DOTNET_SYSTEM_IO_DISABLEFILELOCKING turns off).
            if (!LockOrGiveUp(added, isNew: true, ref busy)) return null;
            if (_kept.TryAdd((chain, owner), added)) return new KeptLock(added);
        }
        return new FileLock(file);
    }

    /// <summary>Locks a claimed kept file; when it cannot, gives it up (a new one is closed, a kept one unclaimed) and says why.</summary>
    private static bool LockOrGiveUp(KeptFile file, bool isNew, ref string busy)
    {
        try
        {
            if (file.TryLock(out busy)) return true;
        }
        catch
        {
            GiveUp();
            throw;
        }
        GiveUp();
        return false;

        void GiveUp()
        {
            if (isNew) file.Close();
            else file.Unclaim();
        }
    }

    /// <summary>The lock file opened with exclusive sharing (so locked), or null when another process holds it.</summary>
    private FileStream? OpenLocked(string chain, string owner, ref string busy)
    {
        var path = PathOf(chain, owner);
        while (true)
        {
            try
            {
                var file = new FileStream(path, LockFileOptions);
                Interlocked.Increment(ref _opens);
                return file;
            }
            catch (DirectoryNotFoundException)
            {
                var folder = Folder(storePath);
                try
                {
                    PrivateFiles.CreateFolder(folder);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new StorageException(StorageErrorCode.BackendFailure, $"cannot create the folder of turn lock files {folder} beside the store: {e.Message}", e);
                }
            }
            catch (UnauthorizedAccessException e)
            {
                throw new StorageException(StorageErrorCode.BackendFailure, $"cannot open the turn lock file {path}: {e.Message}", e);
            }
            catch (IOException e) when (e is not (FileNotFoundException or PathTooLongException))
            {
                // Held by another process (flock's EWOULDBLOCK surfaces as a sharing violation).
                busy = e.Message;
                return null;
            }
        }
    }

    private readonly ConcurrentDictionary<(string Chain, string Owner), string> _paths = new();

    private string PathOf(string chain, string owner) =>
        _paths.GetOrAdd((chain, owner), k => Path.Combine(Folder(storePath), FileName(k.Chain, k.Owner)));

    /// <summary>Owner-only, never read or written: no buffer.</summary>
    private static readonly FileStreamOptions LockFileOptions = LockOptions();

    private static FileStreamOptions LockOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return options;
    }

    /// <summary>The owner's name (an account name, safe in a file name) and a digest of the chain id, which may hold any character.</summary>
    private static string FileName(string chain, string owner) =>
        $"{owner}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(chain)).AsSpan(0, 8))}.lock";

    /// <summary>Closes the kept files, which releases any lock still held on them.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var key in _kept.Keys)
            if (_kept.TryRemove(key, out var kept)) kept.Close();
    }

    /// <summary>A lock file opened for one turn, closed at its end.</summary>
    private sealed class FileLock(FileStream file) : TurnLock
    {
        private FileStream? _file = file;

        public override void Dispose() => Interlocked.Exchange(ref _file, null)?.Dispose();
    }

    /// <summary>One turn on a kept file: unlocked at its end, once.</summary>
    private sealed class KeptLock(KeptFile file) : TurnLock
    {
        private KeptFile? _file = file;

        public override void Dispose()
        {
            if (Interlocked.Exchange(ref _file, null) is { } f)
            {
                f.Unlock();
                f.Unclaim();
            }
        }
    }

    /// <summary>A lock file kept open (Linux), locked per turn with <c>flock</c>.</summary>
    private sealed partial class KeptFile(FileStream file)
    {
        /// <summary>Taken once: a disposed stream no longer gives its handle, whose state tells that it was closed.</summary>
        private readonly SafeFileHandle _handle = file.SafeFileHandle;

        private const int LockEx = 2, LockNb = 4, LockUn = 8, EIntr = 4, EWouldBlock = 11, AtEmptyPath = 0x1000, StatxNlink = 0x4;

        /// <summary>1 while a turn of this process uses the file (or a take is under way).</summary>
        private int _claimed;

        public bool Claim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

        public void Unclaim() => Volatile.Write(ref _claimed, 0);

        public bool TryLock(out string busy)
        {
            busy = "";
            while (flock(_handle, LockEx | LockNb) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr) continue;
                busy = Marshal.GetPInvokeErrorMessage(errno);
                if (errno == EWouldBlock) return false;
                throw new StorageException(StorageErrorCode.BackendFailure, $"cannot lock the turn lock file {file.Name}: {busy}");
            }
            return true;
        }

        public void Unlock()
        {
            try
            {
                // A failed unlock (never seen) would keep other processes out: closing the file releases it for sure.
                if (flock(_handle, LockUn) != 0) file.Dispose();
            }
            catch (ObjectDisposedException)
            {
                // Closed with its backend: closing released the lock.
            }
        }

        /// <summary>True when the file has no name any more (deleted while kept open).</summary>
        public unsafe bool Unlinked()
        {
            var buffer = stackalloc byte[256];
            return statx(_handle, "", AtEmptyPath, StatxNlink, buffer) == 0 && *(uint*)(buffer + 16) == 0;
        }

        /// <summary>True once the file was closed (after a failed unlock).</summary>
        public bool Closed => _handle.IsClosed;

        public void Close() => file.Dispose();

        [LibraryImport("libc", SetLastError = true)]
        private static partial int flock(SafeFileHandle fd, int operation);

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial int statx(SafeFileHandle dirfd, string path, int flags, uint mask, byte* buffer);
    }
}
