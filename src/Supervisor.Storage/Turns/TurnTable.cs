using System.Collections.Concurrent;
using Supervisor.Storage.Backends;

namespace Supervisor.Storage;

/// <summary>The turn of one owner's records on one chain.</summary>
internal readonly record struct TurnKey(string Chain, string Owner)
{
    public override string ToString() => $"\"{Owner}\" on chain \"{Chain}\"";
}

/// <summary>
/// The turns of one store within this process: at most one <see cref="TurnHolder"/> holds a key at a time; the others
/// wait, in a wait-for graph checked for cycles each time one starts to wait, so a deadlock fails at once instead of at
/// a time limit. One table per store identity (<see cref="StorageBackend.TurnScope"/>), so two stores opened on one
/// file share it.
/// </summary>
internal sealed class TurnTable
{
    private static readonly ConcurrentDictionary<string, TurnTable> s_tables = new(StringComparer.Ordinal);

    /// <summary>A key's holder and waiters; waiters sleep on the entry itself, so a release wakes only its own key's.</summary>
    private sealed class Entry
    {
        public TurnHolder? Holder;
        public int Waiters;

        /// <summary>Bumped at each release (under the table's lock), so a waiter that missed the pulse does not sleep.</summary>
        public long Releases;
    }

    private readonly object _gate = new();
    private readonly Dictionary<TurnKey, Entry> _entries = new();

