using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Supervisor.Plugins;
using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Redis;

namespace Supervisor.Benchmarks;

/// <summary>
/// <c>turns</c>: what turns cost (issue 16, PDP-TURN-*), ours beside a baseline in the same process, ratio printed.
/// (1) One turn taken and released, in-process only (memory store), across processes (SQLite lock file) and across
/// machines (Redis lease, on a redis-server of the benchmark's own), beside the raw primitive each is built on (a monitor;
/// opening and closing a file with exclusive sharing; SET NX PX + DEL, and the backend's two lease scripts, through
/// StackExchange.Redis).
/// (2) One plugin (jsnotes.put) called from 1, 2 and 8 threads with turns, beside the same plugin opted out of turns
/// (<see cref="SupervisorOptions.ConcurrentPlugins"/>: today's parallel pool).
/// (3) 8 different plugins from 8 threads, thread t calling plugin t only (the same component linked under 8 service
/// names): jsnotes.put and walpha.set on SQLite, walpha.set on the memory store (turns in-process only) and on Redis
/// (with walpha.set from one thread as the reference), with turns beside all 8 opted out.
/// (4) A hub: wcaller linked under N service names, each calling wbeta (set-via-beta) from its own thread, N = 1, 2, 8:
/// with turns everywhere, with only the hub opted out, with everything opted out, and the same callers writing their own
/// clientdata (set-own, no hub) with turns.
/// Every supervisor runs on a store of its own; each case warms up on all its threads before the clock starts. Rounds
/// alternate which side runs first; with 2 or more, a summary table (min-max, median) ends the output.
/// </summary>
public static partial class TurnBench
{
    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial int flock(Microsoft.Win32.SafeHandles.SafeFileHandle fd, int operation);

