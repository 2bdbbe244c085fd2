using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Benchmarks;

/// <summary>
/// How long the 12 MB JavaScript plugin takes to be ready: a supervisor created and its first call
/// (jsnotes fetch of an absent key) answered, with an empty compile cache and with a warm one.
/// </summary>
public static class ColdStart
{
    public static int Run(string[] args)
    {
        int cold = 2, warm = 8;
        var service = "jsnotes";
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--cold") cold = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--warm") warm = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--plugin") service = args[++i];
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: cold-start [--cold N (default 2)] [--warm N (default 8)] [--plugin jsnotes|jsclient]");
                return 2;
            }
        }
        var target = service == "jsclient" ? "jsclient:plugin/api.whoami" : "jsnotes:plugin/api.fetch";
        object?[] callArgs = service == "jsclient" ? [] : ["absent"];
        var dir = Data.TempDir();
        try
        {
            var plugins = PluginFiles.PluginDirectory(dir, service);
            var size = new FileInfo(PluginFiles.JsPlugin(service)).Length;
            Console.WriteLine($"cold-start: {service} ({size / 1e6:F1} MB), ready = PluginSupervisor.Create + first call ({target}); {Environment.ProcessorCount} cores; " +
                              $"load average {PluginBench.LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            var cache = Path.Combine(dir, "cache");
            var store = Path.Combine(dir, "store.db");

            Console.WriteLine();
            Console.WriteLine("| run | cache | create ms | first call ms | ready ms | ready CPU ms (all threads) | second call ms |");
            Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
            var coldTimes = new List<double>();
            for (var i = 0; i < cold; i++)
            {
                var empty = Path.Combine(dir, $"empty-cache-{i}");
                var t = Measure(plugins, empty, store, target, callArgs);
                coldTimes.Add(t.Ready);
                Print($"cold {i + 1}", "empty", t);
                if (i == 0) Directory.Move(empty, cache); // the first cold run fills the cache the warm runs use
                else Directory.Delete(empty, recursive: true);
            }
            if (cold == 0) Measure(plugins, cache, store, target, callArgs); // fill the cache

            var warmTimes = new List<Timing>();
            for (var i = 0; i < warm; i++)
            {
                var t = Measure(plugins, cache, store, target, callArgs);
                warmTimes.Add(t);
                Print($"warm {i + 1}{(i == 0 ? " (first in process: JIT)" : "")}", "warm", t);
            }

            // Where warm time goes. Describe = read the .wasm + hash it for the cache key + read the cache entry + check
            // its SHA-256 + deserialize + read the component's types + the import check (no link, no instance).
            // The first call after it loads all that again, then links and instantiates.
            Console.WriteLine();
            Console.WriteLine("| breakdown run | Describe ms (load from cache + type read + import check) | then first call ms (load again + link + instantiate + call) | difference ms |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            var describe = new List<double>();
            var afterDescribe = new List<double>();
            for (var i = 0; i < Math.Max(3, warm / 2); i++)
            {
                using var s = PluginSupervisor.Create(new SupervisorOptions
                {
                    PluginDirectory = plugins, CacheDirectory = cache, Storage = new StorageOptions { Location = store }, ChainId = Data.Chain,
                    CallTimeout = TimeSpan.FromSeconds(60),
                });
                var sw = Stopwatch.StartNew();
                s.Describe(service);
                var d = sw.Elapsed.TotalMilliseconds;
                sw.Restart();
                s.Call(target, callArgs);
                var c = sw.Elapsed.TotalMilliseconds;
                describe.Add(d);
                afterDescribe.Add(c);
                Console.WriteLine($"| {i + 1} | {d:F1} | {c:F1} | {c - d:F1} |");
            }
            Console.WriteLine($"median: Describe {Median(describe):F1} ms; first call after it {Median(afterDescribe):F1} ms");

            // Outside the supervisor: reading the plugin and the cache entry and hashing them.
            var entry = Directory.GetFiles(cache, "*.cwasm").OrderByDescending(f => new FileInfo(f).Length).First();
            var wasmRead = new List<double>();
            var wasmHash = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                var sw = Stopwatch.StartNew();
                var bytes = File.ReadAllBytes(PluginFiles.JsPlugin(service));
                wasmRead.Add(sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                SHA256.HashData(bytes);
                wasmHash.Add(sw.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine();
            Console.WriteLine($"plugin file: {size / 1e6:F1} MB; File.ReadAllBytes median {Median(wasmRead):F1} ms; SHA-256 (cache key) median {Median(wasmHash):F1} ms");
            var read = new List<double>();
            var hash = new List<double>();
            for (var i = 0; i < Math.Max(3, warm); i++)
            {
                var sw = Stopwatch.StartNew();
                var bytes = File.ReadAllBytes(entry);
                read.Add(sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                SHA256.HashData(bytes.AsSpan(40));
                hash.Add(sw.Elapsed.TotalMilliseconds);
            }
            var steady = warmTimes.Skip(1).ToList();
            if (steady.Count == 0) steady = warmTimes;
            Console.WriteLine($"cache entry: {new FileInfo(entry).Length / 1e6:F1} MB; File.ReadAllBytes median {Median(read):F1} ms; SHA-256 of it median {Median(hash):F1} ms");
            if (coldTimes.Count > 0) Console.WriteLine($"empty cache: ready median {Median(coldTimes):F0} ms");
            Console.WriteLine($"warm cache (excluding the first, JIT-laden run): create median {Median(steady.Select(t => t.Create)):F1} ms, " +
                              $"first call median {Median(steady.Select(t => t.FirstCall)):F1} ms, ready median {Median(steady.Select(t => t.Ready)):F1} ms " +
                              $"(min {steady.Min(t => t.Ready):F1}, max {steady.Max(t => t.Ready):F1}), CPU median {Median(steady.Select(t => t.ReadyCpu)):F0} ms; goal < 50 ms: {(Median(steady.Select(t => t.Ready)) < 50 ? "ok" : "MISS")}");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
        return 0;
    }

    private sealed record Timing(double Create, double FirstCall, double Ready, double SecondCall, double ReadyCpu);

    private static double CpuMs() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    private static Timing Measure(string plugins, string cache, string store, string target, object?[] args)
    {
        var cpu = CpuMs();
        var sw = Stopwatch.StartNew();
        using var s = PluginSupervisor.Create(new SupervisorOptions
        {
            PluginDirectory = plugins,
            CacheDirectory = cache,
            Storage = new StorageOptions { Location = store },
            ChainId = Data.Chain,
            CallTimeout = TimeSpan.FromSeconds(60),
        });
        var create = sw.Elapsed.TotalMilliseconds;
        s.Call(target, args);
        var ready = sw.Elapsed.TotalMilliseconds;
        var readyCpu = CpuMs() - cpu;
        sw.Restart();
        s.Call(target, args);
        var second = sw.Elapsed.TotalMilliseconds;
        return new Timing(create, ready - create, ready, second, readyCpu);
    }

    private static void Print(string run, string cache, Timing t) =>
        Console.WriteLine($"| {run} | {cache} | {t.Create:F1} | {t.FirstCall:F1} | {t.Ready:F1} | {t.ReadyCpu:F0} | {t.SecondCall:F2} |");

    private static double Median(IEnumerable<double> xs)
    {
        var a = xs.Order().ToArray();
        return a.Length == 0 ? double.NaN : a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }
}
