using System.Text;
using CsCheck;
using Supervisor.Plugins.Hosting;
using Supervisor.Plugins.Tests.HostApi;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Plugins.Tests.Interop;
using Supervisor.Storage;
using Supervisor.Testing;

using static Supervisor.Plugins.Tests.Composition.AdapterTestValues;

namespace Supervisor.Plugins.Tests.Composition;

/// <summary>
/// The byte adapters for the bucket methods of wasi:keyvalue (0.2.0-draft and draft2) and host:db (and
/// host:common/store): values through unmodified WAT plugins (wkv, wdb) and unmodified componentize-js plugins
/// (jskv1, jskv2, jsdb, jsdbold, and jskv1:both, which imports draft2 and host:db and so gets two adapters),
/// byte-exact with the adapter on and off; errors and limits pass through unchanged; the adapter's validation.
/// </summary>
public sealed class BucketAdapterTests : HostStorePluginTestBase
{
    private const string Kv = "wkv:plugin/api";
    private const string Db = "wdb:plugin/api";

    private static readonly int[] Sizes = ByteAdapterTests.Sizes;

    public BucketAdapterTests()
    {
        foreach (var service in new[] { "wkv", "wdb" })
        {
            Directory.CreateDirectory(Path.Combine(PluginDir, service));
            File.Copy(Path.Combine(FixturePlugins, service, "plugin.wat"), Path.Combine(PluginDir, service, "plugin.wat"));
        }
    }

    private PluginSupervisor New(bool adapter, Action<SupervisorOptions>? configure = null) => NewJsSupervisor(o =>
    {
        o.ByteAdapter = adapter;
        configure?.Invoke(o);
    });



    /// <summary>One way to set and get a value through a plugin, and where the record lands.</summary>
    private sealed record ValuePath(string Name, Action<PluginSupervisor, string, byte[]> Set, Func<PluginSupervisor, string, byte[]?> Get,
        DbMode Mode, string Service, string Bucket);

    private static readonly ValuePath[] Paths =
    [
        new("wkv (wasi:keyvalue draft2, WAT)", (s, k, v) => s.Call($"{Kv}.put", k, v), (s, k) => (byte[]?)s.Call($"{Kv}.fetch", k),
            DbMode.NonTransactional, "wkv", "default"),
        new("wdb (host:db, WAT)", (s, k, v) => s.Call($"{Db}.put", k, v), (s, k) => (byte[]?)s.Call($"{Db}.fetch", k),
            DbMode.NonTransactional, "wdb", "default"),
        new("jskv1 (wasi:keyvalue draft)", (s, k, v) => Ok(s.Call("jskv1:plugin/api.set", "b1", k, v)),
            (s, k) => (byte[]?)Ok(s.Call("jskv1:plugin/api.get", "b1", k)), DbMode.NonTransactional, "jskv1", "b1"),
        new("jskv2 (wasi:keyvalue draft2)", (s, k, v) => Ok(s.Call("jskv2:plugin/api.set", "b2", k, v)),
            (s, k) => (byte[]?)Ok(s.Call("jskv2:plugin/api.get", "b2", k)), DbMode.NonTransactional, "jskv2", "b2"),
        new("jsdb (host:db)", (s, k, v) => s.Call("jsdb:plugin/api.set", "non-transactional", "persistent", "b3", k, v),
            (s, k) => (byte[]?)s.Call("jsdb:plugin/api.get", "non-transactional", "persistent", "b3", k), DbMode.NonTransactional, "jsdb", "b3"),
        new("jsdbold (host:common/store)", (s, k, v) => s.Call("jsdbold:plugin/api.set", "transactional", "persistent", "b4", k, v),
            (s, k) => (byte[]?)s.Call("jsdbold:plugin/api.get", "transactional", "persistent", "b4", k), DbMode.Transactional, "jsdbold", "b4"),
        new("jskv1:both (draft2)", (s, k, v) => Ok(s.Call("jskv1:both/api.kv2-set", "b5", k, v)),
            (s, k) => (byte[]?)Ok(s.Call("jskv1:both/api.kv2-get", "b5", k)), DbMode.NonTransactional, "jskv1", "b5"),
        new("jskv1:both (host:db)", (s, k, v) => s.Call("jskv1:both/api.db-set", "b6", k, v),
            (s, k) => (byte[]?)s.Call("jskv1:both/api.db-get", "b6", k), DbMode.NonTransactional, "jskv1", "b6"),
    ];

