using System.Text;
using Supervisor.Plugins.Composition;
using Supervisor.Plugins.Hosting;
using Supervisor.Plugins.Loading;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Plugins.Tests.Interop;
using Supervisor.Storage;
using Supervisor.Testing;

using static Supervisor.Plugins.Tests.Composition.AdapterTestValues;

namespace Supervisor.Plugins.Tests.Composition;

/// <summary>
/// The byte adapter: clientdata values through an unmodified WAT plugin (walpha) and an unmodified
/// componentize-js plugin (jsnotes), composed at load time with the adapter, byte-exact with the adapter on and
/// off; the adapter's validation; the fallback for shapes the composer does not know; the import policy.
/// </summary>
public sealed class ByteAdapterTests : PluginTestBase
{
    private const string Notes = "jsnotes:plugin/api";
    private const string Alpha = "walpha:plugin/api";

    public static readonly int[] Sizes = [0, 1, 2, 3, 4, 5, 11, 12, 13, 15, 16, 17, 19, 20, 21, 100, 1000, 65536, 102400];

    private readonly string _plugins;

    public ByteAdapterTests()
    {
        _plugins = Dir.File("plugins");
        Link(JsPlugin("jsnotes"), Path.Combine(_plugins, "jsnotes", "plugin.wasm"));
        Link(Path.Combine(FixturePlugins, "walpha", "plugin.wat"), Path.Combine(_plugins, "walpha", "plugin.wat"));
        Link(Path.Combine(FixturePlugins, "wtable", "plugin.wat"), Path.Combine(_plugins, "wtable", "plugin.wat"));
        EnsureCompiled(_plugins);
    }

    private static readonly object CompileGate = new();
    private static bool _compiled;

    /// <summary>Compiles jsnotes (plain and composed) into the shared cache once, outside any call's time limit.</summary>
    private static void EnsureCompiled(string plugins)
    {
        lock (CompileGate)
        {
            if (_compiled) return;
            foreach (var adapter in new[] { false, true })
            {
                using var s = PluginSupervisor.Create(new SupervisorOptions
                {
                    PluginDirectory = plugins, CacheDirectory = SharedCache, Storage = new StorageOptions { Backend = "memory" }, ByteAdapter = adapter,
                });
                Assert.True(s.Describe("jsnotes").Allowed);
            }
            _compiled = true;
        }
    }


    private PluginSupervisor New(bool adapter, Action<SupervisorOptions>? configure = null) => NewSupervisor(o =>
    {
        o.PluginDirectory = _plugins;
        o.ByteAdapter = adapter;
        configure?.Invoke(o);
    });


    public static TheoryData<string, bool> WatPluginsOnOff => new()
    {
        { "walpha", false }, { "walpha", true }, { "wtable", false }, { "wtable", true },
    };

    [Theory, Rule("PDP-ADAPT-1"), Rule("PDP-ADAPT-6")]
    [MemberData(nameof(WatPluginsOnOff))]
    public void ClientData_RoundTripsByteExact_ThroughWat(string service, bool adapter)
    {
        var api = $"{service}:plugin/api";
        var s = New(adapter);
        foreach (var size in Sizes)
        {
            var value = TestSupport.RandomBytes(size, size + 1);
            s.Call($"{api}.set", $"k{size}", value);
            Assert.Equal(value, ClientDataRecord(s, service, $"k{size}"));
            Assert.Equal(value, s.Call($"{api}.get", $"k{size}"));
        }
        var all = AllByteValues(3);
        s.Call($"{api}.set", "all", all);
        Assert.Equal(all, s.Call($"{api}.get", "all"));
        Assert.Null(s.Call($"{api}.get", "absent"));
        s.Call($"{api}.delete", "all");
        Assert.Null(s.Call($"{api}.get", "all"));
        Assert.Equal(adapter, IsComposed(s, service));
    }

