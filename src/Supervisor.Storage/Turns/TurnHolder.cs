using Supervisor.Storage.Backends;

namespace Supervisor.Storage;

/// <summary>
/// The turns one operation holds: at most one operation at a time runs under the turn of a given owner's records, across
/// the threads of this process and, through the backend (<see cref="StorageBackend.LockTurn"/>), across processes and
/// machines sharing the store. An operation keeps each turn it takes until it is disposed, so each owner's reads and
/// writes in it are serializable. Not thread-safe: one operation runs on one thread at a time.
/// </summary>
public sealed class TurnHolder : IDisposable
{
    private readonly TurnTable _table;
    private readonly StorageBackend _backend;
    private readonly TimeSpan _maxHold;

    internal TurnHolder(StorageBackend backend, string name, TimeSpan maxHold)
    {
        _table = TurnTable.For(backend);
        _backend = backend;
        _maxHold = maxHold;
        Name = name;
    }

    /// <summary>How errors name the operation holding these turns.</summary>
    public string Name { get; }

    /// <summary>When the first turn was taken (UTC), or null while none is held.</summary>
    public DateTime? Since { get; private set; }

    /// <summary>True once another operation took these turns because they were held past the bound; the operation must fail.</summary>
    public bool Revoked { get; internal set; }

    /// <summary>How many turns are held.</summary>
    public int Count => _table.CountHeld(this);

    /// <summary>The keys held, each with its cross-process lock (guarded by the table).</summary>
    internal Dictionary<TurnKey, TurnLock?> Held { get; } = new();

    /// <summary>The key this holder waits for (guarded by the table).</summary>
    internal TurnKey? WaitingFor { get; set; }

    /// <summary>When another operation may take these turns: the bound after the first was taken.</summary>
    internal DateTime ExpiresAt => Since is { } since ? since + _maxHold : DateTime.MaxValue;

    /// <summary>True when the turn of <paramref name="owner"/>'s records on <paramref name="chain"/> is held.</summary>
    public bool Holds(string chain, string owner) => _table.IsHeld(this, new TurnKey(chain, owner));

    /// <summary>Takes the turn of <paramref name="owner"/>'s records on <paramref name="chain"/>, waiting until <paramref name="deadline"/> (UTC) at most.</summary>
    /// <exception cref="StorageException">
    /// <see cref="StorageErrorCode.Deadlock"/>: waiting would close a cycle of operations in this process (named);
    /// <see cref="StorageErrorCode.DeadlinePassed"/>: the deadline passed first (names the owner waited for);
    /// <see cref="StorageErrorCode.OperationEnded"/>: these turns were taken away, held past the bound.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled while waiting.</exception>
    public void Enter(string chain, string owner, DateTime deadline, CancellationToken cancellation = default)
    {
        ThrowIfRevoked();
        var key = new TurnKey(chain, owner);
        if (_table.IsHeld(this, key)) return;
        _table.Acquire(this, key, deadline, cancellation);
        try
        {
            _table.Attach(this, key, _backend.LockTurn(chain, owner, deadline, cancellation));
        }
        catch
        {
            _table.Release(this, key);
            throw;
        }
        Since ??= DateTime.UtcNow;
    }

    /// <summary>Throws when these turns were taken away (held past the bound).</summary>
    public void ThrowIfRevoked()
    {
        if (Revoked)
            throw new StorageException(StorageErrorCode.OperationEnded,
                $"{Name} held its turns for more than {_maxHold.TotalSeconds:0.###} s, so another operation took them; it fails");
    }

    /// <summary>Releases every turn held; the holder may take turns again after.</summary>
    public void Dispose()
    {
        _table.ReleaseAll(this);
        Since = null;
    }
}
