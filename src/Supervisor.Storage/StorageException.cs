namespace Supervisor.Storage;

/// <summary>The one exception type of the storage layer; <see cref="Code"/> says why.</summary>
public sealed class StorageException : Exception
{
    /// <summary>Creates an exception with a code and a message a user can act on.</summary>
    public StorageException(StorageErrorCode code, string message, Exception? inner = null)
        : base(message, inner) => Code = code;

    /// <summary>The cause.</summary>
    public StorageErrorCode Code { get; }
}
