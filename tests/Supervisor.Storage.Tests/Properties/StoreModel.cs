using System.Text;
using Supervisor.Storage;

namespace Supervisor.Storage.Tests.Properties;

/// <summary>A bucket the property tests use: its identity parts and who is charged for it.</summary>
public sealed record ModelBucket(string Service, string Name, DbMode Mode)
{
    /// <summary>The service charged (clientdata's records are charged to the caller it keeps them for).</summary>
    public string Owner => Service == Names.ClientData ? Name : Service;

    public bool Transactional => Mode == DbMode.Transactional;

    public override string ToString() => $"{Service}/{Name}/{(Transactional ? "trx" : "non-trx")}";
}

/// <summary>What the model predicts for one call: a refusal with a code, or success with a result.</summary>
public readonly record struct Outcome(StorageErrorCode? Error, object? Result)
{
    public static Outcome Fails(StorageErrorCode code) => new(code, null);

    public static Outcome Ok(object? result = null) => new(null, result);
}

/// <summary>
/// The simplest store that keeps the specification: a dictionary per (duration, bucket), plus the
/// current operation's transactional writes as an overlay. Written from the spec, not from the code:
/// limits are checked first, a refused write changes nothing, quotas are per owner and duration.
/// </summary>
public sealed class StoreModel
{
    private readonly Dictionary<(StorageDuration, int), SortedDictionary<string, byte[]>> _data = new();
    private readonly Dictionary<int, SortedDictionary<string, byte[]?>> _pending = new();

    public StoreModel(IReadOnlyList<ModelBucket> buckets, ModelLimits limits)
    {
        Buckets = buckets;
        Limits = limits;
    }

    public IReadOnlyList<ModelBucket> Buckets { get; }

    public ModelLimits Limits { get; }

    /// <summary>The duration the current operation's transactional buckets use.</summary>
    public StorageDuration TrxDuration { get; private set; }

