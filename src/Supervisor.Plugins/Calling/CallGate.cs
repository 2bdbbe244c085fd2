namespace Supervisor.Plugins.Calling;

/// <summary>
/// Counts the work in flight (anything that enters native code: calls, loads, descriptions), so disposing can stop
/// new work, interrupt what runs and wait for it before it frees a native object.
/// </summary>
internal sealed class CallGate(object owner)
{
    private readonly ManualResetEventSlim _drained = new(false);
    private int _active;
    private int _closed;

    /// <summary>True once <see cref="Close"/> was called: new work is refused.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>How much work is in flight.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Runs <paramref name="body"/> as work in flight; throws <see cref="ObjectDisposedException"/> once closed.</summary>
    public T Run<T>(Func<T> body)
    {
        Interlocked.Increment(ref _active);
        try
        {
            ObjectDisposedException.ThrowIf(IsClosed, owner);
            return body();
        }
        finally
        {
            if (Interlocked.Decrement(ref _active) == 0 && IsClosed) _drained.Set();
        }
    }

    /// <summary>Refuses new work; true for the first caller only.</summary>
    public bool Close() => Interlocked.Exchange(ref _closed, 1) == 0;

    /// <summary>Waits up to <paramref name="timeout"/> for the work in flight to end.</summary>
    public bool WaitDrained(TimeSpan timeout) => Active == 0 || _drained.Wait(timeout);
}
