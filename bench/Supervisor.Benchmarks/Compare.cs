using System.Diagnostics;
using System.Globalization;

namespace Supervisor.Benchmarks;

/// <summary>
/// Side-by-side: our path and the raw Microsoft.Data.Sqlite baseline in one process,
/// interleaved in rounds of short slices (order rotated each round) so VM noise hits all alike.
/// The ratio is (our time per op) / (raw time per op): the median of the per-round ratios.
/// </summary>
public static class Compare
{
    private sealed record Contender(string Name, Action<int> Op);

    private sealed record Result(string Name, double OpsPerSec, double MedianRatio);

    private static double SliceSeconds = 0.1;

    public static int Run(string[] args)
    {
        var seconds = 2.0;
        string? only = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds") seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--only") only = args[++i];
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: compare [--seconds N (per contender per case, default 2)] [--only set|get|increment|list]");
                return 2;
            }
        }
        var rounds = 0;
        Console.WriteLine($"compare: {seconds} s per contender per case in rounds of 100 ms slices (400 ms at 100 KiB), order rotated each round; {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"SQLite {SqliteVersion()}");
        var dir = Data.TempDir();
        var summary = new List<string>();
        try
        {
            foreach (var size in new[] { 16, 1024, 100 * 1024 })
            {
                var label = SizeLabel(size);
                // 100 KiB writes checkpoint the WAL every ~40 ops: longer slices keep that from skewing rounds.
                SliceSeconds = size > 4096 ? 0.4 : 0.1;
                rounds = Math.Max(3, (int)Math.Round(seconds / SliceSeconds));
                // Two different values, alternated per pass over the keys, so every overwrite really
                // changes the stored bytes (SQLite skips writing overflow pages whose content is unchanged).
                var values = Data.Values(size);
                byte[] V(int i) => values[((i >> 6) + 1) & 1];
                using var raw = new Raw(Path.Combine(dir, $"raw-{size}.db"), RawSchema.Rowid, size);
                using var noRowid = new Raw(Path.Combine(dir, $"norowid-{size}.db"), RawSchema.WithoutRowid, size);
                using var trig = new Raw(Path.Combine(dir, $"trig-{size}.db"), RawSchema.Triggers, size);
                using var off = new Ours(Path.Combine(dir, $"off-{size}.db"), quotas: false, size);
                using var on = new Ours(Path.Combine(dir, $"on-{size}.db"), quotas: true, size);
                static string K(int i) => Data.Keys[i & (Data.KeyCount - 1)];

                if (only is null or "set")
                {
                    var r = RunGroup($"set {label}", rounds,
                        new("raw (rowid, autocommit)", i => raw.Set(K(i), V(i))),
                        new("raw WITHOUT ROWID", i => noRowid.Set(K(i), V(i))),
                        new("raw + usage triggers", i => trig.Set(K(i), V(i))),
                        new("raw + triggers + BEGIN IMMEDIATE/COMMIT", i => trig.SetInTransaction(K(i), V(i), usageQueries: false)),
                        new("raw + triggers + tx + 2 usage reads", i => trig.SetInTransaction(K(i), V(i), usageQueries: true)),
                        new("ours, quotas off", i => off.Bucket.Set(K(i), V(i))),
                        new("ours, quotas on", i => on.Bucket.Set(K(i), V(i))));
                    summary.Add(Goal("set", label, r, 0, 5, 6));
                }
                if (only == "set-diag")
                {
                    using var big = new Raw(Path.Combine(dir, $"bigcache-{size}.db"), RawSchema.Rowid, size, cacheKiB: 32768);
                    using var trigBig = new Raw(Path.Combine(dir, $"trigbig-{size}.db"), RawSchema.Triggers, size, cacheKiB: 32768);
                    using var sized = new Raw(Path.Combine(dir, $"sized-{size}.db"), RawSchema.TriggersSizeColumn, size);
                    using var sub = new Raw(Path.Combine(dir, $"sub-{size}.db"), RawSchema.TriggersLengthSubquery, size);
                    RunGroup($"set {label}: where the trigger time goes", rounds,
                        new("raw (rowid, autocommit)", i => raw.Set(K(i), V(i))),
                        new("raw, cache_size 32 MiB", i => big.Set(K(i), V(i))),
                        new("raw + usage triggers (ours)", i => trig.Set(K(i), V(i))),
                        new("raw + usage triggers, cache_size 32 MiB", i => trigBig.Set(K(i), V(i))),
                        new("raw + triggers on a stored size column", i => sized.Set(K(i), V(i))),
                        new("raw + BEFORE triggers, subquery length(value)", i => sub.Set(K(i), V(i))),
                        new("ours, quotas off", i => off.Bucket.Set(K(i), V(i))));
                }
                if (only is null or "get")
                {
                    var r = RunGroup($"get {label}", rounds,
                        new("raw (rowid)", i => raw.Get(K(i))),
                        new("raw WITHOUT ROWID", i => noRowid.Get(K(i))),
                        new("ours, quotas off", i => off.Bucket.Get(K(i))),
                        new("ours, quotas on", i => on.Bucket.Get(K(i))));
                    summary.Add(Goal("get", label, r, 0, 2, 3));
                }
                if (size != 16) continue;
                if (only is null or "increment")
                {
                    var r = RunGroup("increment", rounds,
                        new("raw BEGIN IMMEDIATE; SELECT; UPSERT; COMMIT", _ => raw.IncrementTx()),
                        new("raw one UPSERT ... RETURNING", _ => raw.IncrementOneStatement()),
                        new("ours, quotas off", _ => off.Counters.Increment("counter", 1)),
                        new("ours, quotas on", _ => on.Counters.Increment("counter", 1)));
                    summary.Add(Goal("increment", "-", r, 0, 2, 3));
                }
                if (only is null or "list")
                {
                    var r = RunGroup("list page (100 of 1000 keys)", rounds,
                        new("raw SELECT key ... LIMIT 101", _ => raw.ListPage()),
                        new("ours, quotas off", _ => off.List.ListKeys(null, 100)),
                        new("ours, quotas on", _ => on.List.ListKeys(null, 100)));
                    summary.Add(Goal("list page", "100 keys", r, 0, 1, 2));
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
        Console.WriteLine();
        Console.WriteLine("Summary (ratio = our time per op / raw time per op; goal: get/set <= 1.2x quotas off, <= 1.5x quotas on)");
        Console.WriteLine();
        Console.WriteLine("| op | size | raw ops/s | ours off ops/s | ratio off | ours on ops/s | ratio on | goal |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var line in summary) Console.WriteLine(line);
        return 0;
    }

    private static string SqliteVersion()
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        c.Open();
        return c.ServerVersion;
    }

    private static string SizeLabel(int size) => size >= 1024 ? $"{size / 1024} KiB" : $"{size} B";

    private static string Goal(string op, string size, Result[] r, int raw, int off, int on)
    {
        var goal = op is "get" or "set"
            ? (r[off].MedianRatio <= 1.2 ? "off ok" : "off MISS") + ", " + (r[on].MedianRatio <= 1.5 ? "on ok" : "on MISS")
            : "(no goal)";
        return $"| {op} | {size} | {r[raw].OpsPerSec:N0} | {r[off].OpsPerSec:N0} | {r[off].MedianRatio:F2} | {r[on].OpsPerSec:N0} | {r[on].MedianRatio:F2} | {goal} |";
    }

    private static Result[] RunGroup(string title, int rounds, params Contender[] cs)
    {
        var n = cs.Length;
        var ops = new long[n];
        var ticks = new long[n];
        var perRound = new double[n][];
        for (var c = 0; c < n; c++) perRound[c] = new double[rounds];
        var counter = 0;
        // Warm up (JIT, caches, WAL) with one slice each.
        for (var c = 0; c < n; c++) Slice(cs[c], ref counter, out _, out _);
        for (var round = 0; round < rounds; round++)
        {
            for (var j = 0; j < n; j++)
            {
                var c = (j + round) % n;
                Slice(cs[c], ref counter, out var o, out var t);
                ops[c] += o;
                ticks[c] += t;
                perRound[c][round] = (double)t / o; // ticks per op
            }
        }
        var results = new Result[n];
        Console.WriteLine();
        Console.WriteLine($"## {title}");
        Console.WriteLine("| contender | ops/s | us/op | ratio vs first (median of rounds) |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        for (var c = 0; c < n; c++)
        {
            var ratios = new double[rounds];
            for (var r = 0; r < rounds; r++) ratios[r] = perRound[c][r] / perRound[0][r];
            Array.Sort(ratios);
            var median = ratios[rounds / 2];
            var opsPerSec = ops[c] / ((double)ticks[c] / Stopwatch.Frequency);
            results[c] = new Result(cs[c].Name, opsPerSec, median);
            Console.WriteLine($"| {cs[c].Name} | {opsPerSec:N0} | {1e6 / opsPerSec:F2} | {median:F2} |");
        }
        return results;
    }

    private static void Slice(Contender c, ref int counter, out long ops, out long ticks)
    {
        var limit = (long)(SliceSeconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        long now;
        ops = 0;
        do
        {
            c.Op(counter++);
            ops++;
            now = Stopwatch.GetTimestamp();
        }
        while (now - start < limit);
        ticks = now - start;
    }
}
