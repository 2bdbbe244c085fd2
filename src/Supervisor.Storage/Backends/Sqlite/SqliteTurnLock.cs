using System.Security.Cryptography;
using System.Text;

namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>
/// A turn held against other processes on one SQLite store: a lock file per chain and owner in a folder beside the
/// store, held open with exclusive sharing, which .NET maps to <c>flock</c> on Unix (and a sharing lock on Windows). The
/// operating system releases it when its holder dies, even by SIGKILL, so a dead holder never makes the next operation
/// wait. Never a lock on the store file itself, which SQLite locks on its own terms.
/// </summary>
internal sealed class SqliteTurnLock(FileStream file) : TurnLock
{
    private FileStream? _file = file;

    /// <summary>The folder the lock files of the store at <paramref name="storePath"/> live in.</summary>
    public static string Folder(string storePath) => storePath + ".turns";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Store, string Chain, string Owner), string> s_paths = new();

    /// <summary>Takes the lock of <paramref name="owner"/> on <paramref name="chain"/>, polling until <paramref name="deadline"/>.</summary>
    public static SqliteTurnLock Take(string storePath, string chain, string owner, DateTime deadline, CancellationToken cancellation)
    {
        var folder = Folder(storePath);
        var path = s_paths.GetOrAdd((storePath, chain, owner), k => Path.Combine(Folder(k.Store), FileName(k.Chain, k.Owner)));
        var pause = 0;
        while (true)
        {
            IOException busy;
            try
            {
                return new SqliteTurnLock(new FileStream(path, LockFileOptions));
            }
            catch (DirectoryNotFoundException)
            {
                try
                {
                    PrivateFiles.CreateFolder(folder);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new StorageException(StorageErrorCode.BackendFailure, $"cannot create the folder of turn lock files {folder} beside the store: {e.Message}", e);
                }
                continue;
            }
            catch (UnauthorizedAccessException e)
            {
                throw new StorageException(StorageErrorCode.BackendFailure, $"cannot open the turn lock file {path}: {e.Message}", e);
            }
            catch (IOException e) when (e is not (FileNotFoundException or PathTooLongException))
            {
                // Held by another process (flock's EWOULDBLOCK surfaces as a sharing violation).
                busy = e;
            }
            if (DateTime.UtcNow >= deadline)
                throw new StorageException(StorageErrorCode.DeadlinePassed,
                    $"waited until the time limit for the turn of \"{owner}\" on chain \"{chain}\", which another process holds (lock file {path}: {busy.Message})");
            cancellation.ThrowIfCancellationRequested();
            // Short pauses first: most turns are held for a call of a few microseconds.
            if (pause < 10) Thread.Yield();
            else Thread.Sleep(pause < 20 ? 0 : 1);
            pause++;
        }
    }

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

    public override void Dispose() => Interlocked.Exchange(ref _file, null)?.Dispose();
}
