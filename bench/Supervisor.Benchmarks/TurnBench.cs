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
/// opening and closing a file with exclusive sharing; SET NX PX + DEL through StackExchange.Redis).
/// (2) One plugin (jsnotes.put) called from 1, 2 and 8 threads with turns, beside the same plugin opted out of turns
/// (<see cref="SupervisorOptions.ConcurrentPlugins"/>: today's parallel pool).
/// (3) 8 different plugins from 8 threads, thread t calling plugin t only: jsnotes.put and walpha.set (the same component
/// linked under 8 service names), with turns beside all 8 opted out.
/// (4) A hub: wcaller linked under N service names, each calling wbeta (set-via-beta) from its own thread, N = 1, 2, 8:
/// with turns everywhere, with only the hub opted out, with everything opted out, and the same callers writing their own
/// clientdata (set-own, no hub) with turns as the reference.
/// Every supervisor runs on its own SQLite file; each case warms up on all its threads before the clock starts.
/// </summary>
public static class TurnBench
{
    public static int Run(string[] args)
    {
        var seconds = 1.0;
        var redis = true;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds") seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--no-redis") redis = false;
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: turns [--seconds N (per case, default 1)] [--no-redis]");
                return 2;
            }
        }
        Console.WriteLine($"turns: {seconds} s per case; {Environment.ProcessorCount} cores; load average {PluginBench.LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var dir = Data.TempDir();
        try
        {
            Console.WriteLine();
            Console.WriteLine("turn taken and released (µs per operation):");
            using (var memory = KeyValueStore.Create(new StorageOptions { Backend = "memory" }))
            {
                var gate = new object();
                Row("in-process (memory store)", Per(seconds, () => Turn(memory)), "raw: lock(object)", Per(seconds, () => { lock (gate) { } }));
            }
            using (var sqlite = KeyValueStore.Create(new StorageOptions { Location = Path.Combine(dir, "turns.db") }))
            {
                var raw = Path.Combine(dir, "raw.lock");
                Row("across processes (SQLite lock file)", Per(seconds, () => Turn(sqlite)), "raw: open+close FileShare.None",
                    Per(seconds, () => new FileStream(raw, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1).Dispose()));
            }
            RedisRow(dir, seconds, redis);

            Console.WriteLine();
            Console.WriteLine("jsnotes.put from N threads (calls/s; each thread its own key):");
            var plugins = Path.Combine(dir, "plugins");
            Link(plugins, "jsnotes", PluginFiles.JsPlugin("jsnotes"));
            var value = new byte[16];
            foreach (var threads in new[] { 1, 2, 8 })
            {
                var targets = Enumerable.Repeat("jsnotes:plugin/api.put", threads).ToArray();
                var pool = Calls(plugins, dir, $"p{threads}", seconds, ["jsnotes"], targets, t => [$"k{t}", value]);
                var turns = Calls(plugins, dir, $"t{threads}", seconds, [], targets, t => [$"k{t}", value]);
                Pair($"{threads} thread(s)", turns, "opted out (parallel pool)", pool);
            }

            Console.WriteLine();
            Console.WriteLine("8 different plugins from 8 threads, thread t calling plugin t only (calls/s, all threads):");
            var js = Enumerable.Range(1, 8).Select(i => $"jsnotes{i}").ToArray();
            var wat = Enumerable.Range(1, 8).Select(i => $"walpha{i}").ToArray();
            foreach (var s in js) Link(plugins, s, PluginFiles.JsPlugin("jsnotes"));
            foreach (var s in wat) Link(plugins, s, PluginFiles.WatFixture("walpha"));
            {
                var targets = js.Select(s => $"{s}:plugin/api.put").ToArray();
                var pool = Calls(plugins, dir, "js8p", seconds, js, targets, t => [$"k{t}", value]);
                var turns = Calls(plugins, dir, "js8t", seconds, [], targets, t => [$"k{t}", value]);
                Pair("jsnotes.put x 8 plugins", turns, "all 8 opted out (parallel pool)", pool);
            }
            {
                var targets = wat.Select(s => $"{s}:plugin/api.set").ToArray();
                var pool = Calls(plugins, dir, "w8p", seconds, wat, targets, t => [$"k{t}", value]);
                var turns = Calls(plugins, dir, "w8t", seconds, [], targets, t => [$"k{t}", value]);
                Pair("walpha.set x 8 plugins", turns, "all 8 opted out (parallel pool)", pool);
            }

            Console.WriteLine();
            Console.WriteLine("hub: N callers (wcaller under N names) from N threads, each calling wbeta.set (calls/s, all threads):");
            Link(plugins, "wbeta", PluginFiles.WatFixture("wbeta"));
            var callers = Enumerable.Range(1, 8).Select(i => $"caller{i}").ToArray();
            foreach (var s in callers) Link(plugins, s, PluginFiles.WatFixture("wcaller"));
            foreach (var n in new[] { 1, 2, 8 })
            {
                var mine = callers[..n];
                var viaHub = mine.Select(s => $"{s}:plugin/api.set-via-beta").ToArray();
                var own = mine.Select(s => $"{s}:plugin/api.set-own").ToArray();
                Func<int, object?[]> kv = t => [$"k{t}", value];
                var allOut = Calls(plugins, dir, $"h{n}o", seconds, [.. mine, "wbeta"], viaHub, kv);
                var hubOut = Calls(plugins, dir, $"h{n}b", seconds, ["wbeta"], viaHub, kv);
                var turns = Calls(plugins, dir, $"h{n}t", seconds, [], viaHub, kv);
                var noHub = Calls(plugins, dir, $"h{n}n", seconds, [], own, kv);
                Console.WriteLine($"  {n} caller(s): with turns {turns,9:N0}   hub opted out {hubOut,9:N0}   all opted out {allOut,9:N0}   " +
                                  $"turns / all out {turns / allOut:0.00}   (callers' own clientdata, no hub, with turns {noHub,9:N0})");
            }
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static void Turn(KeyValueStore store)
    {
        using var holder = store.NewTurnHolder("bench", TimeSpan.FromSeconds(30));
        holder.Enter("local", "alpha", DateTime.UtcNow.AddSeconds(10));
    }

    /// <summary>The Redis row: our turn (lease script + fencing counter, release script, renewal timer) beside SET NX PX + DEL.</summary>
    private static void RedisRow(string dir, double seconds, bool wanted)
    {
        if (!wanted)
        {
            Console.WriteLine("  across machines (Redis lease): skipped (--no-redis)");
            return;
        }
        if (SyncBench.RedisProcess.Find() is not { } exe)
        {
            Console.WriteLine("  across machines (Redis lease): skipped: redis-server is not on PATH (apt-get install -y redis-server)");
            return;
        }
        using var server = new SyncBench.RedisProcess(exe, Path.Combine(dir, "redis"));
        Console.WriteLine($"  (redis-server {server.Version} on 127.0.0.1:{server.Port}, appendonly yes, appendfsync always)");
        var registry = BackendRegistry.CreateDefault();
        RedisBackend.Register(registry);
        using var store = KeyValueStore.Create(new StorageOptions { Location = $"redis://127.0.0.1:{server.Port}/0?prefix=turns", Registry = registry });
        using var mux = ConnectionMultiplexer.Connect($"127.0.0.1:{server.Port}");
        var db = mux.GetDatabase(0);
        RedisKey key = "raw:lease";
        RedisValue holder = Guid.NewGuid().ToString("N");
        var lease = TimeSpan.FromMilliseconds(RedisLocation.DefaultLeaseMs);
        // Raw first, then ours, then raw again: the figure for raw is the better of the two (load moves it).
        var raw1 = Per(seconds, () => RawLease(db, key, holder, lease));
        var ours = Per(seconds, () => Turn(store));
        var raw2 = Per(seconds, () => RawLease(db, key, holder, lease));
        Row("across machines (Redis lease)", ours, "raw: SET NX PX + DEL", Math.Min(raw1, raw2));
    }

    private static void RawLease(IDatabase db, RedisKey key, RedisValue holder, TimeSpan lease)
    {
        if (!db.StringSet(key, holder, lease, When.NotExists)) throw new InvalidOperationException("raw lease: already held");
        db.KeyDelete(key);
    }

    private static void Row(string ours, double oursUs, string raw, double rawUs) =>
        Console.WriteLine($"  {ours,-40} {oursUs,8:0.00} µs   {raw,-32} {rawUs,8:0.00} µs   ratio {oursUs / rawUs:0.0}");

    private static void Pair(string what, double turns, string other, double pool) =>
        Console.WriteLine($"  {what,-24}: with turns {turns,10:N0}   {other} {pool,10:N0}   ratio {turns / pool:0.00}");

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

    /// <summary>Links <paramref name="file"/> as <c>&lt;root&gt;/&lt;service&gt;/plugin.&lt;ext&gt;</c>: the folder names the service.</summary>
    private static void Link(string root, string service, string file)
    {
        var link = Path.Combine(root, service, "plugin" + Path.GetExtension(file));
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        if (!File.Exists(link)) File.CreateSymbolicLink(link, file);
    }

    /// <summary>
    /// Calls/s over all threads: thread t calls <paramref name="targets"/>[t] with <paramref name="args"/>(t) in a loop, on a
    /// fresh supervisor with its own SQLite file and <paramref name="optedOut"/> in ConcurrentPlugins. The same loop runs
    /// first as a warm-up (min(0.5, seconds) s), so the instances a case needs exist before the clock starts.
    /// </summary>
    private static double Calls(string plugins, string dir, string name, double seconds, IReadOnlyList<string> optedOut,
        IReadOnlyList<string> targets, Func<int, object?[]> args)
    {
        var options = new SupervisorOptions
        {
            PluginDirectory = plugins,
            CacheDirectory = PluginFiles.SharedCache,
            Storage = new StorageOptions { Location = Path.Combine(dir, name + ".db") },
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
        long calls = 0;
        using var start = new ManualResetEventSlim();
        var stop = 0L;
        var workers = Enumerable.Range(0, targets.Length).Select(t => new Thread(() =>
        {
            start.Wait();
            long mine = 0;
            while (Stopwatch.GetTimestamp() < Volatile.Read(ref stop))
            {
                s.Call(targets[t], argv[t]);
                mine++;
            }
            Interlocked.Add(ref calls, mine);
        })).ToList();
        workers.ForEach(w => w.Start());
        var sw = Stopwatch.StartNew();
        Volatile.Write(ref stop, Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency));
        start.Set();
        workers.ForEach(w => w.Join());
        return calls / sw.Elapsed.TotalSeconds;
    }
}