    public static int CompareUtf8(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    private SortedDictionary<string, byte[]> Data(StorageDuration d, int bucket)
    {
        if (!_data.TryGetValue((d, bucket), out var map))
            _data[(d, bucket)] = map = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        return map;
    }

    public void BeginOperation(StorageDuration trxDuration)
    {
        TrxDuration = trxDuration;
        _pending.Clear();
    }

    /// <summary>The operation failed: its transactional writes and ephemeral data go.</summary>
    public void FailOperation()
    {
        _pending.Clear();
        DropDuration(StorageDuration.Ephemeral);
    }

    /// <summary>Commits the transactional overlay atomically, or refuses all of it over quota.</summary>
    public Outcome CommitOperation()
    {
        var writes = _pending.SelectMany(p => p.Value.Select(w => (Bucket: p.Key, w.Key, w.Value))).ToList();
        var error = QuotaError(TrxDuration, writes);
        if (error is null)
            foreach (var (b, k, v) in writes) Put(TrxDuration, b, k, v);
        _pending.Clear();
        DropDuration(StorageDuration.Ephemeral);
        return error is null ? Outcome.Ok() : Outcome.Fails(error.Value);
    }

    /// <summary>A new session (and, when the persistent backend does not survive, a new store).</summary>
    public void Reopen(bool persistentSurvives)
    {
        DropDuration(StorageDuration.Session);
        if (!persistentSurvives) DropDuration(StorageDuration.Persistent);
    }

    private void DropDuration(StorageDuration d)
    {
        foreach (var k in _data.Keys.Where(k => k.Item1 == d).ToList()) _data.Remove(k);
    }

    /// <summary>The committed records of a bucket (what a fresh operation sees), in UTF-8 order.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Committed(StorageDuration d, int bucket) =>
        Data(d, bucket).OrderBy(kv => kv.Key, Comparer<string>.Create(CompareUtf8)).ToList();

    // ---- reads through the overlay ----

    private StorageDuration Dur(int bucket, StorageDuration d) => Buckets[bucket].Transactional ? TrxDuration : d;

    public byte[]? Read(int bucket, StorageDuration d, string key)
    {
        d = Dur(bucket, d);
        if (Buckets[bucket].Transactional && _pending.TryGetValue(bucket, out var p) && p.TryGetValue(key, out var v)) return v;
        return Data(d, bucket).GetValueOrDefault(key);
    }

    public List<string> VisibleKeys(int bucket, StorageDuration d)
    {
        d = Dur(bucket, d);
        var keys = new HashSet<string>(Data(d, bucket).Keys, StringComparer.Ordinal);
        if (Buckets[bucket].Transactional && _pending.TryGetValue(bucket, out var p))
            foreach (var (k, v) in p)
                if (v is null) keys.Remove(k);
                else keys.Add(k);
        return keys.OrderBy(k => k, Comparer<string>.Create(CompareUtf8)).ToList();
    }

    // ---- validation, in the order the spec lists limits ----

    public StorageErrorCode? KeyError(string key)
    {
        int n;
        try
        {
            n = new UTF8Encoding(false, true).GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            return StorageErrorCode.InvalidKey;
        }
        return n > Limits.MaxKeyBytes ? StorageErrorCode.KeyTooLarge : null;
    }

    public StorageErrorCode? ValueError(byte[] value) => value.Length > Limits.MaxValueBytes ? StorageErrorCode.ValueTooLarge : null;

    public StorageErrorCode? BatchError(int count) => count > Limits.MaxBatchSize ? StorageErrorCode.InvalidArgument : null;

    private static long? ParseCounter(byte[]? v)
    {
        if (v is null) return 0;
        var s = Encoding.UTF8.GetString(v);
        if (!System.Text.RegularExpressions.Regex.IsMatch(s, @"\A-?[0-9]{1,19}\z")) return null;
        return long.TryParse(s, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    // ---- quota: per (duration, chain, owner), on the state after the write ----

    private StorageErrorCode? QuotaError(StorageDuration d, IReadOnlyList<(int Bucket, string Key, byte[]? Value)> writes)
    {
        if (writes.Count == 0) return null;
        foreach (var owner in writes.Select(w => Buckets[w.Bucket].Owner).Distinct())
        {
            var (bytesBefore, itemsBefore) = Usage(d, owner, null);
            var (bytesAfter, itemsAfter) = Usage(d, owner, writes);
            if (Limits.QuotaBytes > 0 && bytesAfter > bytesBefore && bytesAfter > Limits.QuotaBytes) return StorageErrorCode.QuotaExceeded;
            if (Limits.QuotaItems > 0 && itemsAfter > itemsBefore && itemsAfter > Limits.QuotaItems) return StorageErrorCode.QuotaExceeded;
        }
        return null;
    }

    private (long Bytes, long Items) Usage(StorageDuration d, string owner, IReadOnlyList<(int Bucket, string Key, byte[]? Value)>? writes)
    {
        long bytes = 0, items = 0;
        for (var b = 0; b < Buckets.Count; b++)
        {
            if (Buckets[b].Owner != owner) continue;
            var map = new Dictionary<string, byte[]>(Data(d, b), StringComparer.Ordinal);
            if (writes is not null)
                foreach (var w in writes.Where(w => w.Bucket == b))
                    if (w.Value is null) map.Remove(w.Key);
                    else map[w.Key] = w.Value;
            foreach (var (k, v) in map)
            {
                bytes += Encoding.UTF8.GetByteCount(k) + v.Length;
                items++;
            }
        }
        return (bytes, items);
    }

    /// <summary>Writes now (non-transactional, quota checked) or into the overlay (transactional).</summary>
    private StorageErrorCode? Write(int bucket, StorageDuration d, IReadOnlyList<(string Key, byte[]? Value)> writes)
    {
        if (Buckets[bucket].Transactional)
        {
            if (!_pending.TryGetValue(bucket, out var p))
                _pending[bucket] = p = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal);
            foreach (var (k, v) in writes) p[k] = v;
            return null;
        }
        var list = writes.Select(w => (bucket, w.Key, w.Value)).ToList();
        if (QuotaError(d, list) is { } e) return e;
        foreach (var (_, k, v) in list) Put(d, bucket, k, v);
        return null;
    }

    private void Put(StorageDuration d, int bucket, string key, byte[]? value)
    {
        if (value is null) Data(d, bucket).Remove(key);
        else Data(d, bucket)[key] = value;
    }

    // ---- the bucket API ----

    public Outcome Get(int b, StorageDuration d, string key) =>
        KeyError(key) is { } e ? Outcome.Fails(e) : Outcome.Ok(Read(b, d, key));

    public Outcome Exists(int b, StorageDuration d, string key) =>
        KeyError(key) is { } e ? Outcome.Fails(e) : Outcome.Ok(Read(b, d, key) is not null);

    public Outcome Set(int b, StorageDuration d, string key, byte[] value)
    {
        if ((KeyError(key) ?? ValueError(value)) is { } e) return Outcome.Fails(e);
        return Write(b, Dur(b, d), [(key, value)]) is { } q ? Outcome.Fails(q) : Outcome.Ok();
    }

    public Outcome Delete(int b, StorageDuration d, string key)
    {
        if (KeyError(key) is { } e) return Outcome.Fails(e);
        var existed = Read(b, d, key) is not null;
        return Write(b, Dur(b, d), [(key, null)]) is { } q ? Outcome.Fails(q) : Outcome.Ok(existed);
    }

    public Outcome Increment(int b, StorageDuration d, string key, long delta)
    {
        if (KeyError(key) is { } e) return Outcome.Fails(e);
        if (ParseCounter(Read(b, d, key)) is not { } current) return Outcome.Fails(StorageErrorCode.NotAnInteger);
        long next;
        try
        {
            next = checked(current + delta);
        }
        catch (OverflowException)
        {
            return Outcome.Fails(StorageErrorCode.Overflow);
        }
        var text = Encoding.UTF8.GetBytes(next.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Write(b, Dur(b, d), [(key, text)]) is { } q ? Outcome.Fails(q) : Outcome.Ok(next);
    }

    public Outcome CompareAndSwap(int b, StorageDuration d, string key, byte[]? expected, byte[] value)
    {
        if ((KeyError(key) ?? ValueError(value)) is { } e) return Outcome.Fails(e);
        var current = Read(b, d, key);
        var matches = expected is null ? current is null : current is not null && current.AsSpan().SequenceEqual(expected);
        if (!matches) return Outcome.Ok(false);
        return Write(b, Dur(b, d), [(key, value)]) is { } q ? Outcome.Fails(q) : Outcome.Ok(true);
    }

    public Outcome GetMany(int b, StorageDuration d, IReadOnlyList<string> keys)
    {
        if ((BatchError(keys.Count) ?? keys.Select(KeyError).FirstOrDefault(x => x is not null)) is { } e) return Outcome.Fails(e);
        return Outcome.Ok(keys.Select(k => Read(b, d, k)).ToArray());
    }

    public Outcome SetMany(int b, StorageDuration d, IReadOnlyList<KeyValuePair<string, byte[]>> records)
    {
        if (BatchError(records.Count) is { } e) return Outcome.Fails(e);
        foreach (var (k, v) in records)
            if ((KeyError(k) ?? ValueError(v)) is { } f) return Outcome.Fails(f);
        return Write(b, Dur(b, d), records.Select(r => (r.Key, (byte[]?)r.Value)).ToList()) is { } q ? Outcome.Fails(q) : Outcome.Ok();
    }

    public Outcome DeleteMany(int b, StorageDuration d, IReadOnlyList<string> keys)
    {
        if ((BatchError(keys.Count) ?? keys.Select(KeyError).FirstOrDefault(x => x is not null)) is { } e) return Outcome.Fails(e);
        return Write(b, Dur(b, d), keys.Select(k => (k, (byte[]?)null)).ToList()) is { } q ? Outcome.Fails(q) : Outcome.Ok();
    }

    /// <summary>The pages a listing with <paramref name="pageSize"/> must return.</summary>
    public Outcome List(int b, StorageDuration d, int pageSize)
    {
        if (pageSize is < 1 or > 1000) return Outcome.Fails(StorageErrorCode.InvalidArgument);
        var keys = VisibleKeys(b, d);
        var pages = keys.Chunk(pageSize).Select(c => c.ToList()).ToList();
        if (pages.Count == 0) pages.Add([]);
        return Outcome.Ok(pages);
    }
}

/// <summary>The limits a property run uses (also given to the real store).</summary>
public sealed record ModelLimits(int MaxKeyBytes, int MaxValueBytes, int MaxBatchSize, long QuotaBytes, long QuotaItems)
{
    public StorageLimits ToStorageLimits() => new()
    {
        MaxKeyBytes = MaxKeyBytes, MaxValueBytes = MaxValueBytes, MaxBatchSize = MaxBatchSize, QuotaBytes = QuotaBytes, QuotaItems = QuotaItems,
    };
}
