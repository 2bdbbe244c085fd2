using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using Supervisor.Plugins;
using Supervisor.Plugins.Composition;
using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Benchmarks;

/// <summary>
/// Where the time of a clientdata set and get goes with the byte adapter, one layer at a time, all in
/// one process and interleaved in rounds: the WAT plugin walpha composed with the real adapter, with an adapter
/// that skips its base64 (same bytes cross), and with an adapter that never calls the host (only the copy
/// between the plugin and the adapter is left), each on a bare linker whose host functions do nothing (set) or
/// hand back a cached string (get); .NET's base64 on the host; the storage engine on the memory backend and on
/// SQLite (opening the bucket per call, as the host function does); raw Microsoft.Data.Sqlite; and the full
/// supervisor path for walpha (nested), jsnotes and wtable (walpha's code in wit-component's layout: both spliced)
/// on both backends. Differences give each layer's share.
/// Usage: <c>adapter-breakdown [--seconds N] [--size BYTES]</c> (default 2 s per contender, 64 KiB).
/// </summary>
public static class AdapterBreakdown
{
    private sealed record Contender(string Name, Func<long> Batch);

    /// <summary>An adapter that never calls the host: set drops the value, get returns <c>size</c> bytes of its own memory.</summary>
    private const string CopyOnlyAdapter = """
        (component
          (import "supervisor:adapter/clientdata" (instance $host
            (export "get-enc" (func (param "key" string) (result (option string))))
            (export "set-enc" (func (param "key" string) (param "value" string)))
            (export "fail" (func (param "message" string)))
          ))
          (core module $mem
        ;;@include adapter-memory
          )
          (core instance $mem (instantiate $mem))
          (core module $adapter
            (import "mem" "memory" (memory 1))
            (import "mem" "bump" (global $bump (mut i32)))
            (func (export "set") (param i32 i32 i32 i32))
            (func (export "get") (param i32 i32) (result i32)
              (i32.store8 (i32.const 400) (i32.const 1))
              (i32.store (i32.const 404) (i32.const 1024))
              (i32.store (i32.const 408) (i32.const SIZE))
              (i32.const 400))
            (func (export "reset0") (global.set $bump (i32.const 1024)))
            (func (export "reset1") (param i32) (global.set $bump (i32.const 1024))))
          (core instance $adapter (instantiate $adapter (with "mem" (instance $mem))))
          (func (export "get") (param "key" string) (result (option (list u8)))
            (canon lift (core func $adapter "get") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
              (post-return (core func $adapter "reset1"))))
          (func (export "set") (param "key" string) (param "value" (list u8))
            (canon lift (core func $adapter "set") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
              (post-return (core func $adapter "reset0"))))
        )
        """;