    /// <summary>
    /// The longest a waiter sleeps before it looks again (for its cancellation, an expired holder, or a release it missed);
    /// a release wakes one waiter at once. Tests lengthen it to show that waits end by a release or a deadline, not by it.
    /// </summary>
    internal TimeSpan WaitSlice { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The table of the store <paramref name="backend"/> serves.</summary>
    public static TurnTable For(StorageBackend backend) => backend.Turns ??= s_tables.GetOrAdd(backend.TurnScope, _ => new TurnTable());

    /// <summary>Gives <paramref name="key"/> to <paramref name="holder"/> once no other holder has it.</summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.Deadlock"/> naming the cycle, or <see cref="StorageErrorCode.DeadlinePassed"/> naming the owner waited for.</exception>
    public void Acquire(TurnHolder holder, TurnKey key, DateTime deadline, CancellationToken cancellation)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry)) _entries[key] = entry = new Entry();
            entry.Waiters++;
            try
            {
                while (entry.Holder is { } other && other != holder)
                {
                    if (other.ExpiresAt <= DateTime.UtcNow)
                    {
                        // A group past its bound loses its turns; it fails at its next call or at completion.
                        RevokeLocked(other);
                        continue;
                    }
                    if (Cycle(holder, key) is { } cycle)
                        throw new StorageException(StorageErrorCode.Deadlock,
                            $"deadlock: {holder.Name} waits for the turn of {key.Owner}, which waits in turn for {string.Join(", which waits for ", cycle)}, which {holder.Name} holds; {holder.Name} fails so the others go on");
                    var wait = deadline - DateTime.UtcNow;
                    if (wait <= TimeSpan.Zero)
                        throw new StorageException(StorageErrorCode.DeadlinePassed,
                            $"{holder.Name} waited for the turn of {key} until its time limit; {other.Name} held it");
                    cancellation.ThrowIfCancellationRequested();
                    holder.WaitingFor = key;
                    WaitForRelease(entry, wait < WaitSlice ? wait : WaitSlice);
                }
                entry.Holder = holder;
                holder.Held.Add(key, null);
            }
            finally
            {
                holder.WaitingFor = null;
                entry.Waiters--;
                if (entry.Holder is null && entry.Waiters == 0) _entries.Remove(key);
            }
        }
    }

    /// <summary>
    /// Sleeps until <paramref name="entry"/>'s next release or <paramref name="slice"/>, outside the table's lock (called
    /// holding it; holds it again on return). The timeout bounds how late a cancellation or an expired holder is seen.
    /// </summary>
    private void WaitForRelease(Entry entry, TimeSpan slice)
    {
        long seen;
        lock (entry) seen = entry.Releases;
        Monitor.Exit(_gate);
        try
        {
            lock (entry)
                if (entry.Releases == seen) Monitor.Wait(entry, slice);
        }
        finally
        {
            Monitor.Enter(_gate);
        }
    }

    /// <summary>The owners on a cycle of waits that starts at <paramref name="wanted"/> and ends at a key <paramref name="holder"/> holds, or null.</summary>
    private List<string>? Cycle(TurnHolder holder, TurnKey wanted)
    {
        var path = new List<string>();
        var seen = new HashSet<TurnHolder>();
        var key = wanted;
        while (_entries.TryGetValue(key, out var entry) && entry.Holder is { } next && seen.Add(next))
        {
            if (next == holder) return path.Count == 0 ? null : path;
            if (next.WaitingFor is not { } waits) return null;
            path.Add(waits.Owner);
            key = waits;
        }
        return null;
    }

    /// <summary>True when <paramref name="holder"/> holds <paramref name="key"/> (a revocation may change it from another thread).</summary>
    public bool IsHeld(TurnHolder holder, TurnKey key)
    {
        lock (_gate) return holder.Held.ContainsKey(key);
    }

    /// <summary>How many keys the table tracks: those held or waited for, none other (a key is forgotten once free).</summary>
    internal int KeyCount
    {
        get
        {
            lock (_gate) return _entries.Count;
        }
    }

    /// <summary>How many turns <paramref name="holder"/> holds.</summary>
    public int CountHeld(TurnHolder holder)
    {
        lock (_gate) return holder.Held.Count;
    }

    /// <summary>Records the cross-process lock taken for a key <paramref name="holder"/> holds.</summary>
    public void Attach(TurnHolder holder, TurnKey key, TurnLock? crossProcess)
    {
        lock (_gate)
        {
            if (holder.Held.ContainsKey(key)) holder.Held[key] = crossProcess;
            else crossProcess?.Dispose();
        }
    }

    /// <summary>Releases one key of <paramref name="holder"/>'s (after a failed cross-process lock).</summary>
    public void Release(TurnHolder holder, TurnKey key)
    {
        lock (_gate) ReleaseLocked(holder, key);
    }

    /// <summary>
    /// Releases every turn <paramref name="holder"/> holds: first its cross-process locks, outside the table's lock (closing
    /// a lock file or a round trip to Redis would otherwise make every plugin of the store wait for it), then the keys.
    /// </summary>
    public void ReleaseAll(TurnHolder holder)
    {
        List<TurnLock> crossProcess;
        lock (_gate)
        {
            crossProcess = [.. holder.Held.Values.OfType<TurnLock>()];
            foreach (var key in holder.Held.Keys.ToList()) holder.Held[key] = null; // a revocation meanwhile must not release them twice
        }
        try
        {
            foreach (var l in crossProcess) l.Dispose();
        }
        finally
        {
            lock (_gate)
                foreach (var key in holder.Held.Keys.ToList()) ReleaseLocked(holder, key);
        }
    }

    private void RevokeLocked(TurnHolder holder)
    {
        holder.Revoked = true;
        foreach (var key in holder.Held.Keys.ToList()) ReleaseLocked(holder, key);
    }

    private void ReleaseLocked(TurnHolder holder, TurnKey key)
    {
        if (!holder.Held.Remove(key, out var crossProcess)) return;
        crossProcess?.Dispose();
        if (_entries.TryGetValue(key, out var entry) && entry.Holder == holder)
        {
            entry.Holder = null;
            if (entry.Waiters == 0) _entries.Remove(key);
            else
            {
                // One waiter at a time: waking every thread that waits for a busy plugin (a hub) would have them all
                // compete for the table's lock with the one that gets it. One that wakes and gives up leaves the next
                // to its timeout.
                lock (entry)
                {
                    entry.Releases++;
                    Monitor.Pulse(entry);
                }
            }
        }
    }
}