    [Theory, Rule("PDP-ADAPT-1")]
    [MemberData(nameof(AdapterTestValues.OnOff), MemberType = typeof(AdapterTestValues))]
    public void ClientData_RoundTripsByteExact_ThroughJavaScript(bool adapter)
    {
        var s = New(adapter);
        foreach (var size in Sizes)
        {
            var value = TestSupport.RandomBytes(size, size + 7);
            s.Call($"{Notes}.put", $"k{size}", value);
            Assert.Equal(value, ClientDataRecord(s, "jsnotes", $"k{size}"));
            Assert.Equal(value, s.Call($"{Notes}.fetch", $"k{size}"));
        }
        var all = AllByteValues(2);
        s.Call($"{Notes}.put", "all", all);
        Assert.Equal(all, s.Call($"{Notes}.fetch", "all"));
        Assert.Null(s.Call($"{Notes}.fetch", "absent"));
        s.Call($"{Notes}.remove", "all");
        Assert.Null(s.Call($"{Notes}.fetch", "all"));
        Assert.Equal(adapter, IsComposed(s, "jsnotes"));
    }

    [Fact]
    public void ClientData_RandomSizesAndNonAsciiKeys_RoundTripThroughBothPlugins()
    {
        var on = New(adapter: true);
        var rng = new Random(42);
        for (var i = 0; i < 60; i++)
        {
            var size = i < 30 ? rng.Next(0, 64) : rng.Next(0, 102401);
            var value = TestSupport.RandomBytes(size, 1000 + i);
            var key = $"clé-{i}-ключ-🔑";
            on.Call($"{Alpha}.set", key, value);
            Assert.Equal(value, on.Call($"{Alpha}.get", key));
            on.Call($"{Notes}.put", key, value);
            Assert.Equal(value, on.Call($"{Notes}.fetch", key));
            Assert.Equal(value, ClientDataRecord(on, "jsnotes", key));
        }
    }

    [Fact, Rule("PDP-ADAPT-1")]
    public void ValuesWrittenWithTheAdapterOn_ReadTheSameWithItOff()
    {
        var value = AllByteValues(5);
        using (var on = PluginSupervisor.Create(Options(adapter: true)))
            on.Call($"{Alpha}.set", "shared", value);
        using var off = PluginSupervisor.Create(Options(adapter: false));
        Assert.Equal(value, off.Call($"{Alpha}.get", "shared"));
    }

    private SupervisorOptions Options(bool adapter) => new()
    {
        PluginDirectory = _plugins, CacheDirectory = SharedCache, Storage = new StorageOptions { Location = StorePath }, ChainId = "test", ByteAdapter = adapter,
    };

    [Fact, Rule("PDP-ADAPT-2")]
    public void InvalidBase64FromTheHost_TrapsWithAClearMessage()
    {
        var s = New(adapter: true);
        s.Call($"{Alpha}.set", "k", B("some value"));
        var host = (SupervisorHost)s;
        foreach (var corrupt in new Func<byte[], byte[]>[]
                 {
                     b => { var c = (byte[])b.Clone(); c[0] = (byte)'*'; return c; },  // a character outside the alphabet
                     b => b[..^1],                                                       // a length that is not a multiple of 4
                     b => [.. b[..^4], (byte)'=', (byte)'A', (byte)'A', (byte)'A'],     // padding in the middle
                     b => Encoding.ASCII.GetBytes("c29tZSB2YWx1ZR=="),                   // non-zero unused bits (canonical: ZQ==)
                 })
        {
            host.HostContext.AdapterGetFilterForTests = corrupt;
            var e = Assert.Throws<PluginException>(() => s.Call($"{Alpha}.get", "k"));
            Assert.Equal(PluginErrorCode.Trap, e.Code);
            Assert.Contains("not valid base64", e.Message);
            host.HostContext.AdapterGetFilterForTests = null;
            Assert.Equal(B("some value"), s.Call($"{Alpha}.get", "k")); // the poisoned instance was replaced
        }
        // A long value: the SIMD path validates too.
        var longValue = TestSupport.RandomBytes(1000, 3);
        s.Call($"{Alpha}.set", "long", longValue);
        host.HostContext.AdapterGetFilterForTests = b => { var c = (byte[])b.Clone(); c[40] = (byte)'-'; return c; };
        Assert.Contains("not valid base64", Assert.Throws<PluginException>(() => s.Call($"{Alpha}.get", "long")).Message);
        host.HostContext.AdapterGetFilterForTests = null;
        Assert.Equal(longValue, s.Call($"{Alpha}.get", "long"));
    }