    public static int Run(string[] args)
    {
        var seconds = 1.0;
        var redis = true;
        var rounds = 1;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds") seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--no-redis") redis = false;
            else if (args[i] == "--rounds") rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: turns [--seconds N (per case, default 1)] [--rounds N (default 1; even rounds run turns first)] [--no-redis]");
                return 2;
            }
        }
        Console.WriteLine($"turns: {seconds} s per case; {Environment.ProcessorCount} cores; load average {PluginBench.LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var dir = Data.TempDir();
        SyncBench.RedisProcess? server = null;
        try
        {
            if (!redis) Console.WriteLine("--no-redis: the Redis rows are left out");
            else if (SyncBench.RedisProcess.Find() is not { } exe)
                Console.WriteLine("redis-server is not on PATH (apt-get install -y redis-server): the Redis rows are left out");
            else
            {
                server = new SyncBench.RedisProcess(exe, Path.Combine(dir, "redis"));
                Console.WriteLine($"redis-server {server.Version} on 127.0.0.1:{server.Port} (appendonly yes, appendfsync always, as the backend requires)");
            }
            var value = new byte[16];
            var plugins = Path.Combine(dir, "plugins");
            Link(plugins, "jsnotes", PluginFiles.JsPlugin("jsnotes"));
            var js = Enumerable.Range(1, 8).Select(i => $"jsnotes{i}").ToArray();
            var wat = Enumerable.Range(1, 8).Select(i => $"walpha{i}").ToArray();
            foreach (var s in js) Link(plugins, s, PluginFiles.JsPlugin("jsnotes"));
            foreach (var s in wat) Link(plugins, s, PluginFiles.WatFixture("walpha"));
            Link(plugins, "wbeta", PluginFiles.WatFixture("wbeta"));
            var callers = Enumerable.Range(1, 8).Select(i => $"caller{i}").ToArray();
            foreach (var s in callers) Link(plugins, s, PluginFiles.WatFixture("wcaller"));
            Func<int, object?[]> kv = t => [$"k{t}", value];

            for (var round = 1; round <= rounds; round++)
            {
                // Odd rounds measure the opted-out side (or the baseline) first, even rounds ours first.
                var turnsFirst = round % 2 == 0;
                Console.WriteLine();
                Console.WriteLine($"round {round} of {rounds} ({(turnsFirst ? "turns first" : "opted out / baseline first")}); load average {PluginBench.LoadAverage()}");
                Console.WriteLine("turn taken and released (µs per operation):");
                using (var memory = KeyValueStore.Create(new StorageOptions { Backend = "memory" }))
                {
                    var gate = new object();
                    var (ours, raw) = Both(turnsFirst, () => Per(seconds, () => Turn(memory)), () => Per(seconds, () => { lock (gate) { } }));
                    Row("in-process (memory store)", ours, "raw: lock(object)", raw);
                    var gates = Owners.Select(_ => new object()).ToArray();
                    (ours, raw) = Both(turnsFirst, () => PerThreads(seconds, t => Turn(memory, Owners[t])), () => PerThreads(seconds, t => { lock (gates[t]) { } }));
                    Row("in-process, 8 threads, 8 owners", ours, "raw: lock(own object)", raw);
                }
                using (var sqlite = KeyValueStore.Create(new StorageOptions { Location = Path.Combine(dir, $"turns{round}.db") }))
                {
                    var file = Path.Combine(dir, "raw.lock");
                    var (ours, raw) = Both(turnsFirst, () => Per(seconds, () => Turn(sqlite)),
                        () => Per(seconds, () => new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1).Dispose()));
                    Row("across processes (SQLite lock file)", ours, "raw: open+close FileShare.None", raw);
                    if (OperatingSystem.IsLinux())
                    {
                        // What the backend builds on since it keeps its lock files open: flock and unlock on an open file.
                        using var kept = new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
                        (ours, raw) = Both(turnsFirst, () => Per(seconds, () => Turn(sqlite)), () => Per(seconds, () =>
                        {
                            flock(kept.SafeFileHandle, 2 | 4);
                            flock(kept.SafeFileHandle, 8);
                        }));
                        Row("across processes (SQLite lock file)", ours, "raw: flock+unlock, file kept open", raw);
                    }
                    var files = Owners.Select(o => Path.Combine(dir, o + ".lock")).ToArray();
                    (ours, raw) = Both(turnsFirst, () => PerThreads(seconds, t => Turn(sqlite, Owners[t])),
                        () => PerThreads(seconds, t => new FileStream(files[t], FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1).Dispose()));
                    Row("SQLite, 8 threads, 8 owners", ours, "raw: open+close own file", raw);
                }
                if (server is not null) RedisRows(server.Port, round, seconds, turnsFirst);

                Console.WriteLine("jsnotes.put from N threads (calls/s; each thread its own key):");
                foreach (var threads in new[] { 1, 2, 8 })
                {
                    var targets = Enumerable.Repeat("jsnotes:plugin/api.put", threads).ToArray();
                    var (turns, pool) = Both(turnsFirst,
                        () => Calls(plugins, Sqlite(dir, $"t{threads}r{round}"), seconds, [], targets, kv),
                        () => Calls(plugins, Sqlite(dir, $"p{threads}r{round}"), seconds, ["jsnotes"], targets, kv));
                    Pair($"{threads} thread(s)", turns, "opted out (parallel pool)", pool);
                }

                Console.WriteLine("8 different plugins from 8 threads, thread t calling plugin t only (calls/s, all threads):");
                var eight = new (string What, string[] Services, string Function, string Store)[]
                {
                    ("jsnotes.put, SQLite", js, "put", "sqlite"),
                    ("walpha.set, SQLite", wat, "set", "sqlite"),
                    ("walpha.set, memory", wat, "set", "memory"),
                    ("walpha.set, Redis", wat, "set", "redis"),
                };
                foreach (var (what, services, function, store) in eight)
                {
                    if (store == "redis" && server is null) continue;
                    var targets = services.Select(s => $"{s}:plugin/api.{function}").ToArray();
                    var tag = $"{services[0]}{store}r{round}";
                    var (turns, pool) = Both(turnsFirst,
                        () => Calls(plugins, Store(dir, store, server, "t" + tag), seconds, [], targets, kv),
                        () => Calls(plugins, Store(dir, store, server, "p" + tag), seconds, services, targets, kv));
                    Pair(what, turns, "all 8 opted out (parallel pool)", pool);
                }
                if (server is not null)
                {
                    // Reference for the Redis row above: one of those plugins from one thread.
                    string[] one = [$"{wat[0]}:plugin/api.set"];
                    var (turns, pool) = Both(turnsFirst,
                        () => Calls(plugins, Store(dir, "redis", server, $"t1redisr{round}"), seconds, [], one, kv),
                        () => Calls(plugins, Store(dir, "redis", server, $"p1redisr{round}"), seconds, [wat[0]], one, kv));
                    Pair("walpha.set, Redis, 1 thr", turns, "opted out (parallel pool)", pool);
                }

                Console.WriteLine("hub: N callers (wcaller under N names) from N threads, each calling wbeta.set (calls/s, all threads; SQLite):");
                foreach (var n in new[] { 1, 2, 8 })
                {
                    var mine = callers[..n];
                    var viaHub = mine.Select(s => $"{s}:plugin/api.set-via-beta").ToArray();
                    var own = mine.Select(s => $"{s}:plugin/api.set-own").ToArray();
                    var cases = new (string Name, Func<double> Run)[]
                    {
                        ("all opted out", () => Calls(plugins, Sqlite(dir, $"h{n}o{round}"), seconds, [.. mine, "wbeta"], viaHub, kv)),
                        ("hub opted out", () => Calls(plugins, Sqlite(dir, $"h{n}b{round}"), seconds, ["wbeta"], viaHub, kv)),
                        ("with turns", () => Calls(plugins, Sqlite(dir, $"h{n}t{round}"), seconds, [], viaHub, kv)),
                        ("no hub", () => Calls(plugins, Sqlite(dir, $"h{n}n{round}"), seconds, [], own, kv)),
                    };
                    var results = new Dictionary<string, double>();
                    foreach (var c in turnsFirst ? cases.Reverse() : cases) results[c.Name] = c.Run();
                    Record($"hub, {n} caller(s), with turns | all opted out", results["with turns"], results["all opted out"]);
                    Record($"hub, {n} caller(s), hub opted out | all opted out", results["hub opted out"], results["all opted out"]);
                    Record($"no hub, {n} caller(s) on their own data, with turns | hub, all opted out", results["no hub"], results["all opted out"]);
                    Console.WriteLine($"  {n} caller(s): with turns {results["with turns"],9:N0}   hub opted out {results["hub opted out"],9:N0}   " +
                                      $"all opted out {results["all opted out"],9:N0}   turns / all out {results["with turns"] / results["all opted out"]:0.00}   " +
                                      $"(no hub: callers' own clientdata, with turns {results["no hub"],9:N0})");
                }
            }
            Summary(rounds);
            Console.WriteLine();
            Console.WriteLine($"load average at the end {PluginBench.LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            return 0;
        }
        finally
        {
            server?.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static readonly BackendRegistry Backends = WithRedis();

    private static BackendRegistry WithRedis()
    {
        var registry = BackendRegistry.CreateDefault();
        RedisBackend.Register(registry);
        return registry;
    }

    private static StorageOptions Sqlite(string dir, string name) => new() { Location = Path.Combine(dir, name + ".db") };

    private static StorageOptions Store(string dir, string kind, SyncBench.RedisProcess? server, string name) => kind switch
    {
        "memory" => new StorageOptions { Backend = "memory" },
        "redis" => new StorageOptions { Location = $"redis://127.0.0.1:{server!.Port}/0?prefix={name}", Registry = Backends },
        _ => Sqlite(dir, name),
    };

    /// <summary>Runs both, <paramref name="oursFirst"/> saying which first; returns (ours, other).</summary>
    private static (double Ours, double Other) Both(bool oursFirst, Func<double> ours, Func<double> other)
    {
        if (oursFirst)
        {
            var o = ours();
            return (o, other());
        }
        var b = other();
        return (ours(), b);
    }

    private static void Turn(KeyValueStore store, string owner = "alpha")
    {
        using var holder = store.NewTurnHolder("bench", TimeSpan.FromSeconds(30));
        holder.Enter("local", owner, DateTime.UtcNow.AddSeconds(10));
    }

    private static readonly string[] Owners = Enumerable.Range(1, 8).Select(i => $"owner{i}").ToArray();

    /// <summary>
    /// The Redis rows: our turn (the in-process table, then the lease script that also bumps the fencing counter, a renewal
    /// timer, and the release script) beside SET NX PX + DEL, and beside the same two scripts sent raw, to split the
    /// scripts' cost from the rest.
    /// </summary>
    private static void RedisRows(int port, int round, double seconds, bool oursFirst)
    {
        using var store = KeyValueStore.Create(new StorageOptions { Location = $"redis://127.0.0.1:{port}/0?prefix=turns{round}", Registry = Backends });
        using var mux = ConnectionMultiplexer.Connect($"127.0.0.1:{port}");
        var db = mux.GetDatabase(0);
        RedisKey key = $"raw{round}:lease", fence = $"raw{round}:fence";
        RedisValue holder = Guid.NewGuid().ToString("N");
        var lease = TimeSpan.FromMilliseconds(RedisLocation.DefaultLeaseMs);
        var (ours, raw) = Both(oursFirst, () => Per(seconds, () => Turn(store)), () => Per(seconds, () => RawLease(db, key, holder, lease)));
        Row("across machines (Redis lease)", ours, "raw: SET NX PX + DEL", raw);
        var scripts = Per(seconds, () => RawScripts(db, key, fence, holder, RedisLocation.DefaultLeaseMs));
        Row("across machines (Redis lease)", ours, "raw: the 2 lease scripts (EVALSHA)", scripts);
        var keys = Owners.Select(o => (RedisKey)$"raw{round}:{o}:lease").ToArray();
        (ours, raw) = Both(oursFirst, () => PerThreads(seconds, t => Turn(store, Owners[t])), () => PerThreads(seconds, t => RawLease(db, keys[t], holder, lease)));
        Row("Redis, 8 threads, 8 owners", ours, "raw: SET NX PX + DEL own key", raw);
    }


    private static void RawLease(IDatabase db, RedisKey key, RedisValue holder, TimeSpan lease)
    {
        if (!db.StringSet(key, holder, lease, When.NotExists)) throw new InvalidOperationException("raw lease: already held");
        db.KeyDelete(key);
    }

    /// <summary>The backend's take and release scripts (copied from Scripts.cs, which is internal), sent through StackExchange.Redis.</summary>
    private static void RawScripts(IDatabase db, RedisKey key, RedisKey fence, RedisValue holder, int leaseMs)
    {
        if ((long)db.ScriptEvaluate(TakeLease, [key, fence], [holder, leaseMs]) <= 0) throw new InvalidOperationException("raw script: already held");
        db.ScriptEvaluate(ReleaseLease, [key], [holder]);
    }

    private const string TakeLease = """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return redis.call('INCR', KEYS[2])
        end
        return 0
        """;

    private const string ReleaseLease = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private static void Row(string ours, double oursUs, string raw, double rawUs)
    {
        Console.WriteLine($"  {ours,-40} {oursUs,8:0.00} µs   {raw,-34} {rawUs,8:0.00} µs   ratio {oursUs / rawUs:0.0}");
        Record($"turn: {ours} | {raw}", oursUs, rawUs);
    }

    private static void Pair(string what, double turns, string other, double pool)
    {
        Console.WriteLine($"  {what,-24}: with turns {turns,10:N0}   {other} {pool,10:N0}   ratio {turns / pool:0.00}");
        Record($"{what} | {other}", turns, pool);
    }

    /// <summary>Every figure by case over the rounds: (ours, the other side).</summary>
    private static readonly List<(string Case, double Ours, double Other)> Results = [];

    private static void Record(string @case, double ours, double other) => Results.Add((@case, ours, other));

    /// <summary>Per case over the rounds: ours and the other side as min-max (median), and the median of the rounds' ratios.</summary>
    private static void Summary(int rounds)
    {
        if (rounds < 2) return;
        Console.WriteLine();
        Console.WriteLine($"summary over {rounds} rounds: min-max (median); ratio = median of the rounds' ours / other");
        Console.WriteLine("| case | other side | ours | other | ratio |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: |");
        foreach (var g in Results.GroupBy(r => r.Case))
        {
            var parts = g.Key.Split(" | ");
            var ours = g.Select(r => r.Ours).ToArray();
            var other = g.Select(r => r.Other).ToArray();
            var ratio = Median(g.Select(r => r.Ours / r.Other).ToArray());
            Console.WriteLine($"| {parts[0]} | {parts[1]} | {Range(ours)} | {Range(other)} | {ratio:0.00} |");
        }
    }

    private static string Range(double[] v)
    {
        var f = v.Max() >= 100 ? "N0" : "0.00";
        return $"{v.Min().ToString(f, CultureInfo.InvariantCulture)}-{v.Max().ToString(f, CultureInfo.InvariantCulture)} ({Median(v).ToString(f, CultureInfo.InvariantCulture)})";
    }

    private static double Median(double[] v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Microseconds per run of <paramref name="body"/>, over about <paramref name="seconds"/>.</summary>
    private static double Per(double seconds, Action body)
    {
        for (var i = 0; i < 1000; i++) body();
        var sw = Stopwatch.StartNew();
        long n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 1000; i++) body();
            n += 1000;
        }
        return sw.Elapsed.TotalMicroseconds / n;
    }

    /// <summary>
    /// Microseconds of wall time per run of <paramref name="body"/> (so: the inverse of the throughput) with 8 threads running
    /// it at once for about <paramref name="seconds"/>, thread t passing t (each its own owner, file or key).
    /// </summary>
    private static double PerThreads(double seconds, Action<int> body)
    {
        for (var t = 0; t < Owners.Length; t++)
            for (var i = 0; i < 100; i++) body(t);
        var (total, elapsed) = RunThreads(Owners.Length, seconds, t =>
        {
            for (var i = 0; i < 10; i++) body(t);
            return 10;
        });
        return elapsed.TotalMicroseconds / total;
    }

    /// <summary>
    /// Runs <paramref name="threads"/> threads that start together and repeat <paramref name="step"/> (given the thread's
    /// index, it returns how many operations it did) until <paramref name="seconds"/> have passed; the operations of all
    /// threads and the time they took.
    /// </summary>
    private static (long Count, TimeSpan Elapsed) RunThreads(int threads, double seconds, Func<int, int> step)
    {
        long total = 0;
        var stop = 0L;
        using var start = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.Wait();
            long n = 0;
            while (Stopwatch.GetTimestamp() < Volatile.Read(ref stop)) n += step(t);
            Interlocked.Add(ref total, n);
        })).ToList();
        workers.ForEach(w => w.Start());
        var sw = Stopwatch.StartNew();
        Volatile.Write(ref stop, Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency));
        start.Set();
        workers.ForEach(w => w.Join());
        return (total, sw.Elapsed);
    }

    /// <summary>Links <paramref name="file"/> as <c>&lt;root&gt;/&lt;service&gt;/plugin.&lt;ext&gt;</c>: the folder names the service.</summary>
    private static void Link(string root, string service, string file)
    {
        var link = Path.Combine(root, service, "plugin" + Path.GetExtension(file));
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        if (!File.Exists(link)) File.CreateSymbolicLink(link, file);
    }

    /// <summary>
    /// Calls/s over all threads: thread t calls <paramref name="targets"/>[t] with <paramref name="args"/>(t) in a loop, on a
    /// fresh supervisor on <paramref name="storage"/> (a store of its own) with <paramref name="optedOut"/> in ConcurrentPlugins. The same loop runs
    /// first as a warm-up (min(0.5, seconds) s), so the instances a case needs exist before the clock starts.
    /// </summary>
    private static double Calls(string plugins, StorageOptions storage, double seconds, IReadOnlyList<string> optedOut,
        IReadOnlyList<string> targets, Func<int, object?[]> args)
    {
        var options = new SupervisorOptions
        {
            PluginDirectory = plugins,
            CacheDirectory = PluginFiles.SharedCache,
            Storage = storage,
        };
        foreach (var service in optedOut) options.ConcurrentPlugins.Add(service);
        using var s = PluginSupervisor.Create(options);
        var parsed = targets.Select(CallTarget.Parse).ToArray();
        var argv = Enumerable.Range(0, parsed.Length).Select(args).ToArray();
        for (var t = 0; t < parsed.Length; t++) s.Call(parsed[t], argv[t]);
        Loop(s, parsed, argv, Math.Min(0.5, seconds));
        return Loop(s, parsed, argv, seconds);
    }

    private static double Loop(PluginSupervisor s, CallTarget[] targets, object?[][] argv, double seconds)
    {
        var (calls, elapsed) = RunThreads(targets.Length, seconds, t =>
        {
            s.Call(targets[t], argv[t]);
            return 1;
        });
        return calls / elapsed.TotalSeconds;
    }
}