    public static TheoryData<int, bool> PathsOnOff()
    {
        var data = new TheoryData<int, bool>();
        for (var i = 0; i < Paths.Length; i++)
        {
            data.Add(i, false);
            data.Add(i, true);
        }
        return data;
    }

    [Theory, Rule("PDP-ADAPT-1"), Rule("PDP-ADAPT-5")]
    [MemberData(nameof(PathsOnOff))]
    public void Values_RoundTripByteExact(int path, bool adapter)
    {
        var p = Paths[path];
        var s = New(adapter);
        foreach (var size in Sizes)
        {
            var value = TestSupport.RandomBytes(size, size * 31 + path);
            var key = $"k{size}";
            p.Set(s, key, value);
            Assert.Equal(value, StoredRecord(s, p.Mode, p.Service, p.Bucket, key));
            Assert.Equal(value, p.Get(s, key));
        }
        var all = AllByteValues(3);
        p.Set(s, "all", all);
        Assert.Equal(all, p.Get(s, "all"));
        Assert.Null(p.Get(s, "absent"));
        var service = p.Name.Split(' ')[0].Split(':');
        Assert.Equal(adapter, IsComposed(s, service[0], service.Length > 1 ? service[1] : "plugin"));
    }

    /// <summary>Value sizes: small ones, the base64 and SIMD block edges (multiples of 3 and of 12, plus or minus one), anything up to the 100 KiB limit.</summary>
    private static readonly Gen<int> GenSize = Gen.Frequency(
        (3, Gen.Int[0, 64]),
        (3, Gen.Select(Gen.Int[1, 8533], Gen.Int[-1, 1], Gen.Bool, (k, d, twelve) => Math.Clamp(k * (twelve ? 12 : 3) + d, 0, 102400))),
        (2, Gen.Int[0, 102400]));

    private static readonly string[] KeyStems = ["k", "clé", "ключ", "🔑", "键-ä"];

    [Fact, Rule("PDP-ADAPT-5")]
    public void Property_AnyValueUnderAnyKey_RoundTripsByteExactThroughEveryPath()
    {
        var s = New(adapter: true);
        Gen.Select(Gen.Int[0, Paths.Length - 1], Gen.Int[0, KeyStems.Length - 1], Gen.Int[0, 9999], GenSize.SelectMany(n => Gen.Byte.Array[n]))
            .Sample((path, stem, n, value) =>
            {
                var p = Paths[path];
                var key = $"{KeyStems[stem]}-{n}";
                p.Set(s, key, value);
                Assert.Equal(value, p.Get(s, key));
                Assert.Equal(value, StoredRecord(s, p.Mode, p.Service, p.Bucket, key));
            }, iter: 80, threads: 1);
    }

    [Fact, Rule("PDP-ADAPT-1")]
    public void ValuesWrittenWithTheAdapterOn_ReadTheSameWithItOff()
    {
        var value = AllByteValues(5);
        var on = New(adapter: true);
        foreach (var p in Paths) p.Set(on, "shared", value);
        var off = New(adapter: false);
        foreach (var p in Paths) Assert.Equal(value, p.Get(off, "shared"));
    }

