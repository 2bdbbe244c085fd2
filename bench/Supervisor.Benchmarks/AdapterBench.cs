using System.Diagnostics;
using System.Globalization;
using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Benchmarks;

/// <summary>
/// The byte adapter: clientdata set/get ops/s through walpha (WAT, nested adapter), wtable (walpha in
/// wit-component's layout, spliced adapter) and jsnotes (JavaScript, spliced), and
/// wasi:keyvalue and host:db bucket set/get through wkv and wdb (WAT), with <see cref="SupervisorOptions.ByteAdapter"/>
/// on and off, in one process, interleaved in rounds (order rotated each round). walpha and jsnotes loop inside
/// the guest (<c>bench-set(count, size)</c> / <c>bench-get(count)</c>), so one call is count operations (wkv and
/// wdb on one bucket and key, walpha and jsnotes on count keys). Storage: the in-memory
/// backend by default (the transport's cost, not SQLite's), or SQLite with <c>--sqlite</c>.
/// Usage: <c>adapter [--seconds N] [--sizes 16,1024,65536,102400] [--sqlite]</c>.
/// </summary>
public static class AdapterBench
{
    private sealed record Case(string Name, PluginSupervisor Supervisor, string Target, object?[] Args, int Ops);

    public static int Run(string[] args)
    {
        var seconds = 2.0;
        var sizes = new[] { 16, 1024, 64 * 1024, 100 * 1024 };
        var sqlite = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds") seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--sizes") sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            else if (args[i] == "--sqlite") sqlite = true;
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: adapter [--seconds N] [--sizes 16,1024,65536,102400] [--sqlite]");
                return 2;
            }
        }
        Console.WriteLine($"adapter: clientdata through walpha (nested), wtable and jsnotes (spliced), wasi:keyvalue through wkv, host:db through wdb, byte adapter off vs on; {(sqlite ? "SQLite" : "in-memory")} storage; " +
                          $"{seconds} s per case, interleaved rounds; {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var dir = Path.Combine(Path.GetTempPath(), "supervisor-adapter-bench-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        var opened = new List<PluginSupervisor>();
        try
        {
            var plugins = PluginFiles.PluginDirectory(dir, "walpha", "wtable", "jsnotes", "wkv", "wdb");
            PluginSupervisor Open(bool adapter, string name)
            {
                var s = PluginSupervisor.Create(new SupervisorOptions
                {
                    PluginDirectory = plugins, CacheDirectory = PluginFiles.SharedCache, ByteAdapter = adapter, CallTimeout = TimeSpan.FromMinutes(5),
                    Storage = sqlite ? new StorageOptions { Location = Path.Combine(dir, name + ".db") } : new StorageOptions { Backend = "memory" },
                });
                opened.Add(s);
                return s;
            }
            var off = Open(false, "off");
            var on = Open(true, "on");
            // Load (and, the first time, compile) all four outside the timings.
            foreach (var s in new[] { off, on })
            {
                s.Call("walpha:plugin/api.ping");
                s.Call("jsnotes:plugin/api.bench-get", 0u);
            }

            Console.WriteLine();
            Console.WriteLine("| plugin | value | set off | set on | x | get off | get on | x |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var size in sizes)
            {
                var count = size switch { <= 1024 => 1000, <= 65536 => 50, _ => 32 };
                foreach (var (plugin, iface) in new[] { ("walpha", "walpha:plugin/api"), ("wtable", "wtable:plugin/api"), ("jsnotes", "jsnotes:plugin/api"), ("wkv", "wkv:plugin/api"), ("wdb", "wdb:plugin/api") })
                {
                    var cases = new List<Case>();
                    foreach (var (mode, s) in new[] { ("off", off), ("on", on) })
                    {
                        cases.Add(new Case($"set {mode}", s, $"{iface}.bench-set", [(uint)count, (uint)size], count));
                        cases.Add(new Case($"get {mode}", s, $"{iface}.bench-get", [(uint)count], count));
                    }
                    // Fill the keys the gets read, and check both paths return every byte.
                    foreach (var s in new[] { off, on })
                    {
                        s.Call($"{iface}.bench-set", (uint)count, (uint)size);
                        var sum = Convert.ToInt64(s.Call($"{iface}.bench-get", (uint)count), CultureInfo.InvariantCulture);
                        if (sum != (long)count * size) throw new InvalidOperationException($"{plugin} read {sum} bytes, expected {(long)count * size}");
                    }
                    Print(plugin, size, Measure(cases, seconds));
                }
            }
            return 0;
        }
        finally
        {
            foreach (var s in opened) s.Dispose();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static void Print(string plugin, int size, Dictionary<string, double> rates) =>
        Console.WriteLine($"| {plugin} | {Label(size)} | {F(rates["set off"])} | {F(rates["set on"])} | {rates["set on"] / rates["set off"]:0.0} " +
                          $"| {F(rates["get off"])} | {F(rates["get on"])} | {rates["get on"] / rates["get off"]:0.0} |");

    /// <summary>Ops/s per case: rounds of about 0.25 s per case, order rotated each round, until each case had its time.</summary>
    private static Dictionary<string, double> Measure(List<Case> cases, double seconds)
    {
        var ops = cases.ToDictionary(c => c.Name, _ => 0L);
        var time = cases.ToDictionary(c => c.Name, _ => 0.0);
        foreach (var c in cases) c.Supervisor.Call(c.Target, c.Args); // warm-up
        for (var round = 0; time.Values.Min() < seconds; round++)
        {
            for (var k = 0; k < cases.Count; k++)
            {
                var c = cases[(k + round) % cases.Count];
                var start = Stopwatch.GetTimestamp();
                do
                {
                    c.Supervisor.Call(c.Target, c.Args);
                    ops[c.Name] += c.Ops;
                } while (Stopwatch.GetElapsedTime(start).TotalSeconds < 0.25);
                time[c.Name] += Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        }
        return cases.ToDictionary(c => c.Name, c => ops[c.Name] / time[c.Name]);
    }

    private static string F(double opsPerSec) => opsPerSec >= 1e6 ? $"{opsPerSec / 1e6:0.00}M" : opsPerSec >= 1e4 ? $"{opsPerSec / 1e3:0.0}k" : $"{opsPerSec:0}";

    private static string Label(int size) => size >= 1024 ? $"{size / 1024} KiB" : $"{size} B";
}
