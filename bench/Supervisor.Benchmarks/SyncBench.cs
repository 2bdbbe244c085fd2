using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;
using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Redis;
using Supervisor.Storage.Sync;

namespace Supervisor.Benchmarks;

/// <summary>
/// Export, import and clone throughput: fills a SQLite store with N records (100 buckets of 10 services,
/// 100-byte values), then times export to a JSON Lines file, import of that file into an empty SQLite store
/// (policy fail, the CLI's default: validation pass, conflict check, writes), and clone SQLite -> SQLite, with the
/// process's peak working set sampled every 5 ms during each step. When <c>redis-server</c> is on PATH it starts
/// one of its own (loopback, free port, temporary folder, AOF with <c>appendfsync always</c>, as the test fixture),
/// times clone SQLite -> Redis, and measures get/set ops/s on one connection through the engine against raw
/// StackExchange.Redis StringSet/StringGet in the same run; the server is stopped at the end.
/// </summary>
public static class SyncBench
{
    private const double MiB = 1048576.0;
    private static readonly StorageLimits NoQuota = new() { QuotaBytes = 0, QuotaItems = 0 };

    public static int Run(string[] args)
    {
        var records = 200_000;
        var valueSize = 100;
        var seconds = 2.0;
        var redis = true;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--records") records = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--value") valueSize = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--seconds") seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--no-redis") redis = false;
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: sync [--records N (default 200000)] [--value BYTES (default 100)] "
                    + "[--seconds S per get/set measure (default 2)] [--no-redis]");
                return 2;
            }
        }

        var dir = Data.TempDir();
        var rows = new List<string>();
        try
        {
            var source = Path.Combine(dir, "source.db");
            using (var store = Open(source))
            {
                var fill = Stopwatch.StartNew();
                Fill(store, records, valueSize);
                Console.WriteLine($"filled {records:N0} records ({valueSize} B values, 100 buckets) in {fill.Elapsed.TotalSeconds:F1} s; "
                    + $"source file + WAL {FileBytes(source) / MiB:F1} MiB");
            }

            var archive = Path.Combine(dir, "archive.jsonl");
            rows.Add(Measure("export SQLite -> JSON Lines file", records, () =>
            {
                using var store = Open(source);
                using var file = new FileStream(archive, FileMode.Create, FileAccess.Write, FileShare.None, 81920);
                return StorageArchive.Export(store, file);
            }, () => new FileInfo(archive).Length));
            rows.Add(Measure("import JSON Lines file -> empty SQLite (policy fail)", records, () =>
            {
                using var store = Open(Path.Combine(dir, "imported.db"));
                using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 81920);
                return StorageArchive.Import(store, file, ConflictPolicy.Fail).Imported;
            }, () => new FileInfo(archive).Length));
            rows.Add(Measure("clone SQLite -> empty SQLite (policy fail)", records, () =>
            {
                using var from = Open(source);
                using var to = Open(Path.Combine(dir, "clone.db"));
                return StorageArchive.Clone(from, to, onConflict: ConflictPolicy.Fail).Imported;
            }, null));

            var redisRows = new List<string>();
            if (redis && RedisProcess.Find() is { } exe)
            {
                using var server = new RedisProcess(exe, Path.Combine(dir, "redis"));
                Console.WriteLine($"redis-server {server.Version} on 127.0.0.1:{server.Port} (appendonly yes, appendfsync always)");
                var location = $"redis://127.0.0.1:{server.Port}/0?prefix=clone";
                rows.Add(Measure("clone SQLite -> empty Redis (policy fail)", records, () =>
                {
                    using var from = Open(source);
                    using var to = Open(location);
                    return StorageArchive.Clone(from, to, onConflict: ConflictPolicy.Fail).Imported;
                }, null));
                foreach (var size in new[] { 16, 1024 })
                    redisRows.AddRange(GetSet(server.Port, size, seconds));
            }
            else
            {
                Console.WriteLine(redis ? "redis-server is not on PATH: the Redis rows are left out" : "--no-redis: the Redis rows are left out");
            }

            Console.WriteLine();
            Console.WriteLine("| step | records | seconds | records/s | archive MiB/s | peak working set MiB | growth over the step's start MiB |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var row in rows) Console.WriteLine(row);
            if (redisRows.Count > 0)
            {
                Console.WriteLine();
                Console.WriteLine("| Redis op | value | raw StackExchange.Redis ops/s | engine ops/s | engine / raw |");
                Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
                foreach (var row in redisRows) Console.WriteLine(row);
            }
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The built-in backends and Redis.</summary>
    private static readonly BackendRegistry Backends = WithRedis();

    private static BackendRegistry WithRedis()
    {
        var registry = BackendRegistry.CreateDefault();
        RedisBackend.Register(registry);
        return registry;
    }

    private static KeyValueStore Open(string location) => KeyValueStore.Create(new StorageOptions { Location = location, Limits = NoQuota, Registry = Backends });

    private static long FileBytes(string path) =>
        new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);

    private static void Fill(KeyValueStore store, int records, int valueSize)
    {
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        var rng = new Random(6);
        var perBucket = (records + 99) / 100;
        var written = 0;
        for (var b = 0; b < 100 && written < records; b++)
        {
            var bucket = op.OpenBucket(Data.Chain, DbMode.NonTransactional, StorageDuration.Persistent, $"svc{b / 10:D2}", $"bucket{b % 10}");
            var batch = new List<KeyValuePair<string, byte[]>>(1000);
            for (var i = 0; i < perBucket && written < records; i++, written++)
            {
                var value = new byte[valueSize];
                rng.NextBytes(value);
                batch.Add(new($"user/{i % 97:D2}/item-{i:D8}", value));
                if (batch.Count == 1000)
                {
                    bucket.SetMany(batch);
                    batch = new List<KeyValuePair<string, byte[]>>(1000);
                }
            }
            if (batch.Count > 0) bucket.SetMany(batch);
        }
        op.Commit();
    }

    /// <summary>Runs <paramref name="step"/> with a working-set sampler; returns a table row.</summary>
    private static string Measure(string name, long expected, Func<long> step, Func<long>? archiveBytes)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var proc = Process.GetCurrentProcess();
        proc.Refresh();
        var before = proc.WorkingSet64;
        long peak = before;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            using var p = Process.GetCurrentProcess();
            while (!done.Wait(5))
            {
                p.Refresh();
                peak = Math.Max(peak, p.WorkingSet64);
            }
        }) { IsBackground = true, Name = "memory sampler" };
        sampler.Start();
        var sw = Stopwatch.StartNew();
        var n = step();
        sw.Stop();
        done.Set();
        sampler.Join();
        if (n != expected) Console.Error.WriteLine($"warning: {name}: {n:N0} records, expected {expected:N0}");
        var s = sw.Elapsed.TotalSeconds;
        var mbs = archiveBytes is null ? "" : (archiveBytes() / MiB / s).ToString("F1", CultureInfo.InvariantCulture);
        Console.WriteLine($"{name}: {n:N0} records in {s:F2} s ({n / s:N0} records/s), peak working set {peak / MiB:F0} MiB (+{(peak - before) / MiB:F0})");
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {n:N0} | {s:F2} | {n / s:N0} | {mbs} | {peak / MiB:F0} | {(peak - before) / MiB:F0} |");
    }

    /// <summary>Set and get ops/s on 64 keys, one synchronous caller: raw StackExchange.Redis (StringSet/StringGet) and the engine (Bucket.Set/Get).</summary>
    private static IEnumerable<string> GetSet(int port, int size, double seconds)
    {
        var value = Data.Value(size);
        var keys = Data.Keys;
        using var mux = ConnectionMultiplexer.Connect($"127.0.0.1:{port}");
        var db = mux.GetDatabase(0);
        var rawKeys = keys.Select(k => (RedisKey)$"raw:{k}").ToArray();
        var rawSetAction = (Action<int>)(i => db.StringSet(rawKeys[i % rawKeys.Length], value));
        var rawGetAction = (Action<int>)(i =>
        {
            if (db.StringGet(rawKeys[i % rawKeys.Length]).IsNull) throw new InvalidOperationException("raw get: missing");
        });

        using var store = Open($"redis://127.0.0.1:{port}/0?prefix=ops");
        using var session = store.OpenSession();
        using var op = session.BeginOperation();
        var bucket = op.OpenBucket(Data.Chain, DbMode.NonTransactional, StorageDuration.Persistent, "bench", "ops");
        var engineSetAction = (Action<int>)(i => bucket.Set(keys[i % keys.Length], value));
        var engineGetAction = (Action<int>)(i =>
        {
            if (bucket.Get(keys[i % keys.Length]) is null) throw new InvalidOperationException("engine get: missing");
        });
        // Interleaved, best of two rounds each, so that load on the machine and warm-up favour neither side.
        double rawSet = 0, rawGet = 0, engineSet = 0, engineGet = 0;
        for (var round = 0; round < 2; round++)
        {
            rawSet = Math.Max(rawSet, Rate(seconds, rawSetAction));
            engineSet = Math.Max(engineSet, Rate(seconds, engineSetAction));
            rawGet = Math.Max(rawGet, Rate(seconds, rawGetAction));
            engineGet = Math.Max(engineGet, Rate(seconds, engineGetAction));
        }
        op.Commit();
        var label = size >= 1024 ? $"{size / 1024} KiB" : $"{size} B";
        Console.WriteLine($"redis {label}: set raw {rawSet:N0}/s engine {engineSet:N0}/s; get raw {rawGet:N0}/s engine {engineGet:N0}/s");
        yield return string.Create(CultureInfo.InvariantCulture, $"| set | {label} | {rawSet:N0} | {engineSet:N0} | {engineSet / rawSet:F2} |");
        yield return string.Create(CultureInfo.InvariantCulture, $"| get | {label} | {rawGet:N0} | {engineGet:N0} | {engineGet / rawGet:F2} |");
    }

    /// <summary>Ops/s of <paramref name="action"/> over <paramref name="seconds"/> after a short warm-up.</summary>
    private static double Rate(double seconds, Action<int> action)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; warm.Elapsed.TotalSeconds < Math.Min(0.3, seconds / 4); i++) action(i);
        var sw = Stopwatch.StartNew();
        var n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (var j = 0; j < 64; j++) action(n++);
        }
        return n / sw.Elapsed.TotalSeconds;
    }

    /// <summary>A <c>redis-server</c> of the bench's own, as the test fixture starts it; killed on dispose.</summary>
    internal sealed class RedisProcess : IDisposable
    {
        private readonly Process _process;

        public RedisProcess(string exe, string dir)
        {
            Directory.CreateDirectory(dir);
            using (var l = new TcpListener(IPAddress.Loopback, 0))
            {
                l.Start();
                Port = ((IPEndPoint)l.LocalEndpoint).Port;
            }
            var psi = new ProcessStartInfo(exe)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = dir,
            };
            foreach (var a in new[]
                     {
                         "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir,
                         "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
                         "--protected-mode", "no", "--logfile", "",
                     })
                psi.ArgumentList.Add(a);
            _process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            var deadline = Stopwatch.StartNew();
            while (Send("PING") != "+PONG")
            {
                if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}");
                if (deadline.Elapsed > TimeSpan.FromSeconds(20))
                {
                    Dispose();
                    throw new InvalidOperationException("redis-server did not answer PING within 20 s");
                }
                Thread.Sleep(50);
            }
            var info = Send("INFO server", all: true) ?? "";
            Version = info.Split("\r\n").FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?["redis_version:".Length..] ?? "?";
        }

        public int Port { get; }

        public string Version { get; }

        public static string? Find() =>
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                .Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists);

        private string? Send(string inline, bool all = false)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                client.ReceiveTimeout = 5000;
                var stream = client.GetStream();
                stream.Write(Encoding.ASCII.GetBytes(inline + "\r\n"));
                var buf = new byte[16384];
                var n = stream.Read(buf);
                var reply = Encoding.ASCII.GetString(buf, 0, n);
                var end = reply.IndexOf("\r\n", StringComparison.Ordinal);
                return all || end < 0 ? reply : reply[..end];
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                return null;
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }
    }
}
