using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// <c>clientdata</c> and <c>host:db/store</c> values through both of their paths, chosen explicitly: the byte adapter's
/// base64 <c>get-enc</c>/<c>set-enc</c> twins and the plain <c>list&lt;u8&gt;</c> functions (the default follows
/// SUPERVISOR_TEST_BYTE_ADAPTER, so a single run of the suite takes only one of them). A found value, an empty one, the
/// lengths that end base64 in each padding, and an absent key (none) each come back as they were.
/// </summary>
public sealed class PlainAndAdaptedPathTests : HostStorePluginTestBase
{
    public PlainAndAdaptedPathTests()
    {
        Link(JsPlugin("jsnotes"), Path.Combine(PluginDir, "jsnotes", "plugin.wasm"));
    }

    public static TheoryData<bool> Adapter => new() { true, false };

    /// <summary>Values of 0 to 4 bytes (base64 with no, two and one '=' of padding) and one past a kilobyte.</summary>
    private static IEnumerable<byte[]> Values() =>
        new[] { 0, 1, 2, 3, 4, 1025 }.Select(n => Enumerable.Range(0, n).Select(i => (byte)(255 - i % 256)).ToArray());

    [Theory, Rule("PDP-CD-1", "PDP-ADAPT-1")]
    [MemberData(nameof(Adapter))]
    public void ClientData_Get_ReturnsWhatWasSet_AndNoneForAnAbsentKey(bool adapter)
    {
        var s = NewJsSupervisor(o => o.ByteAdapter = adapter);
        Assert.Equal(adapter, Composition.AdapterTestValues.IsComposed(s, "jsnotes"));
        Assert.Null(s.Call("jsnotes:plugin/api.fetch", "absent"));
        foreach (var value in Values())
        {
            var key = $"k{value.Length}";
            s.Call("jsnotes:plugin/api.put", key, value);
            Assert.Equal(value, Assert.IsType<byte[]>(s.Call("jsnotes:plugin/api.fetch", key)));
            Assert.Equal(value, StoredRecord(s, DbMode.NonTransactional, "clientdata", "jsnotes", key));
        }
        s.Call("jsnotes:plugin/api.remove", "k1");
        Assert.Null(s.Call("jsnotes:plugin/api.fetch", "k1"));
    }

    [Theory, Rule("PDP-DB-1", "PDP-ADAPT-1")]
    [MemberData(nameof(Adapter))]
    public void HostDb_Get_ReturnsWhatWasSet_AndNoneForAnAbsentKey(bool adapter)
    {
        var s = NewJsSupervisor(o => o.ByteAdapter = adapter);
        Assert.Equal(adapter, Composition.AdapterTestValues.IsComposed(s, "jsdb"));
        foreach (var mode in new[] { "non-transactional", "transactional" })
        {
            Assert.Null(s.Call("jsdb:plugin/api.get", mode, "persistent", "b", "absent"));
            foreach (var value in Values())
            {
                var key = $"k{value.Length}";
                s.Call("jsdb:plugin/api.set", mode, "persistent", "b", key, value);
                Assert.Equal(value, Assert.IsType<byte[]>(s.Call("jsdb:plugin/api.get", mode, "persistent", "b", key)));
            }
            var stored = mode == "transactional" ? DbMode.Transactional : DbMode.NonTransactional;
            Assert.Equal(new byte[] { 255, 254, 253 }, StoredRecord(s, stored, "jsdb", "b", "k3"));
        }
    }
}