    [Fact, Rule("PDP-ADAPT-5")]
    public void AnOversizedValue_IsRefusedAsWithoutTheAdapter_AndNothingIsStored()
    {
        var s = New(adapter: true);
        var big = new byte[102401];
        // wasi:keyvalue: the error variant passes through the adapter unchanged.
        var message = Err(s, "jskv2:plugin/api.set", "b2", "big", big);
        Assert.Contains("102401", message);
        Assert.Contains("102400", message);
        Assert.Null(StoredRecord(s, DbMode.NonTransactional, "jskv2", "b2", "big"));
        // host:db has no error type: the call traps, naming the limit.
        var e = Trap(s, "jsdb:plugin/api.set", "non-transactional", "persistent", "b3", "big", big);
        Assert.Contains("102400", e.Message);
        Assert.Null(StoredRecord(s, DbMode.NonTransactional, "jsdb", "b3", "big"));
        // The limit itself passes.
        Ok(s.Call("jskv2:plugin/api.set", "b2", "max", new byte[102400]));
        Assert.Equal(102400, ((byte[])Ok(s.Call("jskv2:plugin/api.get", "b2", "max"))!).Length);
        Assert.True(IsComposed(s, "jskv2") && IsComposed(s, "jsdb"));
    }

    [Fact, Rule("PDP-ADAPT-2")]
    public void InvalidBase64FromTheHost_TrapsWithAClearMessage_AndThePluginRecovers()
    {
        var s = New(adapter: true);
        var host = (SupervisorHost)s;
        foreach (var target in new[] { Kv, Db })
        {
            var value = TestSupport.RandomBytes(1000, 9);
            s.Call($"{target}.put", "k", value);
            host.HostContext.AdapterGetFilterForTests = b => { var c = (byte[])b.Clone(); c[40] = (byte)'-'; return c; };
            var e = Assert.Throws<PluginException>(() => s.Call($"{target}.fetch", "k"));
            Assert.Equal(PluginErrorCode.Trap, e.Code);
            Assert.Contains("not valid base64", e.Message);
            host.HostContext.AdapterGetFilterForTests = b => Encoding.ASCII.GetBytes("QUJD=");
            Assert.Contains("not valid base64", Assert.Throws<PluginException>(() => s.Call($"{target}.fetch", "k")).Message);
            host.HostContext.AdapterGetFilterForTests = null;
            Assert.Equal(value, s.Call($"{target}.fetch", "k"));
        }
    }

    [Theory, Rule("PDP-ADAPT-4")]
    [MemberData(nameof(AdapterTestValues.OnOff), MemberType = typeof(AdapterTestValues))]
    public void TheImportCheck_ReportsThePluginsOwnImports(bool adapter)
    {
        var s = New(adapter);
        var off = New(adapter: false);
        foreach (var (service, plugin) in new[] { ("wkv", "plugin"), ("wdb", "plugin"), ("jskv2", "plugin"), ("jsdb", "plugin"), ("jskv1", "both") })
        {
            var d = s.Describe(service, plugin);
            Assert.True(d.Allowed);
            Assert.DoesNotContain(d.Imports, i => i.Name.StartsWith("supervisor:", StringComparison.Ordinal));
            var plain = off.Describe(service, plugin);
            Assert.Equal(plain.Imports.Select(i => i.Name + " " + string.Join(",", i.Functions)),
                d.Imports.Select(i => i.Name + " " + string.Join(",", i.Functions)));
        }
    }

    [Fact]
    public void TheOtherFunctionsOfAnAdaptedInterface_StillReachTheHost()
    {
        var s = New(adapter: true);
        // jskv2: exists, delete, listing, increment and batch go straight to the host beside the adapted get and set.
        Ok(s.Call("jskv2:plugin/api.set", "b", "a", new byte[] { 1 }));
        Assert.Equal(true, Ok(s.Call("jskv2:plugin/api.exists", "b", "a")));
        Assert.Equal(5L, Ok(s.Call("jskv2:plugin/api.increment", "b", "n", 5L)));
        Ok(s.Call("jskv2:plugin/api.set-many", "b", new List<object?> { new object?[] { "m", new byte[] { 2, 3 } } }));
        Assert.Equal(new byte[] { 2, 3 }, Ok(s.Call("jskv2:plugin/api.get", "b", "m")));
        Ok(s.Call("jskv2:plugin/api.delete", "b", "a"));
        Assert.Equal(false, Ok(s.Call("jskv2:plugin/api.exists", "b", "a")));
        Assert.Equal(42L, s.Call($"{Kv}.incr", "counter", 42L));
        Assert.True(IsComposed(s, "jskv2") && IsComposed(s, "wkv"));
    }
}
