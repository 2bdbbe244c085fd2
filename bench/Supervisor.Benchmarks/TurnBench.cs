using System.Diagnostics;
using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Benchmarks;

/// <summary>
/// <c>turns</c>: what turns cost. (1) One turn taken and released, in-process only (memory store) and across processes
/// (SQLite lock file), beside the raw primitive each is built on (a monitor; opening and closing a file with exclusive
/// sharing). (2) One plugin (jsnotes.put) called from 1, 2 and 8 threads with turns, beside the same plugin opted out
/// of turns (today's parallel pool), in one process on one SQLite file each.
/// </summary>
public static class TurnBench
{
    public static int Run(string[] args)
    {
        var seconds = args.Length >= 2 && args[0] == "--seconds" ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
        var dir = Data.TempDir();
        try
        {
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

            Console.WriteLine();
            Console.WriteLine("jsnotes.put from N threads (calls/s; each thread its own key):");
            var plugins = PluginFiles.PluginDirectory(dir, "jsnotes");
            foreach (var threads in new[] { 1, 2, 8 })
            {
                var pool = Calls(plugins, dir, $"p{threads}", threads, seconds, concurrent: true);
                var turns = Calls(plugins, dir, $"t{threads}", threads, seconds, concurrent: false);
                Console.WriteLine($"  {threads} thread(s): with turns {turns,10:N0}   opted out (parallel pool) {pool,10:N0}   ratio {turns / pool:0.00}");
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static void Turn(KeyValueStore store)
    {
        using var holder = store.NewTurnHolder("bench", TimeSpan.FromSeconds(30));
        holder.Enter("local", "alpha", DateTime.UtcNow.AddSeconds(10));
    }

    private static void Row(string ours, double oursUs, string raw, double rawUs) =>
        Console.WriteLine($"  {ours,-40} {oursUs,8:0.00} µs   {raw,-32} {rawUs,8:0.00} µs   ratio {oursUs / rawUs:0.0}");

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

    private static double Calls(string plugins, string dir, string name, int threads, double seconds, bool concurrent)
    {
        var options = new SupervisorOptions
        {
            PluginDirectory = plugins,
            CacheDirectory = Path.Combine(dir, "cache"),
            Storage = new StorageOptions { Location = Path.Combine(dir, name + ".db") },
        };
        if (concurrent) options.ConcurrentPlugins.Add("jsnotes");
        using var s = PluginSupervisor.Create(options);
        var value = new byte[16];
        for (var t = 0; t < threads; t++) s.Call("jsnotes:plugin/api.put", $"k{t}", value);
        // Warm-up: the call path jitted and the instances made before the clock starts.
        var warm = DateTime.UtcNow.AddSeconds(Math.Min(0.5, seconds));
        while (DateTime.UtcNow < warm) s.Call("jsnotes:plugin/api.put", "k0", value);
        long calls = 0;
        var stop = DateTime.UtcNow.AddSeconds(seconds);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            long mine = 0;
            while (DateTime.UtcNow < stop)
            {
                s.Call("jsnotes:plugin/api.put", $"k{t}", value);
                mine++;
            }
            Interlocked.Add(ref calls, mine);
        })).ToList();
        var sw = Stopwatch.StartNew();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return calls / sw.Elapsed.TotalSeconds;
    }
}
