namespace Supervisor.Plugins.HostApi;

/// <summary>
/// The host state behind the resource handles one plugin instance holds, bounded so a plugin
/// cannot exhaust host memory by opening handles. Representations are never reused while live.
/// </summary>
internal sealed class ResourceTable
{
    private readonly Dictionary<uint, object> _entries = new();
    private uint _next;

    public ResourceTable(int capacity) => Capacity = capacity;

    public int Capacity { get; }

    public int Count => _entries.Count;

    /// <summary>Adds an entry; null when the table is full.</summary>
    public uint? TryAdd(object entry)
    {
        if (_entries.Count >= Capacity) return null;
        do
        {
            _next++;
        }
        while (_next == 0 || _entries.ContainsKey(_next));
        _entries[_next] = entry;
        return _next;
    }

    /// <summary>What a plugin is told when <see cref="TryAdd"/> finds the table full.</summary>
    public string FullMessage(string service) =>
        $"plugin \"{service}\" holds {Count} open handles; the limit is {Capacity}: drop some first";

    /// <summary>The entry of type <typeparamref name="T"/> at <paramref name="rep"/>; throws a clear error when there is none.</summary>
    public T Get<T>(uint rep) where T : class =>
        _entries.TryGetValue(rep, out var e) && e is T t ? t
            : throw new InvalidOperationException($"unknown or dropped {typeof(T).Name} handle {rep}");

    public void Remove(uint rep) => _entries.Remove(rep);

    /// <summary>Replaces the state behind a live handle.</summary>
    public void Replace(uint rep, object entry)
    {
        if (!_entries.ContainsKey(rep)) throw new InvalidOperationException($"unknown or dropped handle {rep}");
        _entries[rep] = entry;
    }

    public void Clear() => _entries.Clear();
}

/// <summary>A bucket a plugin opened through wasi:keyvalue or host:db.</summary>
internal sealed class BucketHandle(Storage.BucketId id, Storage.StorageDuration duration)
{
    // Cursor ids are unique in the process, so a cursor from another handle is never mistaken for one of this handle's.
    private static long s_nextCursor;
    private readonly Dictionary<ulong, string> _cursors = new();
    private readonly Queue<ulong> _cursorOrder = new();

    /// <summary>Most numeric cursors kept per handle; the oldest is forgotten first.</summary>
    public const int MaxCursors = 64;

    public Storage.BucketId Id { get; } = id;

    public Storage.StorageDuration Duration { get; } = duration;

    /// <summary>Stores a resume key behind a numeric cursor (wasi:keyvalue draft's <c>u64</c> cursors).</summary>
    public ulong AddCursor(string resumeAfter)
    {
        if (_cursors.Count >= MaxCursors) _cursors.Remove(_cursorOrder.Dequeue());
        var id = (ulong)Interlocked.Increment(ref s_nextCursor);
        _cursors[id] = resumeAfter;
        _cursorOrder.Enqueue(id);
        return id;
    }

    public string? Cursor(ulong id) => _cursors.GetValueOrDefault(id);
}

/// <summary>A compare-and-swap snapshot (wasi:keyvalue draft2's <c>cas</c> resource).</summary>
internal sealed class CasHandle(BucketHandle bucket, string key, byte[]? snapshot)
{
    public BucketHandle Bucket { get; } = bucket;

    public string Key { get; } = key;

    public byte[]? Snapshot { get; } = snapshot;
}
