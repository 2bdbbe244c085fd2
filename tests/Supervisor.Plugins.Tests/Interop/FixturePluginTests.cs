using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

/// <summary>
/// Proves the hand-written plugin fixtures in Fixtures/plugins/&lt;service&gt;/plugin.wat (see the README there)
/// before the supervisor's runtime uses them: each compiles, has exactly the imports and exports it documents,
/// and behaves as documented when linked by a small throwaway linker whose host functions are backed by
/// dictionaries (clientdata tables per plugin, fixed call facts), with stand-ins for imported plugins.
/// </summary>
public sealed partial class FixturePluginTests
{
    private const string Kv = "clientdata:plugin/keyvalue";
    private const string Client = "host:client/api";

    private static readonly string PluginDir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "plugins");
    private static readonly ConcurrentDictionary<string, Lazy<WasmtimeComponent>> s_compiled = new();

    private static string Source(string service) => File.ReadAllText(Path.Combine(PluginDir, service, "plugin.wat"));

    /// <summary>Compiled once per test run on the shared engine (components are immutable and thread-safe).</summary>
    private static WasmtimeComponent Compiled(string service) =>
        s_compiled.GetOrAdd(service, s => new Lazy<WasmtimeComponent>(() => TestSupport.Engine.CompileWat(Source(s)))).Value;

    // ---------------------------------------------------------------------------------------------------------
    // The throwaway host

    /// <summary>What the host functions read and write: one clientdata table per plugin, the call facts, a log.</summary>
    private sealed class FakeHost
    {
        public readonly Dictionary<(string Plugin, string Key), byte[]> Data = new();
        public readonly List<string> Log = new();
        public string Sender = "alice";
        public string ActiveApp = "homepage";
        public int Gets;
        public int Sets;

        public byte[]? Get(string plugin, string key) => Data.TryGetValue((plugin, key), out var v) ? v : null;
    }

    /// <summary>
    /// Defines clientdata:plugin/keyvalue and host:client/api for <paramref name="plugin"/> (its clientdata table,
    /// and the receiver host:client reports), then whatever <paramref name="extra"/> adds at the root.
    /// clientdata's get and set do not log (the bench loops call them many times); delete does.
    /// </summary>
    private static void DefineHost(ComponentLinker linker, FakeHost host, string plugin, Action<LinkerInstance>? extra = null)
    {
        using var root = linker.Root();
        using (var kv = root.AddInstance(Kv))
        {
            kv.AddFunction("get", (in HostCall call) =>
            {
                host.Gets++;
                var value = host.Get(plugin, ComponentValues.ReadString(call.Args[0]));
                if (value is null) ComponentValues.WriteNone(ref call.Results[0]);
                else ComponentValues.WriteOptionBytes(ref call.Results[0], value);
            });
            kv.AddFunction("set", (in HostCall call) =>
            {
                host.Sets++;
                host.Data[(plugin, ComponentValues.ReadString(call.Args[0]))] = ComponentValues.ReadBytes(call.Args[1]);
            });
            kv.AddFunction("delete", (in HostCall call) =>
            {
                var key = ComponentValues.ReadString(call.Args[0]);
                host.Log.Add($"{plugin} delete {key}");
                host.Data.Remove((plugin, key));
            });
        }
        using (var client = root.AddInstance(Client))
        {
            client.AddFunction("get-sender", (in HostCall call) => ComponentValues.WriteString(ref call.Results[0], host.Sender));
            client.AddFunction("get-receiver", (in HostCall call) => ComponentValues.WriteString(ref call.Results[0], plugin));
            client.AddFunction("get-active-app", (in HostCall call) => ComponentValues.WriteString(ref call.Results[0], host.ActiveApp));
            client.AddFunction("get-app-url", (in HostCall call) =>
                ComponentValues.WriteString(ref call.Results[0], $"https://{ComponentValues.ReadString(call.Args[0])}.psibase.example"));
        }
        extra?.Invoke(root);
    }

    /// <summary>One instantiated fixture: its own linker and store.</summary>
    private sealed class Loaded : IDisposable
    {
        public required string Service { get; init; }
        public required ComponentLinker Linker { get; init; }
        public required ComponentStore Store { get; init; }
        public required ComponentInstance Instance { get; init; }

        public ComponentFunction Fn(string name, string? iface = null) =>
            Instance.GetFunction(iface ?? $"{Service}:plugin/api", name) ?? throw new InvalidOperationException($"no export {name}");

        public object? Call(string name, params object?[] args) => Fn(name).Invoke(args);

        public void Dispose()
        {
            Store.Dispose();
            Linker.Dispose();
        }
    }

    private static Loaded Load(string service, FakeHost host, Action<LinkerInstance>? extra = null,
        WasmtimeEngine? engine = null, Action<ComponentLinker, ComponentStore>? configure = null)
    {
        engine ??= TestSupport.Engine;
        var component = engine == TestSupport.Engine ? Compiled(service) : engine.CompileWat(Source(service));
        var linker = new ComponentLinker(engine);
        var store = new ComponentStore(engine);
        try
        {
            configure?.Invoke(linker, store);
            DefineHost(linker, host, service, extra);
            var instance = linker.Instantiate(store, component);
            return new Loaded { Service = service, Linker = linker, Store = store, Instance = instance };
        }
        catch
        {
            store.Dispose();
            linker.Dispose();
            throw;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Shape: names, imports, exports

    [GeneratedRegex("^(?!-)(?!.*--)[a-z0-9-]{1,10}(?<!-)$")]
    private static partial Regex AccountName();

    public static readonly string[] AllServices = ["walpha", "wbeta", "wclient", "wcaller", "wloop1", "wloop2", "wevil", "wfake"];

    /// <summary>Fixtures exercised only through the supervisor (Hosting tests), not by this class.</summary>
    public static readonly string[] SupervisorOnly = ["wdb", "wkv", "wrelay", "wsink", "wsmuggle", "wtable"];

    [Fact]
    public void PluginDirectoryHoldsExactlyTheFixturesEachNamedByAValidAccount()
    {
        var dirs = Directory.GetDirectories(PluginDir).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(AllServices.Concat(SupervisorOnly).Order().ToArray(), dirs);
        foreach (var dir in dirs)
        {
            Assert.Matches(AccountName(), dir!);
            Assert.Equal(new[] { "plugin.wat" }, Directory.GetFiles(Path.Combine(PluginDir, dir!)).Select(Path.GetFileName).ToArray());
            Assert.StartsWith(";;", Source(dir!)); // each starts with a comment saying what it is for
        }
    }

    private static readonly string[] KvImport =
    [
        "import clientdata:plugin/keyvalue: instance",
        "import clientdata:plugin/keyvalue.get: func(key: string) -> option<list<u8>>",
        "import clientdata:plugin/keyvalue.set: func(key: string, value: list<u8>)",
        "import clientdata:plugin/keyvalue.delete: func(key: string)",
    ];

    private static readonly string[] ClientImport =
    [
        "import host:client/api: instance",
        "import host:client/api.get-sender: func() -> string",
        "import host:client/api.get-receiver: func() -> string",
        "import host:client/api.get-app-url: func(app: string) -> string",
        "import host:client/api.get-active-app: func() -> string",
    ];

    private static string[] KvPluginExports(string service) =>
    [
        $"export {service}:plugin/api: instance",
        $"export {service}:plugin/api.set: func(key: string, value: list<u8>)",
        $"export {service}:plugin/api.get: func(key: string) -> option<list<u8>>",
        $"export {service}:plugin/api.delete: func(key: string)",
        $"export {service}:plugin/api.set-then-fail: func(key: string, value: list<u8>) -> result<_, string>",
        $"export {service}:plugin/api.set-then-trap: func(key: string, value: list<u8>)",
        $"export {service}:plugin/api.ping: func() -> u32",
        $"export {service}:plugin/api.spin: func()",
        $"export {service}:plugin/api.grow: func(pages: u32) -> s32",
        $"export {service}:plugin/api.bench-set: func(count: u32, size: u32) -> u32",
        $"export {service}:plugin/api.bench-get: func(count: u32) -> u32",
    ];

    private static string[] Expected(string service) => service switch
    {
        "walpha" or "wbeta" => [.. KvImport, .. KvPluginExports(service)],
        "wclient" =>
        [
            .. ClientImport,
            "export wclient:plugin/api: instance",
            "export wclient:plugin/api.whoami: func() -> string",
            "export wclient:plugin/api.app-url: func(app: string) -> string",
        ],
        "wcaller" =>
        [
            .. KvImport,
            .. ClientImport,
            "import wbeta:plugin/api: instance",
            "import wbeta:plugin/api.set: func(key: string, value: list<u8>)",
            "import wbeta:plugin/api.get: func(key: string) -> option<list<u8>>",
            "import wbeta:plugin/api.ping: func() -> u32",
            "export wcaller:plugin/api: instance",
            "export wcaller:plugin/api.set-via-beta: func(key: string, value: list<u8>)",
            "export wcaller:plugin/api.get-via-beta: func(key: string) -> option<list<u8>>",
            "export wcaller:plugin/api.ping-beta: func() -> u32",
            "export wcaller:plugin/api.set-own: func(key: string, value: list<u8>)",
            "export wcaller:plugin/api.get-own: func(key: string) -> option<list<u8>>",
            "export wcaller:plugin/api.whoami-via-client: func() -> string",
        ],
        "wloop1" or "wloop2" =>
        [
            $"import {(service == "wloop1" ? "wloop2" : "wloop1")}:plugin/api: instance",
            $"import {(service == "wloop1" ? "wloop2" : "wloop1")}:plugin/api.bounce: func(n: u32) -> u32",
            $"export {service}:plugin/api: instance",
            $"export {service}:plugin/api.bounce: func(n: u32) -> u32",
        ],
        "wevil" =>
        [
            "import evil:net/socket: instance",
            "import evil:net/socket.connect: func(host: string) -> u32",
            "import wasi:http/outgoing-handler@0.2.0: instance",
            "import wasi:http/outgoing-handler@0.2.0.handle: func(url: string) -> u32",
            "import wasi:cli/environment@0.2.0: instance",
            "import wasi:cli/environment@0.2.0.get-environment: func() -> list<tuple<string, string>>",
            "export wevil:plugin/api: instance",
            "export wevil:plugin/api.connect: func(host: string) -> u32",
            "export wevil:plugin/api.fetch: func(url: string) -> u32",
            "export wevil:plugin/api.env-count: func() -> u32",
        ],
        "wfake" =>
        [
            .. KvImport,
            "export clientdata:plugin/keyvalue: instance",
            "export clientdata:plugin/keyvalue.get: func(key: string) -> option<list<u8>>",
            "export clientdata:plugin/keyvalue.set: func(key: string, value: list<u8>)",
            "export clientdata:plugin/keyvalue.delete: func(key: string)",
            "export wfake:plugin/api: instance",
            "export wfake:plugin/api.set: func(key: string, value: list<u8>)",
            "export wfake:plugin/api.get: func(key: string) -> option<list<u8>>",
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    public static TheoryData<string> Services() => new(AllServices);

    [Theory]
    [MemberData(nameof(Services))]
    public void CompilesWithExactlyTheDocumentedImportsAndExports(string service)
    {
        var type = Compiled(service).Type;
        Assert.Equal(Expected(service), type.Describe().ToArray());
        // Every fixture exports its own <service>:plugin/api as an instance.
        var api = type.Exports.Single(e => e.Name == $"{service}:plugin/api");
        Assert.Equal(ComponentItemKind.Instance, api.Kind);
        Assert.All(api.Exports, f => Assert.Equal(ComponentItemKind.Func, f.Kind));
    }

    [Fact]
    public void AlphaAndBetaAreIdenticalApartFromTheServiceName()
    {
        // Swap the two names in wbeta's text: the result must be walpha's text exactly.
        var beta = Source("wbeta").Replace("walpha", "\0").Replace("wbeta", "walpha").Replace("\0", "wbeta");
        Assert.Equal(Source("walpha"), beta);
    }

    // ---------------------------------------------------------------------------------------------------------
    // walpha / wbeta

    public static TheoryData<string, int> KvCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var s in new[] { "walpha", "wbeta" })
            foreach (var size in new[] { 0, 1, 1000, 100 * 1024 })
                data.Add(s, size);
        return data;
    }

    [Theory]
    [MemberData(nameof(KvCases))]
    public void SetGetDeleteRoundTripBytesThroughTheHostKeyedByTheGuestsKey(string service, int size)
    {
        var host = new FakeHost();
        using var p = Load(service, host);
        var value = TestSupport.RandomBytes(size, seed: size + 7);
        var key = $"key-{size}-é✓";

        Assert.Null(p.Call("set", key, value));
        Assert.Equal(value, host.Get(service, key));               // the host saw the guest's key and bytes
        Assert.Equal(value, Assert.IsType<byte[]>(p.Call("get", key)));
        Assert.Null(p.Call("get", "missing"));
        Assert.Equal(new[] { (service, key) }, host.Data.Keys.ToArray());

        p.Call("delete", key);
        Assert.Equal(new[] { $"{service} delete {key}" }, host.Log);
        Assert.Empty(host.Data);
        Assert.Null(p.Call("get", key));

        // Many calls keep memory bounded (post-return resets the bump allocator).
        for (var i = 0; i < 20; i++) { p.Call("set", key, value); Assert.Equal(value.Length, ((byte[])p.Call("get", key)!).Length); }
        Assert.True((int)p.Call("grow", 0u)! <= 2 + size / 65536 * 2, "memory grew with the number of calls");
    }

    [Theory]
    [InlineData("walpha")]
    [InlineData("wbeta")]
    public void SetThenFailReturnsErrAfterTheHostSawTheSetAndTheInstanceStaysUsable(string service)
    {
        var host = new FakeHost();
        using var p = Load(service, host);
        var result = Assert.IsType<WitResult>(p.Call("set-then-fail", "doomed", new byte[] { 1, 2, 3 }));
        Assert.False(result.IsOk);
        Assert.Equal("failed on purpose", result.Value);
        Assert.Equal(new byte[] { 1, 2, 3 }, host.Get(service, "doomed"));
        Assert.False(p.Instance.IsPoisoned);
        Assert.Equal(new byte[] { 1, 2, 3 }, p.Call("get", "doomed"));
    }

    [Theory]
    [InlineData("walpha")]
    [InlineData("wbeta")]
    public void SetThenTrapTrapsAfterTheHostSawTheSetAndPoisonsTheInstance(string service)
    {
        var host = new FakeHost();
        using var p = Load(service, host);
        var e = Assert.Throws<WasmtimeException>(() => p.Call("set-then-trap", "half", new byte[] { 9 }));
        Assert.Equal(WasmtimeErrorKind.Trap, e.Kind);
        Assert.Contains("unreachable", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(new byte[] { 9 }, host.Get(service, "half"));
        Assert.True(p.Instance.IsPoisoned);
        Assert.Equal(WasmtimeErrorKind.CannotEnter, Assert.Throws<WasmtimeException>(() => p.Call("ping")).Kind);
    }

    [Theory]
    [InlineData("walpha")]
    [InlineData("wbeta")]
    public void PingCountsCallsPerInstance(string service)
    {
        var host = new FakeHost();
        using (var p = Load(service, host))
        {
            Assert.Equal(1u, p.Call("ping"));
            Assert.Equal(2u, p.Call("ping"));
            p.Call("set", "k", new byte[] { 1 }); // other calls do not disturb the counter
            Assert.Equal(3u, p.Call("ping"));
        }
        using (var fresh = Load(service, host))
            Assert.Equal(1u, fresh.Call("ping")); // a new instance starts again
    }

    [Fact]
    public void SpinIsStoppedByTheEpochDeadline()
    {
        using var engine = new WasmtimeEngine();
        using var p = Load("walpha", new FakeHost(), engine: engine);
        p.Store.SetEpochDeadline(5);
        using var ticker = new EpochTicker(engine, TimeSpan.FromMilliseconds(10));
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<WasmtimeException>(() => p.Call("spin"));
        Assert.Equal(WasmtimeErrorKind.Interrupt, e.Kind);
        // A hang guard, not a speed check: on a loaded machine the ticker's timer can run late.
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"the loop ran {watch.Elapsed} before the interrupt");
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(16u)]
    public void GrowIsAMemoryBombThatTrapsAtTheStoreLimit(uint pages)
    {
        using var p = Load("wbeta", new FakeHost(), configure: (_, store) => store.SetLimits(memoryBytes: 64 * 65536));
        Assert.Equal(1, p.Call("grow", 0u)); // 0 pages: just reports the size
        var e = Assert.Throws<WasmtimeException>(() => p.Call("grow", pages));
        Assert.Equal(WasmtimeErrorKind.Trap, e.Kind);
        Assert.Contains("unreachable", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(p.Instance.IsPoisoned);
    }

    [Theory]
    [InlineData("walpha", 50, 100)]
    [InlineData("wbeta", 12, 0)]
    [InlineData("walpha", 3, 64 * 1024)]
    public void BenchLoopsSetDistinctKeysAndSumTheLengthsTheyGetBack(string service, int count, int size)
    {
        var host = new FakeHost();
        using var p = Load(service, host);
        Assert.Equal((uint)count, p.Call("bench-set", (uint)count, (uint)size));
        Assert.Equal(count, host.Sets);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (service, $"k{i}")).Order().ToArray(), host.Data.Keys.Order().ToArray());
        var expectedValue = Enumerable.Repeat((byte)'v', size).ToArray();
        Assert.All(host.Data.Values, v => Assert.Equal(expectedValue, v));

        Assert.Equal((uint)(count * size), p.Call("bench-get", (uint)count));
        Assert.Equal(count, host.Gets);
        // Keys past the ones set are absent and count 0; repeated runs free each value inside the loop.
        for (var i = 0; i < 3; i++) Assert.Equal((uint)(count * size), p.Call("bench-get", (uint)count + 5));
        Assert.Equal(count + 3 * (count + 5), host.Gets);
        Assert.True((int)p.Call("grow", 0u)! <= 3, "bench-get kept the values it got");
    }

    [Fact]
    public void BenchKeysAreDecimal()
    {
        var host = new FakeHost();
        using var p = Load("walpha", host);
        Assert.Equal(1001u, p.Call("bench-set", 1001u, 1u));
        foreach (var k in new[] { "k0", "k9", "k10", "k99", "k100", "k999", "k1000" }) Assert.NotNull(host.Get("walpha", k));
        Assert.Null(host.Get("walpha", "k1001"));
        Assert.Equal(1001u, p.Call("bench-get", 2000u));
    }

    // ---------------------------------------------------------------------------------------------------------
    // wclient

    [Theory]
    [InlineData("alice", "homepage")]
    [InlineData("", "x")]
    [InlineData("bob-app", "café✓")]
    public void WhoamiJoinsTheThreeStringsTheHostReturned(string sender, string active)
    {
        var host = new FakeHost { Sender = sender, ActiveApp = active };
        using var p = Load("wclient", host);
        Assert.Equal($"{sender}|wclient|{active}", p.Call("whoami"));
        Assert.Equal($"{sender}|wclient|{active}", p.Call("whoami")); // again: buffers are reset between calls
    }

    [Fact]
    public void AppUrlPassesTheHostsAnswerThrough()
    {
        using var p = Load("wclient", new FakeHost());
        Assert.Equal("https://walpha.psibase.example", p.Call("app-url", "walpha"));
        Assert.Equal("https://.psibase.example", p.Call("app-url", ""));
    }

    // ---------------------------------------------------------------------------------------------------------
    // wcaller

    [Fact]
    public void CallerReachesAStandInBetaItsOwnClientdataAndHostClient()
    {
        var host = new FakeHost();
        var beta = new Dictionary<string, byte[]>();
        var betaPings = 0u;
        using var p = Load("wcaller", host, root =>
        {
            using var b = root.AddInstance("wbeta:plugin/api");
            b.AddDynamicFunction("set", (_, a) => { beta[(string)a[0]!] = (byte[])a[1]!; return null; });
            b.AddDynamicFunction("get", (_, a) => beta.TryGetValue((string)a[0]!, out var v) ? v : null);
            b.AddDynamicFunction("ping", (_, _) => ++betaPings);
        });

        p.Call("set-via-beta", "shared", new byte[] { 4, 5 });
        Assert.Equal(new byte[] { 4, 5 }, beta["shared"]);
        Assert.Empty(host.Data); // went to wbeta, not to clientdata
        Assert.Equal(new byte[] { 4, 5 }, p.Call("get-via-beta", "shared"));
        Assert.Null(p.Call("get-via-beta", "nope"));
        Assert.Equal(1u, p.Call("ping-beta"));
        Assert.Equal(2u, p.Call("ping-beta"));

        p.Call("set-own", "mine", new byte[] { 6 });
        Assert.Equal(new byte[] { 6 }, host.Get("wcaller", "mine"));
        Assert.Equal(new byte[] { 6 }, p.Call("get-own", "mine"));
        Assert.Single(beta);

        Assert.Equal("alice|wcaller|homepage", p.Call("whoami-via-client"));
    }

    [Fact]
    public void CallerReachesARealBetaInstanceLinkedThroughTheHost()
    {
        // As the supervisor will do it: wbeta in its own store; wcaller's wbeta:plugin/api import is a host
        // function that calls into that instance.
        var host = new FakeHost();
        using var beta = Load("wbeta", host);
        using var p = Load("wcaller", host, root =>
        {
            using var b = root.AddInstance("wbeta:plugin/api");
            b.AddDynamicFunction("set", (_, a) => beta.Call("set", a));
            b.AddDynamicFunction("get", (_, a) => beta.Call("get", a));
            b.AddDynamicFunction("ping", (_, a) => beta.Call("ping", a));
        });

        var value = TestSupport.RandomBytes(1000, seed: 3);
        p.Call("set-via-beta", "via", value);
        Assert.Equal(value, host.Get("wbeta", "via")); // landed in wbeta's table
        Assert.Null(host.Get("wcaller", "via"));
        Assert.Equal(value, p.Call("get-via-beta", "via"));
        Assert.Equal(value, beta.Call("get", "via"));

        Assert.Equal(1u, p.Call("ping-beta"));
        Assert.Equal(2u, beta.Call("ping")); // the same wbeta instance
        Assert.Equal(3u, p.Call("ping-beta"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // wloop1 / wloop2

    [Theory]
    [InlineData("wloop1", "wloop2")]
    [InlineData("wloop2", "wloop1")]
    public void BounceCallsTheOtherWithOneLessUntilZero(string service, string other)
    {
        var saw = new List<uint>();
        using var p = Load(service, new FakeHost(), root =>
        {
            using var o = root.AddInstance($"{other}:plugin/api");
            o.AddDynamicFunction("bounce", (_, a) => { saw.Add((uint)a[0]!); return 100u + (uint)a[0]!; });
        });
        Assert.Equal(0u, p.Call("bounce", 0u));
        Assert.Empty(saw);
        Assert.Equal(105u, p.Call("bounce", 5u));
        Assert.Equal(new[] { 4u }, saw);
    }

    [Fact]
    public void TheCycleLinkedNaivelyThroughTheHostReentersTheFirstInstanceUnchecked()
    {
        // What a supervisor that does not refuse the cycle would get. Wasmtime 50 does NOT stop it:
        // wloop1 -> host -> wloop2 -> host -> wloop1 re-enters wloop1's instance while it is still on the stack,
        // and the recursion only ends when n reaches 0 (a large n would exhaust the native stack). So the
        // supervisor has to refuse the cycle itself (import graph at load, or its call stack at call time).
        Loaded? loop2 = null;
        var host = new FakeHost();
        var depth = 0;
        var maxDepth = 0;
        object? Through(Loaded target, object?[] a)
        {
            maxDepth = Math.Max(maxDepth, ++depth);
            try { return target.Call("bounce", a); }
            finally { depth--; }
        }
        using var loop1 = Load("wloop1", host, root =>
        {
            using var o = root.AddInstance("wloop2:plugin/api");
            o.AddDynamicFunction("bounce", (_, a) => Through(loop2!, a));
        });
        using (loop2 = Load("wloop2", host, root =>
        {
            using var o = root.AddInstance("wloop1:plugin/api");
            o.AddDynamicFunction("bounce", (_, a) => Through(loop1, a));
        }))
        {
            Assert.Equal(1u, loop1.Call("bounce", 1u)); // wloop1 -> wloop2(0): no re-entry yet
            Assert.Equal(1, maxDepth);
            Assert.Equal(6u, loop1.Call("bounce", 6u)); // wloop1 -> wloop2 -> wloop1 -> ... -> 0
            Assert.Equal(6, maxDepth);                   // wloop1 was entered three times at once
            Assert.False(loop1.Instance.IsPoisoned);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // wevil

    [Fact]
    public void EvilImportsAreListedAndMissingFromAHostThatOnlyProvidesItsOwnInterfaces()
    {
        var component = Compiled("wevil");
        Assert.Equal(new[] { "evil:net/socket", "wasi:http/outgoing-handler@0.2.0", "wasi:cli/environment@0.2.0" },
            component.Type.Imports.Select(i => i.Name).ToArray());
        var e = Assert.Throws<WasmtimeException>(() => Load("wevil", new FakeHost()));
        Assert.Equal(WasmtimeErrorKind.Error, e.Kind);
        Assert.Contains("evil:net/socket", e.Message);
    }

    [Fact]
    public void EvilWorksWhenAHostGivesItWhatItWantsIncludingWasiSilently()
    {
        var hosts = new List<string>();
        using var p = Load("wevil", new FakeHost(), root =>
        {
            using (var s = root.AddInstance("evil:net/socket"))
                s.AddDynamicFunction("connect", (_, a) => { hosts.Add((string)a[0]!); return 7u; });
            using (var h = root.AddInstance("wasi:http/outgoing-handler@0.2.0"))
                h.AddDynamicFunction("handle", (_, a) => { hosts.Add((string)a[0]!); return 200u; });
        }, configure: (linker, store) =>
        {
            linker.AddWasiP2(); // supplies wasi:cli/environment: only an allow-list of import names stops it
            store.ConfigureWasiNothingGranted();
        });
        Assert.Equal(7u, p.Call("connect", "evil.example:443"));
        Assert.Equal(200u, p.Call("fetch", "https://evil.example/"));
        Assert.Equal(new[] { "evil.example:443", "https://evil.example/" }, hosts);
        Assert.Equal(0u, p.Call("env-count"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // wfake

    [Fact]
    public void FakeClientdataExportAnswersFakeWhileItsApiUsesTheRealHostClientdata()
    {
        var host = new FakeHost();
        using var p = Load("wfake", host);

        Assert.Equal("fake"u8.ToArray(), p.Fn("get", Kv).Invoke("anything"));
        p.Fn("set", Kv).Invoke("ignored", new byte[] { 1 });
        p.Fn("delete", Kv).Invoke("ignored");
        Assert.Empty(host.Data);
        Assert.Empty(host.Log);
        Assert.Equal(0, host.Sets + host.Gets);

        p.Call("set", "real", new byte[] { 42 });
        Assert.Equal(new byte[] { 42 }, host.Get("wfake", "real"));
        Assert.Equal(new byte[] { 42 }, p.Call("get", "real"));
        Assert.Null(p.Call("get", "ignored"));
        Assert.Equal("fake"u8.ToArray(), p.Fn("get", Kv).Invoke("real")); // the fake never consults the host
    }
}
