namespace Supervisor.Storage.Redis;

/// <summary>
/// A turn held against other processes on one Redis store: a lease key with a time to live, renewed at a third of its
/// length while held, and the fencing token the take drew. A holder that dies stops renewing, so the lease runs out and
/// the next process gets in; a holder that merely paused past it is refused by its writes' fencing checks
/// (<see cref="Scripts.Apply"/>) once a newer holder drew a greater token.
/// </summary>
internal sealed class RedisTurnLease : TurnLock
{
    private readonly RedisStorageBackend _backend;
    private readonly Timer _renewal;
    private int _released;
    private bool _lost;

    public RedisTurnLease(RedisStorageBackend backend, string chain, string owner, string holder, long token, int leaseMs)
    {
        _backend = backend;
        Chain = chain;
        Owner = owner;
        Holder = holder;
        FencingToken = token;
        var period = TimeSpan.FromMilliseconds(leaseMs / 3.0);
        _renewal = new Timer(_ => Renew(), null, period, period);
    }

    public string Chain { get; }

    public string Owner { get; }

    /// <summary>The id stored in the lease key, so renewal and release touch only this holder's lease.</summary>
    public string Holder { get; }

    public override long FencingToken { get; }

    /// <summary>Test hook: while true the timer skips renewals, as in a process paused past its lease.</summary>
    internal bool RenewalPaused { get; set; }

    private void Renew()
    {
        if (RenewalPaused || _lost || Volatile.Read(ref _released) != 0) return;
        // Once lost, renewing cannot bring it back; writes under it stay fenced by the token.
        _lost = !_backend.RenewLease(this);
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        _renewal.Dispose();
        _backend.ReleaseLease(this);
    }
}