    [Fact, Rule("PDP-ADAPT-1")]
    public void ABrokenEncoder_IsCaughtByTheRoundTrip()
    {
        // Negative control: an adapter whose alphabet has two letters swapped (scalar path) and whose SIMD path swaps two 3-byte groups still produces valid base64, so only
        // a byte-exact comparison catches it: the host must store other bytes than the plugin sent.
        var broken = Wat.ToBinary(ByteAdapter.Source("clientdata-adapter.wat").Replace("\"ABCDEFGH", "\"BACDEFGH", StringComparison.Ordinal)
            .Replace("(v128.const i8x16 2 1 0 0x80 5 4 3 0x80", "(v128.const i8x16 5 4 3 0x80 2 1 0 0x80", StringComparison.Ordinal));
        var plugin = Wat.ToBinary(File.ReadAllText(Path.Combine(FixturePlugins, "walpha", "plugin.wat")));
        var composed = ComponentComposer.Compose(plugin, ByteAdapter.Specs.Select(a => a.HostInterface == ByteAdapter.ClientDataHost ? a with { Component = broken } : a).ToList());
        Assert.Equal(CompositionStatus.Composed, composed.Status);
        var good = ByteAdapter.Compose(plugin);
        var value = AllByteValues(1);
        Assert.NotEqual(value, SetThroughAdapter(composed.Bytes, value));
        Assert.Equal(value, SetThroughAdapter(good.Bytes, value));
    }

    [Fact, Rule("PDP-ADAPT-6")]
    public void ABrokenEncoder_IsCaughtByTheRoundTrip_WhenSpliced()
    {
        var broken = Wat.ToBinary(ByteAdapter.Source("clientdata-splice.wat").Replace("\"ABCDEFGH", "\"BACDEFGH", StringComparison.Ordinal)
            .Replace("(v128.const i8x16 2 1 0 0x80 5 4 3 0x80", "(v128.const i8x16 5 4 3 0x80 2 1 0 0x80", StringComparison.Ordinal));
        var (good, scratch) = ByteAdapter.SpliceModules;
        var plugin = Wat.ToBinary(File.ReadAllText(Path.Combine(FixturePlugins, "wtable", "plugin.wat")));
        var value = AllByteValues(1);
        var spliced = ComponentComposer.TrySplice(plugin, ByteAdapter.Specs[0], broken, scratch, out var reason);
        Assert.True(spliced is not null, reason);
        Assert.NotEqual(value, SetThroughAdapter(spliced!.Bytes, value, "wtable:plugin/api"));
        Assert.Equal(value, SetThroughAdapter(ComponentComposer.TrySplice(plugin, ByteAdapter.Specs[0], good, scratch, out _)!.Bytes, value, "wtable:plugin/api"));
    }

