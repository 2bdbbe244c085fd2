using System.Diagnostics;
using System.Globalization;
using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Benchmarks;

/// <summary>Where the plugins the benchmarks load live: the repository's JS build output and WAT fixtures.</summary>
public static class PluginFiles
{
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Supervisor.sln"))) return dir.FullName;
        throw new InvalidOperationException("Supervisor.sln not found above the benchmark or the current directory");
    }

    public static string JsPlugin(string service)
    {
        var file = Path.Combine(RepoRoot, "artifacts", "plugins", service, "plugin.wasm");
        if (!File.Exists(file))
            throw new FileNotFoundException($"{file} is missing: run `npm ci && npm run build:plugins` in {RepoRoot} first", file);
        return file;
    }

    public static string WatFixture(string service) =>
        Path.Combine(RepoRoot, "tests", "Supervisor.Plugins.Tests", "Fixtures", "plugins", service, "plugin.wat");

    /// <summary>A plugin directory in <paramref name="dir"/> linking the given services' files.</summary>
    public static string PluginDirectory(string dir, params string[] services)
    {
        var root = Path.Combine(dir, "plugins");
        foreach (var service in services)
        {
            var file = service.StartsWith('w') ? WatFixture(service) : JsPlugin(service);
            var link = Path.Combine(root, service, "plugin" + Path.GetExtension(file));
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            if (!File.Exists(link)) File.CreateSymbolicLink(link, file);
        }
        return root;
    }

    /// <summary>The compile cache the tests share, so the 12 MB plugins compile once per machine.</summary>
    public static string SharedCache =>
        Environment.GetEnvironmentVariable("SUPERVISOR_TEST_CACHE") is { Length: > 0 } c ? c : Path.Combine(Path.GetTempPath(), "supervisor-test-cache");
}

/// <summary>
/// Plugin -> clientdata -> SQLite set/get ops/s (byte adapter on and off) beside the storage engine and raw Microsoft.Data.Sqlite,
/// all in one process, interleaved in rounds (order rotated each round) so VM noise hits all alike.
/// Plugins loop inside the guest (<c>bench-set(count, size)</c> / <c>bench-get(count)</c>): one call = count ops.
/// The WAT plugin is wtable (walpha's code in wit-component's layout, so the byte adapter is spliced into it, as
/// into jsnotes); <c>adapter</c> and <c>adapter-breakdown</c> also measure walpha, which gets the nested adapter.
/// </summary>
public static class PluginBench
{
    private sealed record Contender(string Name, Func<long> Batch);

    private sealed record Result(string Name, double OpsPerSec, double[] UsPerOpByRound);

    /// <summary>psibase's browser path (jco plugin, localStorage + base64, Chromium), ops/s, as measured in a browser for comparison.</summary>
    private static readonly Dictionary<(string, int), double> Psibase = new()
    {
        [("set", 16)] = 15_000, [("get", 16)] = 83_000,
        [("set", 1024)] = 10_000, [("get", 1024)] = 13_500,
        [("set", 65536)] = 630, [("get", 65536)] = 280,
    };

