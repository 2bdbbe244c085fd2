using System.Collections.Concurrent;
using System.Text;
using CsCheck;
using Supervisor.Storage;
using Supervisor.Testing;
using Xunit.Abstractions;

namespace Supervisor.Storage.Tests.Properties;

public enum ActKind { Set, Get, Exists, Delete, List, Increment, Cas, GetMany, SetMany, DeleteMany }

/// <summary>
/// One call on a bucket. Single-key calls use <c>Keys[0]</c> and <c>Values[0]</c>; batches use all keys
/// (values cycle). <c>CasExpect</c>: 0 expects absent, 1 the current value, 2 <c>Values[^1]</c>.
/// </summary>
public sealed record Act(ActKind Kind, int Bucket, StorageDuration Duration, string[] Keys, byte[][] Values, long Delta, int PageSize, int CasExpect)
{
    public string Describe(IReadOnlyList<ModelBucket> buckets, StorageDuration trx)
    {
        var d = buckets[Bucket].Transactional ? trx : Duration;
        var where = $"{buckets[Bucket]}/{d}";
        string K(string k) => "\"" + Escape(k) + "\"";
        return Kind switch
        {
            ActKind.Set => $"Set {where} {K(Keys[0])} = {V(Values[0])}",
            ActKind.Get or ActKind.Exists or ActKind.Delete => $"{Kind} {where} {K(Keys[0])}",
            ActKind.List => $"List {where} pageSize={PageSize}",
            ActKind.Increment => $"Increment {where} {K(Keys[0])} by {Delta}",
            ActKind.Cas => $"Cas {where} {K(Keys[0])} expect={(CasExpect == 0 ? "absent" : CasExpect == 1 ? "current" : V(Values[^1]))} new={V(Values[0])}",
            ActKind.SetMany => $"SetMany {where} [{string.Join(", ", Keys.Select((k, i) => K(k) + "=" + V(Values[i % Values.Length])))}]",
            _ => $"{Kind} {where} [{string.Join(", ", Keys.Select(K))}]",
        };
    }

    internal static string Escape(string s) =>
        string.Concat(s.Select(c => c < 0x20 || c is >= '\uE000' and <= '\uF8FF' or '\uFFFD' ? $"\\u{(int)c:x4}" : c.ToString()));

    internal static string V(byte[] v)
    {
        if (v.Length > 12) return $"<{v.Length} bytes>";
        return v.All(b => b is >= 0x20 and < 0x7f) ? "'" + Encoding.ASCII.GetString(v) + "'" : "0x" + Convert.ToHexString(v);
    }
}

/// <summary>One operation: its calls, then commit or fail; optionally the store (and session) are reopened first.</summary>
public sealed record Block(bool ReopenFirst, StorageDuration TrxDuration, Act[] Acts, bool Commit);

/// <summary>
/// Random sequences of operations through the public store API, checked call by call against
/// <see cref="StoreModel"/>, over the SQLite and the memory backend. CsCheck shrinks a failure to a
/// short sequence and prints it (each block on a line, each call indented).
/// </summary>
public sealed class StorePropertyTests(ITestOutputHelper output)
{
    private const string Chain = "c";

    internal static readonly ModelBucket[] Buckets =
    [
        new("alpha", "b1", DbMode.NonTransactional),
        new("alpha", "b1", DbMode.Transactional),
        new("alpha", "b2", DbMode.Transactional),
        new("beta", "b1", DbMode.NonTransactional),
        new(Names.ClientData, "alpha", DbMode.NonTransactional), // charged to alpha
    ];