    /// <summary>Sets a value through a composed plugin (walpha's API) on a bare linker whose host decodes base64; returns what the host stored.</summary>
    private static byte[] SetThroughAdapter(byte[] composed, byte[] value, string api = Alpha)
    {
        using var component = TestSupport.Engine.Compile(composed);
        using var linker = new ComponentLinker(TestSupport.Engine);
        byte[]? stored = null;
        using (var root = linker.Root())
        {
            using (var li = root.AddInstance(ByteAdapter.ClientDataHost))
            {
                li.AddFunction("set-enc", (in HostCall call) => stored = Convert.FromBase64String(ComponentValues.ReadString(call.Args[1])));
                li.AddFunction("get-enc", (in HostCall call) => ComponentValues.WriteNone(ref call.Results[0]));
                li.AddFunction("fail", (in HostCall call) => throw new InvalidOperationException(ComponentValues.ReadString(call.Args[0])));
            }
            using (var li = root.AddInstance(global::Supervisor.Plugins.HostApi.HostCatalog.ClientData))
            {
                li.AddFunction("get", (in HostCall call) => throw new InvalidOperationException("the plain get must not be called"));
                li.AddFunction("set", (in HostCall call) => throw new InvalidOperationException("the plain set must not be called"));
                li.AddFunction("delete", (in HostCall call) => { });
            }
        }
        using var store = new ComponentStore(TestSupport.Engine, null);
        var instance = linker.Instantiate(store, component);
        var set = instance.GetFunction(api, "set")!;
        Span<ComponentVal> args = stackalloc ComponentVal[2];
        args.Clear();
        ComponentValues.WriteString(ref args[0], "k");
        ComponentValues.WriteBytes(ref args[1], value);
        try
        {
            set.Call(args, []);
        }
        finally
        {
            ComponentValues.Delete(ref args[0]);
            ComponentValues.Delete(ref args[1]);
        }
        return stored!;
    }

    [Fact]
    public void TheAdapterComponent_ValidatesAloneAndBothBase64DirectionsAgreeWithDotNet()
    {
        // The adapter on its own, with a host that keeps what it is given: every length around the SIMD block edges.
        using var component = TestSupport.Engine.Compile(ByteAdapter.ClientData);
        using var linker = new ComponentLinker(TestSupport.Engine);
        var stored = new Dictionary<string, byte[]>();
        using (var root = linker.Root())
        using (var li = root.AddInstance(ByteAdapter.ClientDataHost))
        {
            li.AddFunction("set-enc", (in HostCall call) =>
            {
                var text = ComponentValues.ReadString(call.Args[1]);
                stored[ComponentValues.ReadString(call.Args[0])] = Encoding.ASCII.GetBytes(text);
            });
            li.AddFunction("get-enc", (in HostCall call) =>
            {
                if (!stored.TryGetValue(ComponentValues.ReadString(call.Args[0]), out var v)) { ComponentValues.WriteNone(ref call.Results[0]); return; }
                ComponentVal payload = default;
                ComponentValues.WriteUtf8(ref payload, v);
                ComponentValues.WriteSome(ref call.Results[0], ref payload);
            });
            li.AddFunction("fail", (in HostCall call) => throw new InvalidOperationException(ComponentValues.ReadString(call.Args[0])));
        }
        using var store = new ComponentStore(TestSupport.Engine, null);
        var instance = linker.Instantiate(store, component);
        var set = instance.GetFunction("set")!;
        var get = instance.GetFunction("get")!;
        Span<ComponentVal> args = stackalloc ComponentVal[2];
        Span<ComponentVal> results = stackalloc ComponentVal[1];
        for (var size = 0; size <= 200; size++)
        {
            var value = size == 200 ? AllByteValues(4) : TestSupport.RandomBytes(size, size);
            var key = $"k{size}";
            args.Clear();
            ComponentValues.WriteString(ref args[0], key);
            ComponentValues.WriteBytes(ref args[1], value);
            set.Call(args, []);
            ComponentValues.Delete(ref args[0]);
            ComponentValues.Delete(ref args[1]);
            Assert.Equal(Convert.ToBase64String(value), Encoding.ASCII.GetString(stored[key]));

            results.Clear();
            ComponentValues.WriteString(ref args[0], key);
            get.Call(args[..1], results);
            Assert.Equal(value, InteropTestHelpers.ReadOptionBytes(results[0]));
            ComponentValues.Delete(ref args[0]);
            ComponentValues.Delete(ref results[0]);
        }
    }