    public static int Run(string[] args)
    {
        var seconds = 2.0;
        var size = 64 * 1024;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds") seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--size") size = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: adapter-breakdown [--seconds N] [--size BYTES]");
                return 2;
            }
        }
        const int count = 50;
        Console.WriteLine($"adapter-breakdown: clientdata set/get of {PluginBench.SizeLabel(size)}, {count} keys per batch, {seconds} s per contender, " +
                          $"interleaved rounds; {Environment.ProcessorCount} cores; load average {PluginBench.LoadAverage()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var dir = Data.TempDir();
        var disposables = new List<IDisposable>();
        T Keep<T>(T d) where T : IDisposable
        {
            disposables.Add(d);
            return d;
        }
        try
        {
            var plugins = PluginFiles.PluginDirectory(dir, "walpha", "jsnotes", "wtable");
            var value = new byte[size];
            Array.Fill(value, (byte)0x76); // what walpha's bench-set writes
            var keys = Enumerable.Range(0, count).Select(i => $"k{i}").ToArray();
            var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(size)];
            Base64.EncodeToUtf8(value, encoded, out _, out _);
            var decoded = new byte[size];

            var engine = new WasmtimeEngine();
            var walpha = Wat.ToBinary(File.ReadAllText(PluginFiles.WatFixture("walpha")));
            var real = ByteAdapter.Source("clientdata-adapter.wat");
            var noCodec = Replace(Replace(real,
                    "(call $encode (local.get $vp) (local.get $vl) (local.get $enc))",
                    "(i32.mul (i32.div_u (i32.add (local.get $vl) (i32.const 2)) (i32.const 3)) (i32.const 4))"),
                "(call $decode (i32.load (i32.const 404)) (local.get $sl) (local.get $out))",
                "(i32.mul (i32.shr_u (local.get $sl) (i32.const 2)) (i32.const 3))");
            var copyOnly = ByteAdapter.Expand(CopyOnlyAdapter.Replace("SIZE", size.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            var bareFull = Keep(new Bare(engine, walpha, real, encoded));
            var bareNoCodec = Keep(new Bare(engine, walpha, noCodec, encoded));
            var bareCopy = Keep(new Bare(engine, walpha, copyOnly, encoded));

            var raw = Keep(new Raw(Path.Combine(dir, "raw.db"), RawSchema.Rowid, size));
            var storeSqlite = Keep(KeyValueStore.Create(new StorageOptions { Location = Path.Combine(dir, "engine.db") }));
            var storeMemory = Keep(KeyValueStore.Create(new StorageOptions { Backend = "memory" }));
            Func<Bucket> BucketOf(KeyValueStore store)
            {
                var session = Keep(store.OpenSession());
                var op = Keep(session.BeginOperation());
                return () => op.OpenBucket(Data.Chain, DbMode.NonTransactional, StorageDuration.Persistent, Names.ClientData, "walpha");
            }
            var engineSqlite = BucketOf(storeSqlite);
            var engineMemory = BucketOf(storeMemory);
            PluginSupervisor Open(bool sqlite, string name) => Keep(PluginSupervisor.Create(new SupervisorOptions
            {
                PluginDirectory = plugins, CacheDirectory = PluginFiles.SharedCache, ChainId = Data.Chain, CallTimeout = TimeSpan.FromMinutes(1),
                Storage = sqlite ? new StorageOptions { Location = Path.Combine(dir, name + ".db") } : new StorageOptions { Backend = "memory" },
            }));
            var memory = Open(false, "memory");
            var sqliteSupervisor = Open(true, "sqlite");
            long Guest(PluginSupervisor s, string service, string fn, bool set)
            {
                var result = set ? s.Call($"{service}:plugin/api.{fn}", (uint)count, (uint)size) : s.Call($"{service}:plugin/api.{fn}", (uint)count);
                if (!set && Convert.ToInt64(result, CultureInfo.InvariantCulture) != (long)count * size)
                    throw new InvalidOperationException($"{service}.{fn} read {result} bytes, expected {(long)count * size}");
                return count;
            }
            long Loop(Action<int> op)
            {
                for (var i = 0; i < count; i++) op(i);
                return count;
            }

            var setList = new List<Contender>
            {
                new("A. walpha + adapter that never calls the host (plugin loop + copy plugin -> adapter)", () => bareCopy.Set(count, size)),
                new("B. walpha + adapter without base64, null host (A + string crossing to the host)", () => bareNoCodec.Set(count, size)),
                new("C. walpha + real adapter, null host (B + SIMD base64 encode in the adapter)", () => bareFull.Set(count, size)),
                new("D. .NET Base64.DecodeFromUtf8 of the value (the host twin's decode)", () => Loop(_ => Base64.DecodeFromUtf8(encoded, decoded, out _, out _))),
                new("E. engine on the memory backend, OpenBucket + Set", () => Loop(i => engineMemory().Set(keys[i], value))),
                new("F. engine on SQLite, OpenBucket + Set (quotas on)", () => Loop(i => engineSqlite().Set(keys[i], value))),
                new("G. raw Microsoft.Data.Sqlite upsert", () => Loop(i => raw.Set(keys[i], value))),
                new("H. supervisor: walpha -> memory backend", () => Guest(memory, "walpha", "bench-set", true)),
                new("I. supervisor: walpha -> SQLite", () => Guest(sqliteSupervisor, "walpha", "bench-set", true)),
                new("J. supervisor: jsnotes -> memory backend", () => Guest(memory, "jsnotes", "bench-set", true)),
                new("K. supervisor: jsnotes -> SQLite", () => Guest(sqliteSupervisor, "jsnotes", "bench-set", true)),
                new("L. supervisor: wtable (walpha spliced) -> memory backend", () => Guest(memory, "wtable", "bench-set", true)),
                new("M. supervisor: wtable (walpha spliced) -> SQLite", () => Guest(sqliteSupervisor, "wtable", "bench-set", true)),
            };
            var getList = new List<Contender>
            {
                new("A. walpha + adapter that never calls the host (plugin loop + copy adapter -> plugin)", () => bareCopy.Get(count, size)),
                new("B. walpha + adapter without base64, null host (A + string crossing from the host)", () => bareNoCodec.Get(count, -1)),
                new("C. walpha + real adapter, null host (B + SIMD base64 decode in the adapter)", () => bareFull.Get(count, size)),
                new("D. .NET Base64.EncodeToUtf8 of the value (the host twin's encode)", () => Loop(_ => Base64.EncodeToUtf8(value, encoded, out _, out _))),
                new("E. engine on the memory backend, OpenBucket + Get", () => Loop(i => engineMemory().Get(keys[i]))),
                new("F. engine on SQLite, OpenBucket + Get", () => Loop(i => engineSqlite().Get(keys[i]))),
                new("G. raw Microsoft.Data.Sqlite SELECT", () => Loop(i => raw.Get(keys[i]))),
                new("H. supervisor: walpha -> memory backend", () => Guest(memory, "walpha", "bench-get", false)),
                new("I. supervisor: walpha -> SQLite", () => Guest(sqliteSupervisor, "walpha", "bench-get", false)),
                new("J. supervisor: jsnotes -> memory backend", () => Guest(memory, "jsnotes", "bench-get", false)),
                new("K. supervisor: jsnotes -> SQLite", () => Guest(sqliteSupervisor, "jsnotes", "bench-get", false)),
                new("L. supervisor: wtable (walpha spliced) -> memory backend", () => Guest(memory, "wtable", "bench-get", false)),
                new("M. supervisor: wtable (walpha spliced) -> SQLite", () => Guest(sqliteSupervisor, "wtable", "bench-get", false)),
            };
            // Fill every store the gets read.
            foreach (var s in new[] { memory, sqliteSupervisor })
            {
                Guest(s, "walpha", "bench-set", true);
                Guest(s, "jsnotes", "bench-set", true);
                Guest(s, "wtable", "bench-set", true);
            }
            for (var i = 0; i < count; i++)
            {
                engineMemory().Set(keys[i], value);
                engineSqlite().Set(keys[i], value);
                raw.Set(keys[i], value);
            }

            var set = Measure("set", setList, seconds);
            var get = Measure("get", getList, seconds);
            Console.WriteLine();
            Console.WriteLine($"Where a {PluginBench.SizeLabel(size)} operation's time goes (us per op, from the medians above; a share is the difference of two rows):");
            Console.WriteLine();
            Console.WriteLine("| layer | set | get | from |");
            Console.WriteLine("| --- | ---: | ---: | --- |");
            void Row(string layer, Func<double[], double> f, string from) =>
                Console.WriteLine($"| {layer} | {f(set):F1} | {f(get):F1} | {from} |");
            Row("WAT plugin loop + copy between plugin and adapter", t => t[0], "A");
            Row("string crossing, adapter <-> host (Wasmtime)", t => t[1] - t[0], "B - A");
            Row("SIMD base64 in the adapter", t => t[2] - t[1], "C - B");
            Row(".NET base64 on the host", t => t[3], "D");
            Row("storage engine (memory backend)", t => t[4], "E");
            Row("SQLite under the engine (engine on SQLite - on memory)", t => t[5] - t[4], "F - E");
            Row("sum of the layers (walpha -> SQLite, predicted)", t => t[2] + t[3] + t[5], "C + D + F");
            Row("walpha -> SQLite through the supervisor (measured)", t => t[8], "I");
            Row("supervisor's own cost (call, context, host function)", t => t[7] - t[2] - t[3] - t[4], "H - C - D - E");
            Row("JavaScript plugin's own cost over the WAT plugin", t => t[9] - t[7], "J - H");
            Row("jsnotes -> SQLite through the supervisor (measured)", t => t[10], "K");
            Row("raw Microsoft.Data.Sqlite", t => t[6], "G");
            Row("spliced instead of nested: walpha's code -> memory backend", t => t[11], "L");
            Row("what splicing saves over nesting (memory backend)", t => t[7] - t[11], "H - L");
            Row("wtable (walpha spliced) -> SQLite (measured)", t => t[12], "M");
            Console.WriteLine();
            Console.WriteLine($"walpha (nested) x raw SQLite: set {set[8] / set[6]:F2}, get {get[8] / get[6]:F2}; wtable (spliced): set {set[12] / set[6]:F2}, get {get[12] / get[6]:F2} (stretch goal: <= 2). " +
                              $"jsnotes ops/s: set {1e6 / set[10]:N0}, get {1e6 / get[10]:N0} (goal at 64 KiB: 6,300 / 2,800).");
            return 0;
        }
        finally
        {
            for (var i = disposables.Count - 1; i >= 0; i--) disposables[i].Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static string Replace(string text, string from, string to) =>
        text.Contains(from, StringComparison.Ordinal) ? text.Replace(from, to, StringComparison.Ordinal)
            : throw new InvalidOperationException($"the adapter source no longer contains `{from}`: update the breakdown's variant");

    /// <summary>Median us per op of each contender, printed as a table.</summary>
    private static double[] Measure(string op, List<Contender> cs, double seconds)
    {
        const double slice = 0.2;
        var rounds = Math.Max(3, (int)Math.Round(seconds / slice));
        var perRound = cs.Select(_ => new double[rounds]).ToArray();
        foreach (var c in cs) c.Batch(); // warm-up
        for (var round = 0; round < rounds; round++)
        {
            for (var j = 0; j < cs.Count; j++)
            {
                var k = (j + round) % cs.Count;
                long ops = 0;
                var start = Stopwatch.GetTimestamp();
                do ops += cs[k].Batch();
                while (Stopwatch.GetElapsedTime(start).TotalSeconds < slice);
                perRound[k][round] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / ops;
            }
        }
        var medians = perRound.Select(r => r.Order().ElementAt(r.Length / 2)).ToArray();
        Console.WriteLine();
        Console.WriteLine($"## {op}");
        Console.WriteLine("| contender | us/op (median of rounds) | ops/s |");
        Console.WriteLine("| --- | ---: | ---: |");
        for (var i = 0; i < cs.Count; i++) Console.WriteLine($"| {cs[i].Name} | {medians[i]:F1} | {1e6 / medians[i]:N0} |");
        return medians;
    }

    /// <summary>walpha composed with an adapter variant on a bare linker: set-enc ignores the string, get-enc returns a cached one.</summary>
    private sealed class Bare : IDisposable
    {
        private readonly WasmtimeComponent _component;
        private readonly ComponentLinker _linker;
        private readonly ComponentStore _store;
        private readonly ComponentFunction _set, _get;

        public Bare(WasmtimeEngine engine, byte[] walpha, string adapterWat, byte[] cached)
        {
            var adapter = Wat.ToBinary(adapterWat);
            var specs = ByteAdapter.Specs.Select(s => s.HostInterface == ByteAdapter.ClientDataHost ? s with { Component = adapter } : s).ToList();
            var composed = ComponentComposer.Compose(walpha, specs);
            if (!composed.IsComposed) throw new InvalidOperationException($"walpha did not compose: {composed.Reason}");
            _component = engine.Compile(composed.Bytes);
            _linker = new ComponentLinker(engine);
            using (var root = _linker.Root())
            {
                using (var li = root.AddInstance(ByteAdapter.ClientDataHost))
                {
                    li.AddFunction("set-enc", static (in HostCall call) => { });
                    li.AddFunction("get-enc", (in HostCall call) =>
                    {
                        ComponentVal payload = default;
                        ComponentValues.WriteUtf8(ref payload, cached);
                        ComponentValues.WriteSome(ref call.Results[0], ref payload);
                    });
                    li.AddFunction("fail", static (in HostCall call) => throw new InvalidOperationException(ComponentValues.ReadString(call.Args[0])));
                }
                using (var li = root.AddInstance("clientdata:plugin/keyvalue"))
                {
                    li.AddFunction("get", static (in HostCall call) => throw new InvalidOperationException("not used"));
                    li.AddFunction("set", static (in HostCall call) => throw new InvalidOperationException("not used"));
                    li.AddFunction("delete", static (in HostCall call) => { });
                }
            }
            _store = new ComponentStore(engine);
            var instance = _linker.Instantiate(_store, _component);
            _set = instance.GetFunction("walpha:plugin/api", "bench-set")!;
            _get = instance.GetFunction("walpha:plugin/api", "bench-get")!;
        }

        public long Set(int count, int size)
        {
            _set.Invoke((uint)count, (uint)size);
            return count;
        }

        /// <summary>A get loop; checks the bytes found unless <paramref name="size"/> is negative (the no-base64 variant returns other lengths).</summary>
        public long Get(int count, int size)
        {
            var found = Convert.ToInt64(_get.Invoke((uint)count), CultureInfo.InvariantCulture);
            if (size >= 0 && found != (long)count * size) throw new InvalidOperationException($"bench-get found {found} bytes, expected {(long)count * size}");
            return count;
        }

        public void Dispose()
        {
            _store.Dispose();
            _linker.Dispose();
            _component.Dispose();
        }
    }
}