    // Limits small enough that every refusal is common; each run draws its quotas (0 = unlimited).
    // A byte quota stays above half of what one operation can buffer (4 calls x 2 writes x at most
    // 4 x 3 + 64 counted bytes), so the store's buffer cap (twice the byte quota) is never reached here.
    private static readonly Gen<ModelLimits> GenLimits = Gen.Frequency(
            (6, Gen.Const((320L, 0L))), (1, Gen.Const((0L, 5L))), (1, Gen.Const((0L, 12L))), (1, Gen.Const((320L, 12L))), (1, Gen.Const((0L, 0L))))
        .Select(q => new ModelLimits(MaxKeyBytes: 12, MaxValueBytes: 64, MaxBatchSize: 2, QuotaBytes: q.Item1, QuotaItems: q.Item2));

    // Keys: ASCII, NUL, 2-, 3- and 4-byte UTF-8 (surrogate pairs sort after U+E000..U+FFFF in UTF-8),
    // one exactly at the 12-byte limit, two over it (one of them multi-byte). Valid keys are at most
    // 4 UTF-16 chars, which bounds what the store counts against its transactional buffer cap.
    internal static readonly string[] KeyPool =
        ["a", "b", "ab", "a\0", "é", "日本", "\U0001F600", "\uE000", "\uFFFD", "z", "日本語日", "k-too-long-13", "日本語日本"];

    internal static readonly byte[][] ValuePool =
    [
        [], "0"u8.ToArray(), "7"u8.ToArray(), "-12"u8.ToArray(), "9223372036854775807"u8.ToArray(), "-9223372036854775808"u8.ToArray(),
        "x"u8.ToArray(), " 5"u8.ToArray(), "+5"u8.ToArray(), "-"u8.ToArray(), [0, 255, 128],
    ];

    private static readonly long[] Deltas = [1, -1, 3, 0, 1000, long.MaxValue, long.MinValue, -9_000_000_000_000_000_000, long.MaxValue, long.MinValue];

    private static readonly Gen<string> GenKey = Gen.Frequency(
        (30, Gen.Int[0, KeyPool.Length - 3].Select(i => KeyPool[i])),
        (1, Gen.Int[KeyPool.Length - 2, KeyPool.Length - 1].Select(i => KeyPool[i])));

    private static readonly Gen<byte[]> GenValue = Gen.Frequency(
        (8, Gen.Int[0, ValuePool.Length - 1].Select(i => ValuePool[i])),
        (3, Gen.Byte.Array[0, 64]),
        (6, Gen.Byte.Array[56, 64]),
        (1, Gen.Byte.Array[65, 70]));

    private static readonly Gen<Act> GenAct = Gen.Select(
        Gen.Frequency((5, Gen.Const(ActKind.Set)), (2, Gen.Const(ActKind.Get)), (1, Gen.Const(ActKind.Exists)), (2, Gen.Const(ActKind.Delete)),
            (1, Gen.Const(ActKind.List)), (4, Gen.Const(ActKind.Increment)), (2, Gen.Const(ActKind.Cas)), (1, Gen.Const(ActKind.GetMany)),
            (3, Gen.Const(ActKind.SetMany)), (1, Gen.Const(ActKind.DeleteMany))),
        Gen.Int[0, Buckets.Length - 1],
        Gen.Frequency((3, Gen.Const(StorageDuration.Persistent)), (2, Gen.Const(StorageDuration.Session)), (1, Gen.Const(StorageDuration.Ephemeral))),
        GenKey.Array[1, 3],
        GenValue.Array[1, 3],
        Gen.Int[0, Deltas.Length - 1].Select(i => Deltas[i]),
        Gen.Frequency((8, Gen.Int[1, 6]), (1, Gen.OneOf(Gen.Const(0), Gen.Const(1000), Gen.Const(1001), Gen.Const(-1)))),
        Gen.Int[0, 2],
        (kind, bucket, duration, keys, values, delta, page, cas) => new Act(kind, bucket, duration, keys, values, delta, page, cas));