    public static int Run(string[] args)
    {
        var seconds = 2.0;
        var sizes = new[] { 16, 1024, 64 * 1024, 100 * 1024 };
        var diagnostics = true;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds") seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--sizes") sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            else if (args[i] == "--no-diag") diagnostics = false;
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: plugins [--seconds N (per contender per case, default 2)] [--sizes 16,1024,65536,102400] [--no-diag]");
                return 2;
            }
        }
        Console.WriteLine($"plugins: {seconds} s per contender per case, rounds of ~0.25 s slices, order rotated each round; {Environment.ProcessorCount} cores; " +
                          $"load average {LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var dir = Data.TempDir();
        var summary = new List<string>();
        try
        {
            var plugins = PluginFiles.PluginDirectory(dir, "wtable", "jsnotes");
            foreach (var size in sizes)
            {
                // Keys k0..k<count-1> are distinct; at most 32 x 100 KiB = 3.2 MiB per plugin stays under the
                // default 10 MiB quota, so the plugin path and the engine run with the default limits (quotas on).
                var count = size switch { <= 1024 => 1000, <= 65536 => 50, _ => 32 };
                var label = SizeLabel(size);
                var value = new byte[size];
                Array.Fill(value, (byte)0x76); // what walpha's bench-set writes
                var keys = Enumerable.Range(0, count).Select(i => $"k{i}").ToArray();

                using var wat = Open(Path.Combine(dir, $"wat-{size}.db"), plugins);
                using var js = Open(Path.Combine(dir, $"js-{size}.db"), plugins);
                using var watOff = Open(Path.Combine(dir, $"wat-off-{size}.db"), plugins, adapter: false);
                using var jsOff = Open(Path.Combine(dir, $"js-off-{size}.db"), plugins, adapter: false);
                using var watMem = diagnostics ? Open(null, plugins) : null;
                using var jsMem = diagnostics ? Open(null, plugins) : null;
                using var engine = new Engine(Path.Combine(dir, $"engine-{size}.db"), "sqlite");
                using var engineMem = diagnostics ? new Engine(null, "memory") : null;
                using var raw = new Raw(Path.Combine(dir, $"raw-{size}.db"), RawSchema.Rowid, size);

                uint usize = (uint)size, ucount = (uint)count;
                var watSet = new Contender("WAT plugin (wtable, in-guest loop) -> SQLite", () => Calls(wat, "wtable", "bench-set", ucount, usize, count));
                var jsSet = new Contender("JS plugin (jsnotes, in-guest loop) -> SQLite", () => Calls(js, "jsnotes", "bench-set", ucount, usize, count));
                var engSet = new Contender("engine direct (Bucket.Set, quotas on)", () => Loop(count, i => engine.Bucket.Set(keys[i], value)));
                var rawSet = new Contender("raw Microsoft.Data.Sqlite upsert", () => Loop(count, i => raw.Set(keys[i], value)));
                var watGet = new Contender("WAT plugin (wtable, in-guest loop) -> SQLite", () => Calls(wat, "wtable", "bench-get", ucount, null, count, (long)count * size));
                var jsGet = new Contender("JS plugin (jsnotes, in-guest loop) -> SQLite", () => Calls(js, "jsnotes", "bench-get", ucount, null, count, (long)count * size));
                var engGet = new Contender("engine direct (Bucket.Get)", () => Loop(count, i => engine.Bucket.Get(keys[i])));
                var rawGet = new Contender("raw Microsoft.Data.Sqlite SELECT", () => Loop(count, i => raw.Get(keys[i])));
                var watSetOff = new Contender("WAT plugin, byte adapter off (list<u8> path)", () => Calls(watOff, "wtable", "bench-set", ucount, usize, count));
                var jsSetOff = new Contender("JS plugin, byte adapter off (list<u8> path)", () => Calls(jsOff, "jsnotes", "bench-set", ucount, usize, count));
                var watGetOff = new Contender("WAT plugin, byte adapter off (list<u8> path)", () => Calls(watOff, "wtable", "bench-get", ucount, null, count, (long)count * size));
                var jsGetOff = new Contender("JS plugin, byte adapter off (list<u8> path)", () => Calls(jsOff, "jsnotes", "bench-get", ucount, null, count, (long)count * size));
                var setList = new List<Contender> { rawSet, engSet, watSet, jsSet, watSetOff, jsSetOff };
                var getList = new List<Contender> { rawGet, engGet, watGet, jsGet, watGetOff, jsGetOff };
                if (diagnostics)
                {
                    setList.Add(new("diag: WAT plugin -> memory backend", () => Calls(watMem!, "wtable", "bench-set", ucount, usize, count)));
                    setList.Add(new("diag: engine, OpenBucket per op (as the host function does) + Set", () => Loop(count, i => engine.Reopen().Set(keys[i], value))));
                    setList.Add(new("diag: JS plugin -> memory backend", () => Calls(jsMem!, "jsnotes", "bench-set", ucount, usize, count)));
                    setList.Add(new("diag: engine direct -> memory backend", () => Loop(count, i => engineMem!.Bucket.Set(keys[i], value))));
                    getList.Add(new("diag: WAT plugin -> memory backend", () => Calls(watMem!, "wtable", "bench-get", ucount, null, count, (long)count * size)));
                    getList.Add(new("diag: engine, OpenBucket per op (as the host function does) + Get", () => Loop(count, i => engine.Reopen().Get(keys[i]))));
                    getList.Add(new("diag: JS plugin -> memory backend", () => Calls(jsMem!, "jsnotes", "bench-get", ucount, null, count, (long)count * size)));
                    getList.Add(new("diag: engine direct -> memory backend", () => Loop(count, i => engineMem!.Bucket.Get(keys[i]))));
                }

                var slice = 0.25;
                var rounds = Math.Max(3, (int)Math.Round(seconds / slice));
                var set = RunGroup($"set {label} ({count} keys per batch)", rounds, slice, setList);
                // Every contender's keys now hold `size` bytes (the warm-up and rounds wrote them all).
                var get = RunGroup($"get {label} ({count} keys per batch)", rounds, slice, getList);
                summary.Add(Summary("set", size, set));
                summary.Add(Summary("get", size, get));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
        Console.WriteLine();
        Console.WriteLine("Summary: ops/s with the byte adapter on (the default) and off; x raw = time per op / raw's (median of rounds);");
        Console.WriteLine("JS vs psibase = JS ops/s / psibase browser ops/s. Goals: WAT <= 1.5x raw at 16 B; JS faster than psibase at every");
        Console.WriteLine("size psibase measured, and at 64 KiB at least 10x (6,300 sets/s, 2,800 gets/s); stretch: WAT <= 2x raw at 64 KiB.");
        Console.WriteLine();
        Console.WriteLine("| op | size | raw | engine | WAT | JS | WAT off | JS off | engine x raw | WAT x raw | JS x raw | psibase | JS vs psibase | JS off vs psibase | goal |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var line in summary) Console.WriteLine(line);
        return 0;
    }

    private static PluginSupervisor Open(string? db, string plugins, bool adapter = true) => PluginSupervisor.Create(new SupervisorOptions
    {
        ByteAdapter = adapter,
        PluginDirectory = plugins,
        CacheDirectory = PluginFiles.SharedCache,
        Storage = db is null ? new StorageOptions { Backend = "memory" } : new StorageOptions { Location = db },
        ChainId = Data.Chain,
        CallTimeout = TimeSpan.FromSeconds(60),
    });

    /// <summary>One in-guest loop of <paramref name="count"/> ops; checks what a get loop found.</summary>
    private static long Calls(PluginSupervisor s, string service, string fn, uint count, uint? size, int ops, long expect = -1)
    {
        var result = size is { } sz ? s.Call($"{service}:plugin/api.{fn}", count, sz) : s.Call($"{service}:plugin/api.{fn}", count);
        if (expect >= 0 && Convert.ToInt64(result, CultureInfo.InvariantCulture) != (uint)expect)
            throw new InvalidOperationException($"{service} {fn} found {result} bytes, expected {expect}");
        return ops;
    }

    private static long Loop(int count, Action<int> op)
    {
        for (var i = 0; i < count; i++) op(i);
        return count;
    }

    private static string Summary(string op, int size, Result[] r)
    {
        // Order: raw, engine, WAT, JS, WAT off, JS off (then diagnostics).
        double Ratio(int c) => Median(r[c].UsPerOpByRound.Zip(r[0].UsPerOpByRound, (a, b) => a / b));
        var watRatio = Ratio(2);
        var known = Psibase.TryGetValue((op, size), out var ps);
        var jsVs = known ? r[3].OpsPerSec / ps : double.NaN;
        var jsOffVs = known ? r[5].OpsPerSec / ps : double.NaN;
        var goals = new List<string>();
        if (size == 16) goals.Add(watRatio <= 1.5 ? "WAT ok" : "WAT MISS");
        if (known) goals.Add(jsVs > (size == 65536 ? 10 : 1) ? "JS ok" : "JS MISS");
        if (size == 65536) goals.Add(watRatio <= 2 ? "stretch WAT ok" : "stretch WAT MISS");
        string Vs(double x) => double.IsNaN(x) ? "-" : x.ToString("F2", CultureInfo.InvariantCulture);
        return $"| {op} | {SizeLabel(size)} | {r[0].OpsPerSec:N0} | {r[1].OpsPerSec:N0} | {r[2].OpsPerSec:N0} | {r[3].OpsPerSec:N0} | " +
               $"{r[4].OpsPerSec:N0} | {r[5].OpsPerSec:N0} | {Ratio(1):F2} | {watRatio:F2} | {Ratio(3):F2} | " +
               $"{(known ? ps.ToString("N0", CultureInfo.InvariantCulture) : "-")} | {Vs(jsVs)} | {Vs(jsOffVs)} | {(goals.Count == 0 ? "(report)" : string.Join(", ", goals))} |";
    }

    private static double Median(IEnumerable<double> xs)
    {
        var a = xs.Order().ToArray();
        return a.Length == 0 ? double.NaN : a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }

    private static Result[] RunGroup(string title, int rounds, double slice, List<Contender> cs)
    {
        var n = cs.Count;
        var ops = new long[n];
        var ticks = new long[n];
        var perRound = new double[n][];
        for (var c = 0; c < n; c++) perRound[c] = new double[rounds];
        foreach (var c in cs) Slice(c, slice, out _, out _); // warm up: JIT, instances, keys written, WAL
        for (var round = 0; round < rounds; round++)
        {
            for (var j = 0; j < n; j++)
            {
                var c = (j + round) % n;
                Slice(cs[c], slice, out var o, out var t);
                ops[c] += o;
                ticks[c] += t;
                perRound[c][round] = t * 1e6 / Stopwatch.Frequency / o;
            }
        }
        Console.WriteLine();
        Console.WriteLine($"## {title}");
        Console.WriteLine("| contender | ops/s | us/op | x raw (median of rounds) |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        var results = new Result[n];
        for (var c = 0; c < n; c++)
        {
            var opsPerSec = ops[c] / ((double)ticks[c] / Stopwatch.Frequency);
            results[c] = new Result(cs[c].Name, opsPerSec, perRound[c]);
            var ratio = Median(perRound[c].Zip(perRound[0], (a, b) => a / b));
            Console.WriteLine($"| {cs[c].Name} | {opsPerSec:N0} | {1e6 / opsPerSec:F2} | {ratio:F2} |");
        }
        return results;
    }

    private static void Slice(Contender c, double seconds, out long ops, out long ticks)
    {
        var limit = (long)(seconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        long now;
        ops = 0;
        do
        {
            ops += c.Batch();
            now = Stopwatch.GetTimestamp();
        }
        while (now - start < limit);
        ticks = now - start;
    }

    internal static string SizeLabel(int size) => size >= 1024 ? $"{size / 1024} KiB" : $"{size} B";

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>The storage engine called directly, as the clientdata host function does: bucket clientdata/walpha.</summary>
    private sealed class Engine : IDisposable
    {
        private readonly KeyValueStore _store;
        private readonly StorageSession _session;
        private readonly Operation _op;

        public Engine(string? path, string backend)
        {
            _store = KeyValueStore.Create(path is null ? new StorageOptions { Backend = backend } : new StorageOptions { Location = path });
            _session = _store.OpenSession();
            _op = _session.BeginOperation();
            Bucket = _op.OpenBucket(Data.Chain, DbMode.NonTransactional, StorageDuration.Persistent, Names.ClientData, "walpha");
        }

        public Bucket Bucket { get; }

        /// <summary>A fresh handle on the same bucket, as clientdata's host function opens one per call.</summary>
        public Bucket Reopen() => _op.OpenBucket(Data.Chain, DbMode.NonTransactional, StorageDuration.Persistent, Names.ClientData, "walpha");

        public void Dispose()
        {
            _op.Dispose();
            _session.Dispose();
            _store.Dispose();
        }
    }
}
