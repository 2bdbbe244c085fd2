using System.Diagnostics;
using System.Globalization;
using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Benchmarks;

/// <summary>
/// <c>js-loop</c>: how a JavaScript plugin (jsnotes) behaves as one call loops longer: gets of 16 B at
/// 10,000 / 40,000 / 80,000 per call (ops/s), and the linear memory 64 KiB sets take, found as the most sets one
/// call survives under 64, 128 and 256 MiB (the slope between them is the memory per 1,000 sets; a call that survives
/// the cap at every limit means the engine frees what it no longer needs). Every call runs in a fresh supervisor
/// (the compile cache is shared), so one call's memory never carries into the next; a warm-up call instantiates
/// the plugin before the timed one. Point <c>--plugins</c> at a folder with <c>jsnotes/plugin.wasm</c> built by another
/// componentize-js to compare versions.
/// </summary>
public static class JsLoopBench
{
    public static int Run(string[] args)
    {
        var plugins = new List<string>();
        var rounds = 3;
        var counts = new[] { 10_000, 40_000, 80_000 };
        var cap = 16_000;
        var noMemory = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--plugins") plugins.Add(Path.GetFullPath(args[++i]));
            else if (args[i] == "--rounds") rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--counts") counts = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            else if (args[i] == "--cap") cap = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--no-memory") noMemory = true;
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: js-loop [--plugins DIR (holding jsnotes/plugin.wasm; default artifacts/plugins; repeat to compare, interleaved)] [--rounds N] [--counts 10000,40000,80000] [--cap SETS] [--no-memory]");
                return 2;
            }
        }
        var wasms = plugins.Count == 0 ? [PluginFiles.JsPlugin("jsnotes")] : plugins.Select(p => Path.Combine(p, "jsnotes", "plugin.wasm")).ToList();
        foreach (var w in wasms) if (!File.Exists(w)) throw new FileNotFoundException($"{w} is missing", w);
        var dir = Data.TempDir();
        try
        {
            Console.WriteLine($"js-loop: {Environment.ProcessorCount} cores; load average {PluginBench.LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            var contenders = new List<(string Label, string Plugins, string Db)>();
            for (var k = 0; k < wasms.Count; k++)
            {
                var label = $"{(char)('A' + k)}: {Stamp(wasms[k])}";
                Console.WriteLine($"  {label}: {wasms[k]} ({new FileInfo(wasms[k]).Length / 1e6:F1} MB)");
                var pluginDir = Path.Combine(dir, $"plugins{k}");
                Directory.CreateDirectory(Path.Combine(pluginDir, "jsnotes"));
                File.CreateSymbolicLink(Path.Combine(pluginDir, "jsnotes", "plugin.wasm"), wasms[k]);
                // Gets: 16 B values under k0..k<max-1> in a SQLite file every fresh supervisor of this contender opens.
                var db = Path.Combine(dir, $"gets{k}.db");
                using (var s = Open(pluginDir, db, 256L << 20)) s.Call("jsnotes:plugin/api.bench-set", (uint)counts.Max(), 16u);
                contenders.Add((label, pluginDir, db));
            }

            Console.WriteLine();
            Console.WriteLine("| build | gets of 16 B per call | ops/s by round | median ops/s |");
            Console.WriteLine("| --- | ---: | --- | ---: |");
            var results = new Dictionary<(int, int), List<double>>();
            for (var round = 0; round < rounds; round++)
                foreach (var count in counts)
                    for (var j = 0; j < contenders.Count; j++)
                    {
                        var k = (j + round) % contenders.Count; // order rotated each round
                        using var s = Open(contenders[k].Plugins, contenders[k].Db, 256L << 20);
                        s.Call("jsnotes:plugin/api.bench-get", 1u); // instantiate
                        var sw = Stopwatch.StartNew();
                        var bytes = Convert.ToInt64(s.Call("jsnotes:plugin/api.bench-get", (uint)count), CultureInfo.InvariantCulture);
                        sw.Stop();
                        if (bytes != 16L * count) throw new InvalidOperationException($"bench-get({count}) found {bytes} bytes, expected {16L * count}");
                        (results.TryGetValue((k, count), out var l) ? l : results[(k, count)] = []).Add(count / sw.Elapsed.TotalSeconds);
                    }
            for (var k = 0; k < contenders.Count; k++)
                foreach (var count in counts)
                    Console.WriteLine($"| {contenders[k].Label} | {count:N0} | {string.Join(", ", results[(k, count)].Select(x => x.ToString("N0", CultureInfo.InvariantCulture)))} | {Median(results[(k, count)]):N0} |");
            if (noMemory) return 0;

            // Memory: the most 64 KiB sets (a multiple of 50, up to the cap) one call survives under each limit.
            Console.WriteLine();
            Console.WriteLine($"| build | memory limit | most 64 KiB sets in one call (step 50, cap {cap:N0}) | probes |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            var summaries = new List<string>();
            foreach (var (label, pluginDir, _) in contenders)
            {
                var most = new List<(long Limit, int Sets)>();
                string? firstFailure = null;
                foreach (var mib in new long[] { 64, 128, 256 })
                {
                    var probes = 0;
                    bool Survives(int n)
                    {
                        probes++;
                        using var s = Open(pluginDir, null, mib << 20);
                        s.Call("jsnotes:plugin/api.bench-get", 1u);
                        try
                        {
                            s.Call("jsnotes:plugin/api.bench-set", (uint)n, 65536u);
                            return true;
                        }
                        catch (PluginException e)
                        {
                            if (firstFailure is null) Console.Error.WriteLine($"  ({label}: first failure, {n:N0} sets under {mib} MiB: {e.Code}: {e.Message.Split('\n')[0]})");
                            firstFailure ??= e.Message;
                            return false;
                        }
                    }
                    int lo = 0, hi = cap / 50; // in steps of 50: lo survives, hi is the candidate
                    if (Survives(hi * 50)) lo = hi;
                    else
                    {
                        while (hi - lo > 1)
                        {
                            var mid = (lo + hi) / 2;
                            if (Survives(mid * 50)) lo = mid;
                            else hi = mid;
                        }
                    }
                    most.Add((mib, lo * 50));
                    Console.WriteLine($"| {label} | {mib} MiB | {(lo * 50 == cap ? $">= {cap:N0} (the cap)" : (lo * 50).ToString("N0", CultureInfo.InvariantCulture))} | {probes} |");
                }
                var (l1, n1) = most[1];
                var (l2, n2) = most[2];
                summaries.Add($"{label}: memory per 1,000 sets of 64 KiB: " + (n2 >= cap
                    ? $"no growth found ({cap:N0} sets survive {most.First(m => m.Sets >= cap).Limit} MiB)"
                    : n2 > n1
                        ? $"{(l2 - l1) * 1000.0 / (n2 - n1):F1} MiB (slope between {l1} and {l2} MiB)"
                        : "could not tell (no more sets survive the higher limit)"));
            }
            Console.WriteLine();
            foreach (var line in summaries) Console.WriteLine(line);

            // Is it given back when the call returns? Calls of 2,000 sets of 64 KiB (about half of what one call survives
            // under 256 MiB) one after another on the same instance.
            Console.WriteLine();
            Console.WriteLine("| build | calls of 2,000 sets of 64 KiB in a row on one instance under 256 MiB (stops at 10) |");
            Console.WriteLine("| --- | ---: |");
            foreach (var (label, pluginDir, _) in contenders)
            {
                using var s = Open(pluginDir, null, 256L << 20);
                var calls = 0;
                string? failure = null;
                while (calls < 10)
                {
                    try
                    {
                        s.Call("jsnotes:plugin/api.bench-set", 2000u, 65536u);
                        calls++;
                    }
                    catch (PluginException e)
                    {
                        failure = e.Message.Split('\n')[0];
                        break;
                    }
                }
                Console.WriteLine($"| {label} | {(failure is null ? $"{calls} (all)" : $"{calls}, then: {failure}")} |");
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static string Stamp(string wasm)
    {
        var plugins = Path.GetDirectoryName(Path.GetDirectoryName(wasm)!)!;
        if (new DirectoryInfo(plugins).ResolveLinkTarget(returnFinalTarget: true) is { } target) plugins = target.FullName;
        var stamp = Path.Combine(plugins + ".stamps", "jsnotes", "plugin.json");
        if (!File.Exists(stamp)) return "(no stamp)";
        var text = File.ReadAllText(stamp);
        var m = System.Text.RegularExpressions.Regex.Match(text, "\"@bytecodealliance/componentize-js\":\\s*\"([^\"]+)\"");
        return m.Success ? $"componentize-js {m.Groups[1].Value}" : "(stamp without a version)";
    }

    private static PluginSupervisor Open(string plugins, string? db, long memoryLimit) => PluginSupervisor.Create(new SupervisorOptions
    {
        PluginDirectory = plugins,
        CacheDirectory = PluginFiles.SharedCache,
        MemoryLimitBytes = memoryLimit,
        CallTimeout = TimeSpan.FromMinutes(5),
        ChainId = Data.Chain,
        Storage = new StorageOptions
        {
            Backend = db is null ? "memory" : "sqlite",
            Location = db,
            Limits = new StorageLimits { QuotaBytes = 0, QuotaItems = 0 },
        },
    });

    private static double Median(List<double> xs)
    {
        var a = xs.Order().ToArray();
        return a.Length == 0 ? double.NaN : a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }
}