    private static readonly Gen<Block> GenBlock = Gen.Select(
        Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true))),
        Gen.Int[0, 2].Select(i => (StorageDuration)i),
        GenAct.Array[0, 4],
        Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(false))),
        (reopen, trx, acts, commit) => new Block(reopen, trx, acts, commit));

    private static readonly Gen<(ModelLimits Limits, Block[] Blocks)> GenRun = Gen.Select(GenLimits, GenBlock.Array[1, 40]);

    private readonly ConcurrentDictionary<string, int> _seen = new();

    [Fact, Rule("PDP-STORE-1", "PDP-STORE-2", "PDP-STORE-3", "PDP-STORE-4", "PDP-LIMIT-1", "PDP-LIMIT-2", "PDP-LIMIT-3", "PDP-LIMIT-4",
        "PDP-LIST-1", "PDP-LIST-2", "PDP-INCR-1", "PDP-INCR-2", "PDP-CAS-1", "PDP-BATCH-1", "PDP-TRX-1", "PDP-TRX-2", "PDP-TRX-3",
        "PDP-DUR-1", "PDP-DUR-2", "PDP-DUR-3", "PDP-DUR-4", "PDP-QUOTA-1", "PDP-QUOTA-3")]
    public void RandomOperations_MatchTheModel_Sqlite() => Check(sqlite: true, iter: 150);

    [Fact, Rule("PDP-STORE-1", "PDP-STORE-2", "PDP-STORE-3", "PDP-STORE-4", "PDP-LIMIT-1", "PDP-LIMIT-2", "PDP-LIMIT-3", "PDP-LIMIT-4",
        "PDP-LIST-1", "PDP-LIST-2", "PDP-INCR-1", "PDP-INCR-2", "PDP-CAS-1", "PDP-BATCH-1", "PDP-TRX-1", "PDP-TRX-2", "PDP-TRX-3",
        "PDP-DUR-2", "PDP-DUR-3", "PDP-DUR-4", "PDP-QUOTA-1", "PDP-QUOTA-3")]
    public void RandomOperations_MatchTheModel_Memory() => Check(sqlite: false, iter: 600);

    private void Check(bool sqlite, int iter)
    {
        // A failure prints its seed: CsCheck_Seed=<seed> replays it. SUPERVISOR_PROPERTY_ITER runs longer
        // (CsCheck shrinks with the iterations left after the first failure, so more iterations shrink further).
        if (int.TryParse(Environment.GetEnvironmentVariable("SUPERVISOR_PROPERTY_ITER"), out var n)) iter = n;
        GenRun.Sample(run => Run(sqlite, run.Limits, run.Blocks), iter: iter, print: Print, writeLine: output.WriteLine);

        output.WriteLine("outcomes: " + string.Join(", ", _seen.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")));
        // The generator must reach every kind of refusal, or the property says little about PDP-LIMIT-4.
        foreach (var code in new[] { "quota-bytes", "quota-items", "ValueTooLarge", "KeyTooLarge", "NotAnInteger", "Overflow", "InvalidArgument", "commit-refused" })
            Assert.True(_seen.ContainsKey(code), $"the random runs never produced {code}");
    }

    private static string Print((ModelLimits Limits, Block[] Blocks) run)
    {
        var blocks = run.Blocks;
        var sb = new StringBuilder($"quota: {run.Limits.QuotaBytes} bytes, {run.Limits.QuotaItems} records");
        for (var i = 0; i < blocks.Length; i++)
        {
            var b = blocks[i];
            sb.Append('\n').Append($"op {i}{(b.ReopenFirst ? " (after reopening the store)" : "")} trx-duration={b.TrxDuration} -> {(b.Commit ? "commit" : "fail")}");
            foreach (var a in b.Acts) sb.Append("\n    ").Append(a.Describe(Buckets, b.TrxDuration));
        }
        return sb.ToString();
    }

    private void Run(bool sqlite, ModelLimits limits, Block[] blocks)
    {
        using var dir = new TempDirectory();
        KeyValueStore Open() => KeyValueStore.Create(new StorageOptions
        {
            Backend = sqlite ? "sqlite" : "memory",
            Location = sqlite ? dir.File("p.db") : null,
            Limits = limits.ToStorageLimits(),
        });
        var store = Open();
        var session = store.OpenSession();
        var model = new StoreModel(Buckets, limits);
        try
        {
            for (var bi = 0; bi < blocks.Length; bi++)
            {
                var block = blocks[bi];
                if (block.ReopenFirst)
                {
                    session.Dispose();
                    store.Dispose();
                    store = Open();
                    session = store.OpenSession();
                    model.Reopen(persistentSurvives: sqlite);
                }
                var op = session.BeginOperation();
                model.BeginOperation(block.TrxDuration);
                for (var ai = 0; ai < block.Acts.Length; ai++)
                    Execute(op, model, block.Acts[ai], block.TrxDuration, $"op {bi} call {ai}");
                if (block.Commit)
                {
                    var expected = model.CommitOperation();
                    var error = Capture(() => { op.Commit(); return null; }, out _);
                    Assert.True(expected.Error == error, $"op {bi} commit: expected {expected.Error?.ToString() ?? "success"}, got {error?.ToString() ?? "success"}");
                    Assert.Equal(expected.Error is null ? OperationState.Committed : OperationState.Failed, op.State);
                    if (error is not null) Count("commit-refused");
                }
                else
                {
                    op.Fail();
                    model.FailOperation();
                    Assert.Equal(OperationState.Failed, op.State);
                }
                op.Dispose();
                VerifyCommitted(session, model, $"after op {bi}");
            }
        }
        finally
        {
            session.Dispose();
            store.Dispose();
        }
    }

    /// <summary>A fresh operation sees exactly the model's committed records in every bucket and duration.</summary>
    private static void VerifyCommitted(StorageSession session, StoreModel model, string where)
    {
        using var op = session.BeginOperation();
        for (var b = 0; b < Buckets.Length; b++)
        {
            foreach (var d in new[] { StorageDuration.Persistent, StorageDuration.Session, StorageDuration.Ephemeral })
            {
                var bucket = op.OpenBucket(Chain, Buckets[b].Mode, d, Buckets[b].Service, Buckets[b].Name);
                var expected = model.Committed(d, b);
                var keys = new List<string>();
                byte[]? cursor = null;
                do
                {
                    var page = bucket.ListKeys(cursor, 1000);
                    keys.AddRange(page.Keys);
                    cursor = page.Cursor;
                }
                while (cursor is not null);
                Assert.True(expected.Select(kv => kv.Key).SequenceEqual(keys),
                    $"{where}: {Buckets[b]}/{d} holds [{string.Join(", ", keys.Select(Act.Escape))}], the model [{string.Join(", ", expected.Select(kv => Act.Escape(kv.Key)))}]");
                foreach (var (k, v) in expected)
                    Assert.True(v.AsSpan().SequenceEqual(bucket.Get(k)), $"{where}: {Buckets[b]}/{d} \"{Act.Escape(k)}\" differs from the model's {Act.V(v)}");
            }
        }
    }

    private void Count(string what) => _seen.AddOrUpdate(what, 1, (_, n) => n + 1);

    private StorageErrorCode? Capture(Func<object?> call, out object? result)
    {
        try
        {
            result = call();
            return null;
        }
        catch (StorageException e)
        {
            result = null;
            if (e.Code == StorageErrorCode.QuotaExceeded) Count(e.Message.Contains("records", StringComparison.Ordinal) ? "quota-items" : "quota-bytes");
            return e.Code;
        }
    }

    private void Execute(Operation op, StoreModel model, Act act, StorageDuration trx, string where)
    {
        var mb = Buckets[act.Bucket];
        var duration = mb.Transactional ? trx : act.Duration;
        var bucket = op.OpenBucket(Chain, mb.Mode, duration, mb.Service, mb.Name);
        var key = act.Keys[0];
        var value = act.Values[0];
        Outcome expected;
        Func<object?> call;
        switch (act.Kind)
        {
            case ActKind.Set:
                expected = model.Set(act.Bucket, duration, key, value);
                call = () => { bucket.Set(key, value); return null; };
                break;
            case ActKind.Get:
                expected = model.Get(act.Bucket, duration, key);
                call = () => bucket.Get(key);
                break;
            case ActKind.Exists:
                expected = model.Exists(act.Bucket, duration, key);
                call = () => bucket.Exists(key);
                break;
            case ActKind.Delete:
                expected = model.Delete(act.Bucket, duration, key);
                call = () => bucket.Delete(key);
                break;
            case ActKind.Increment:
                expected = model.Increment(act.Bucket, duration, key, act.Delta);
                call = () => bucket.Increment(key, act.Delta);
                break;
            case ActKind.Cas:
                var expectedValue = act.CasExpect switch
                {
                    0 => null,
                    1 => model.KeyError(key) is null ? model.Read(act.Bucket, duration, key) : null,
                    _ => act.Values[^1],
                };
                expected = model.CompareAndSwap(act.Bucket, duration, key, expectedValue, value);
                call = () => bucket.CompareAndSwap(key, expectedValue, value);
                break;
            case ActKind.GetMany:
                expected = model.GetMany(act.Bucket, duration, act.Keys);
                call = () => bucket.GetMany(act.Keys);
                break;
            case ActKind.SetMany:
                var records = act.Keys.Select((k, i) => new KeyValuePair<string, byte[]>(k, act.Values[i % act.Values.Length])).ToList();
                expected = model.SetMany(act.Bucket, duration, records);
                call = () => { bucket.SetMany(records); return null; };
                break;
            case ActKind.DeleteMany:
                expected = model.DeleteMany(act.Bucket, duration, act.Keys);
                call = () => { bucket.DeleteMany(act.Keys); return null; };
                break;
            case ActKind.List:
                expected = model.List(act.Bucket, duration, act.PageSize);
                call = () => ListAll(bucket, act.PageSize);
                break;
            default:
                throw new InvalidOperationException(act.Kind.ToString());
        }
        var error = Capture(call, out var actual);
        var text = act.Describe(Buckets, trx);
        Assert.True(expected.Error == error,
            $"{where} {text}: expected {expected.Error?.ToString() ?? "success"}, got {error?.ToString() ?? "success"}");
        if (error is not null)
        {
            Count(error.Value.ToString());
            return;
        }
        Count("ok");
        Assert.True(SameResult(expected.Result, actual), $"{where} {text}: expected {Show(expected.Result)}, got {Show(actual)}");
    }

    /// <summary>Lists every page, checking that each page but the last has a cursor and the last has none.</summary>
    private static List<List<string>> ListAll(Bucket bucket, int pageSize)
    {
        var pages = new List<List<string>>();
        byte[]? cursor = null;
        while (true)
        {
            var page = bucket.ListKeys(cursor, pageSize);
            pages.Add(page.Keys.ToList());
            if (page.Cursor is null) return pages;
            Assert.True(pages.Count < 100, "listing does not end");
            cursor = page.Cursor;
        }
    }

    private static bool SameResult(object? expected, object? actual) => (expected, actual) switch
    {
        (null, null) => true,
        (byte[] e, byte[] a) => e.AsSpan().SequenceEqual(a),
        (byte[]?[] e, byte[]?[] a) => e.Length == a.Length && e.Zip(a).All(p => SameResult(p.First, p.Second)),
        (List<List<string>> e, List<List<string>> a) => e.Count == a.Count && e.Zip(a).All(p => p.First.SequenceEqual(p.Second, StringComparer.Ordinal)),
        _ => Equals(expected, actual),
    };

    private static string Show(object? o) => o switch
    {
        null => "none",
        byte[] b => Act.V(b),
        byte[]?[] many => "[" + string.Join(", ", many.Select(v => v is null ? "none" : Act.V(v))) + "]",
        List<List<string>> pages => string.Join(" | ", pages.Select(p => "[" + string.Join(", ", p.Select(Act.Escape)) + "]")),
        _ => o.ToString() ?? "",
    };
}