    [Fact, Rule("PDP-ADAPT-3")]
    public void AnUnrecognizedComponent_RunsUnmodified_AndIsLoggedOnce()
    {
        // walpha with its import after the first core module: the composer wants imports first.
        var wat = File.ReadAllText(Path.Combine(FixturePlugins, "walpha", "plugin.wat"));
        var importStart = wat.IndexOf("  (import \"clientdata:plugin/keyvalue\"", StringComparison.Ordinal);
        var importEnd = wat.IndexOf("\n  ))\n", importStart, StringComparison.Ordinal) + "\n  ))\n".Length;
        var import = wat[importStart..importEnd];
        wat = wat.Remove(importStart, import.Length);
        var libcEnd = wat.IndexOf("  (core instance $libc", StringComparison.Ordinal);
        wat = wat.Insert(libcEnd, import).Replace("walpha", "wlate", StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(_plugins, "wlate"));
        File.WriteAllText(Path.Combine(_plugins, "wlate", "plugin.wat"), wat);

        var result = ByteAdapter.Compose(Wat.ToBinary(wat));
        Assert.Equal(CompositionStatus.Unrecognized, result.Status);
        Assert.Contains("import section follows", result.Reason);

        var logs = new ListLoggerFactory();
        var s = New(adapter: true, o => o.LoggerFactory = logs);
        var value = AllByteValues(2);
        s.Call("wlate:plugin/api.set", "k", value);
        Assert.Equal(value, s.Call("wlate:plugin/api.get", "k"));
        Assert.False(IsComposed(s, "wlate"));
        s.Describe("wlate");
        Assert.Single(logs.Entries, m => m.Message.Contains("wlate:plugin runs without the byte adapter", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryBuiltJavaScriptPlugin_ComposesOrHasNothingToAdapt()
    {
        var dir = Path.Combine(RepositoryPaths.Root, "artifacts", "plugins");
        foreach (var file in Directory.GetFiles(dir, "*.wasm", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            var result = ByteAdapter.Compose(bytes);
            Assert.True(result.Status != CompositionStatus.Unrecognized, $"{file}: {result.Reason}");
            if (!result.IsComposed) continue;
            if (result.IsSpliced)
                Assert.True(result.Bytes.AsSpan().StartsWith(bytes), $"{file}: the spliced plugin does not keep its own bytes first");
            else
                Assert.True(result.Bytes.AsSpan().IndexOf(bytes) > 0, $"{file}: the plugin is not nested byte for byte");
        }
    }

    [Fact, Rule("PDP-ADAPT-6")]
    public void AWitComponentPlugin_IsSpliced_AWatPluginNested()
    {
        var js = File.ReadAllBytes(JsPlugin("jsnotes"));
        var spliced = ByteAdapter.Compose(js);
        Assert.True(spliced.IsSpliced, spliced.Reason);
        Assert.Equal([ByteAdapter.ClientDataHost], spliced.Added);
        // Appended only: every section of the plugin stays where it was, so no index of the plugin changes.
        Assert.True(spliced.Bytes.AsSpan().StartsWith(js));
        Assert.NotNull(spliced.Alternative);
        Assert.True(spliced.Alternative!.IsComposed && !spliced.Alternative.IsSpliced);

        var wat = ByteAdapter.Compose(Wat.ToBinary(File.ReadAllText(Path.Combine(FixturePlugins, "walpha", "plugin.wat"))));
        Assert.True(wat.IsComposed && !wat.IsSpliced, "walpha lowers its imports straight into its main module: there is no table to splice into");
        var table = ByteAdapter.Compose(Wat.ToBinary(File.ReadAllText(Path.Combine(FixturePlugins, "wtable", "plugin.wat"))));
        Assert.True(table.IsSpliced, table.Reason);
    }

    [Fact, Rule("PDP-ADAPT-6", "PDP-IMPORT-3")]
    public void AWitComponentPluginWithOtherClientDataTypes_IsRefusedBeforeAnyAdapterRuns()
    {
        // wtable whose clientdata get returns list<u8> instead of option<list<u8>>: the same core signature, another
        // layout. The spliced adapter would write an option where the plugin reads a list; the import check refuses
        // the plugin (its types are not the host's), so no adapter is ever linked to it.
        var wat = File.ReadAllText(Path.Combine(FixturePlugins, "wtable", "plugin.wat"))
            .Replace("(export \"get\" (func (param \"key\" string) (result (option (list u8)))))", "(export \"get\" (func (param \"key\" string) (result (list u8))))", StringComparison.Ordinal)
            .Replace("wtable", "wodd", StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(_plugins, "wodd"));
        File.WriteAllText(Path.Combine(_plugins, "wodd", "plugin.wat"), wat);
        Assert.True(ByteAdapter.Compose(Wat.ToBinary(wat)).IsSpliced, "the splicer itself does not look at types");
        var s = New(adapter: true, o => o.CacheDirectory = Dir.File("cache"));
        var e = Assert.Throws<PluginException>(() => s.Call("wodd:plugin/api.ping"));
        Assert.Equal(PluginErrorCode.ImportRefused, e.Code);
        Assert.Contains("get is declared as func(key: string) -> list<u8>, but the host's type is func(key: string) -> option<list<u8>>", e.Message);
    }

    [Fact, Rule("PDP-ADAPT-2")]
    public void InvalidBase64FromTheHost_TrapsTheSplicedAdapterToo()
    {
        var s = New(adapter: true);
        var value = TestSupport.RandomBytes(1000, 5);
        s.Call($"{Notes}.put", "k", value);
        var host = (SupervisorHost)s;
        host.HostContext.AdapterGetFilterForTests = b => { var c = (byte[])b.Clone(); c[40] = (byte)'-'; return c; };
        var e = Assert.Throws<PluginException>(() => s.Call($"{Notes}.fetch", "k"));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("not valid base64", e.Message);
        host.HostContext.AdapterGetFilterForTests = null;
        Assert.Equal(value, s.Call($"{Notes}.fetch", "k"));
    }

    [Fact, Rule("PDP-ADAPT-3")]
    public void MalformedBinaries_GiveAReasonNeverAnException()
    {
        var plugin = Wat.ToBinary(File.ReadAllText(Path.Combine(FixturePlugins, "walpha", "plugin.wat")));
        var rng = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            var mutated = (byte[])plugin.Clone();
            var n = rng.Next(1, 4);
            for (var j = 0; j < n; j++) mutated[rng.Next(i % 2 == 0 ? Math.Min(400, mutated.Length) : mutated.Length)] = (byte)rng.Next(256);
            var cut = i % 5 == 0 ? mutated[..rng.Next(mutated.Length)] : mutated;
            var result = ByteAdapter.Compose(cut);
            if (!result.IsComposed) Assert.Same(cut, result.Bytes);
        }
        Assert.Equal(CompositionStatus.Unrecognized, ByteAdapter.Compose([1, 2, 3]).Status);
        Assert.Equal(CompositionStatus.Unrecognized, ByteAdapter.Compose([]).Status);
    }

    [Theory, Rule("PDP-ADAPT-4")]
    [MemberData(nameof(AdapterTestValues.OnOff), MemberType = typeof(AdapterTestValues))]
    public void APluginImportingTheAdapterInterface_IsRefused(bool adapter)
    {
        var wat = """
            (component
              (import "supervisor:adapter/clientdata" (instance
                (export "set-enc" (func (param "key" string) (param "value" string)))))
              (import "clientdata:plugin/keyvalue" (instance
                (export "delete" (func (param "key" string)))))
              (core module $m0 (func (export "ping") (result i32) (i32.const 1)))
              (core instance $m (instantiate $m0))
              (func $ping (result u32) (canon lift (core func $m "ping")))
              (instance $api (export "ping" (func $ping)))
              (export "wsneaky:plugin/api" (instance $api))
            )
            """;
        Directory.CreateDirectory(Path.Combine(_plugins, "wsneaky"));
        File.WriteAllText(Path.Combine(_plugins, "wsneaky", "plugin.wat"), wat);
        var s = New(adapter);
        var e = Assert.Throws<PluginException>(() => s.Call("wsneaky:plugin/api.ping"));
        Assert.Equal(PluginErrorCode.ImportRefused, e.Code);
        Assert.Contains("supervisor:adapter/clientdata", e.Message);
        Assert.Contains("byte-adapter", e.Message);
        var d = s.Describe("wsneaky");
        Assert.False(d.Allowed);
        Assert.Equal(["supervisor:adapter/clientdata", "clientdata:plugin/keyvalue"], d.Imports.Select(i => i.Name));
    }

    [Theory, Rule("PDP-ADAPT-4")]
    [MemberData(nameof(AdapterTestValues.OnOff), MemberType = typeof(AdapterTestValues))]
    public void TheImportCheck_ReportsThePluginsOwnImports(bool adapter)
    {
        var s = New(adapter);
        foreach (var service in new[] { "walpha", "jsnotes" })
        {
            var d = s.Describe(service);
            Assert.True(d.Allowed);
            var import = Assert.Single(d.Imports);
            Assert.Equal("clientdata:plugin/keyvalue", import.Name);
            Assert.Equal("host", import.Kind);
            Assert.Contains(import.Functions, f => f.StartsWith("get: ", StringComparison.Ordinal) && f.Contains("option<list<u8>>", StringComparison.Ordinal));
            Assert.Contains(d.Exports, e => e.Function == (service == "walpha" ? "set" : "put"));
        }
        s.Call($"{Alpha}.set", "k", B("v"));
        var verdicts = ((SupervisorHost)s).GetPlugin("walpha", "plugin").Imports;
        Assert.Equal(["clientdata:plugin/keyvalue"], verdicts.Select(v => v.Name));
    }

    [Fact]
    public void ImportPolicy_RefusesTheAdapterNamespace()
    {
        foreach (var name in new[] { "supervisor:adapter/clientdata", "supervisor:adapter/anything@1.0.0" })
        {
            var v = ImportPolicy.Judge(new ComponentItemInfo(name, ComponentItemKind.Instance), "walpha", (_, _) => new ComponentTypeInfo([], []));
            Assert.False(v.Allowed);
            Assert.Contains("byte-adapter", v.Refusal);
        }
    }

    // A few behaviours of SupervisorTests, with the adapter on.

    [Fact]
    public void WithAdapter_ATrapAfterASetRollsNothingBackButKeepsTheHostConsistent()
    {
        var s = New(adapter: true);
        var e = Assert.Throws<PluginException>(() => s.Call($"{Alpha}.set-then-trap", "k", B("written")));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Equal(1u, s.Call($"{Alpha}.ping"));
    }

    [Fact]
    public void WithAdapter_AnOversizedValueIsRefusedBeforeItIsStored()
    {
        var s = New(adapter: true);
        var e = Assert.Throws<PluginException>(() => s.Call($"{Alpha}.set", "big", new byte[102401]));
        Assert.Contains("limit", e.Message);
        Assert.Null(ClientDataRecord(s, "walpha", "big"));
        s.Call($"{Alpha}.set", "max", new byte[102400]);
        Assert.Equal(102400, ((byte[])s.Call($"{Alpha}.get", "max")!).Length);
    }

    [Fact]
    public void WithAdapter_TheBenchLoopsOfBothPluginsAgree()
    {
        var s = New(adapter: true);
        Assert.Equal(10u, s.Call($"{Alpha}.bench-set", 10u, 1000u));
        Assert.Equal(10000u, s.Call($"{Alpha}.bench-get", 10u));
        Assert.Equal(Enumerable.Repeat((byte)0x76, 1000).ToArray(), ClientDataRecord(s, "walpha", "k3"));
        Assert.Equal(10u, s.Call($"{Notes}.bench-set", 10u, 1000u));
        Assert.Equal(10000u, s.Call($"{Notes}.bench-get", 10u));
    }
}
