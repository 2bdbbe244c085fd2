using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Hosting;

/// <summary>
/// Hand-made hostile components (Fixtures/hostile): code that runs while a plugin is being instantiated, and
/// failures there. Each attack ends in a <see cref="PluginException"/> and the supervisor answers its next call.
/// </summary>
public sealed class HostilePluginTests : PluginTestBase
{
    private static string Hostile(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "hostile", name + ".wat"));

    /// <summary>wstart deployed as <paramref name="service"/>, calling <paramref name="target"/>'s set from its start function.</summary>
    internal static string StartPlugin(string service, string target = "clientdata:plugin/keyvalue", string start = "call", int pages = 1) =>
        Hostile("wstart")
            .Replace("TARGET", target)
            .Replace("START", start switch
            {
                "call" => "(call $t-set (i32.const 0) (i32.const 1) (i32.const 1) (i32.const 1))",
                "trap" => "unreachable",
                "loop" => "(loop $spin (br $spin))",
                _ => "nop",
            })
            .Replace("PAGES", pages.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Replace("SERVICE", service);

    /// <summary>A plugin directory holding the named WAT plugins, beside links to the fixtures wbeta and walpha.</summary>
    private string Plugins(params (string Service, string Wat)[] plugins)
    {
        var dir = Dir.File("plugins-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var fixture in new[] { "walpha", "wbeta" })
            Link(Path.Combine(FixturePlugins, fixture, "plugin.wat"), Path.Combine(dir, fixture, "plugin.wat"));
        foreach (var (service, wat) in plugins)
        {
            Directory.CreateDirectory(Path.Combine(dir, service));
            File.WriteAllText(Path.Combine(dir, service, "plugin.wat"), wat);
        }
        return dir;
    }

    [Fact, Rule("PDP-SEC-3")]
    public void StartCode_CallingAnotherPlugin_TrapsAndTheCalleeNeverRuns()
    {
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(("wstart", StartPlugin("wstart", "wbeta:plugin/api"))));

        var e = Assert.Throws<PluginException>(() => s.Call("wstart:plugin/api.ping"));

        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("plugin \"wstart\" called wbeta:plugin/api.set while being instantiated", e.Message);
        Assert.Null(ClientDataRecord(s, "wbeta", "k"));
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Fact, Rule("PDP-SEC-3")]
    public void StartCode_CallingAHostInterface_TrapsAndWritesNothing()
    {
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(("wstart", StartPlugin("wstart"))));

        var e = Assert.Throws<PluginException>(() => s.Call("wstart:plugin/api.ping"));

        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("plugin \"wstart\" called clientdata:plugin/keyvalue.set while being instantiated", e.Message);
        Assert.Null(ClientDataRecord(s, "wstart", "k"));
        Assert.Null(ClientDataRecord(s, new SupervisorOptions().DefaultCaller, "k"));
    }

    [Fact, Rule("PDP-SEC-3")]
    public void StartCode_ReachedThroughAnotherPlugin_TrapsWithoutActingAsTheCaller()
    {
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(
            ("wstart", StartPlugin("wstart", "wbeta:plugin/api")),
            ("wvia", Hostile("wvia").Replace("CALLEE", "wstart"))));

        var e = Assert.Throws<PluginException>(() => s.Call("wvia:plugin/api.go"));

        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("plugin \"wstart\" called wbeta:plugin/api.set while being instantiated", e.Message);
        Assert.Null(ClientDataRecord(s, "wbeta", "k"));
        Assert.Equal(1u, s.Call("wbeta:plugin/api.ping"));
    }

    [Fact, Rule("PDP-SEC-3")]
    public void StartCode_DoingNothingHostile_Instantiates()
    {
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(
            ("wstart", StartPlugin("wstart", start: "nop")),
            ("wvia", Hostile("wvia").Replace("CALLEE", "wstart"))));

        Assert.Equal(7u, s.Call("wstart:plugin/api.ping"));
        Assert.Equal(7u, s.Call("wvia:plugin/api.go"));
    }

    [Fact, Rule("PDP-SEC-4")]
    public void StartCode_Trapping_IsAPluginExceptionAndTheNextCallWorks()
    {
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(("wstart", StartPlugin("wstart", start: "trap"))));

        var e = Assert.Throws<PluginException>(() => s.Call("wstart:plugin/api.ping"));

        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("plugin \"wstart\" trapped while being instantiated", e.Message);
        Assert.Contains("unreachable", e.Message);
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Fact, Rule("PDP-SEC-4", "PDP-LIMIT-5")]
    public void StartCode_LoopingForever_TimesOut()
    {
        var s = NewSupervisor(o =>
        {
            o.PluginDirectory = Plugins(("wstart", StartPlugin("wstart", start: "loop")));
            o.CallTimeout = TimeSpan.FromSeconds(2);
        });

        var e = Assert.Throws<PluginException>(() => s.Call("wstart:plugin/api.ping"));

        Assert.Equal(PluginErrorCode.Timeout, e.Code);
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Fact, Rule("PDP-SEC-4", "PDP-LIMIT-6")]
    public void MemoryMinimumPastTheLimit_IsRefusedWhenInstantiating()
    {
        // 4,096 pages = 256 MiB, past a 16 MiB limit.
        var s = NewSupervisor(o =>
        {
            o.PluginDirectory = Plugins(("wstart", StartPlugin("wstart", start: "nop", pages: 4096)));
            o.MemoryLimitBytes = 16 << 20;
        });

        var e = Assert.Throws<PluginException>(() => s.Call("wstart:plugin/api.ping"));

        Assert.Equal(PluginErrorCode.InvalidComponent, e.Code);
        Assert.Contains("plugin \"wstart\" cannot be instantiated", e.Message);
        Assert.Contains("of 16 MiB each", e.Message); // the limits named (1 memory, 2 with the byte adapter)
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Fact, Rule("PDP-SEC-4", "PDP-IMPORT-3")]
    public void HostImportWithAnExtraFunction_IsRefusedAtLoad_AndInspectAgrees()
    {
        var wat = StartPlugin("wstart", start: "nop").Replace(
            "(export \"set\" (func (param \"key\" string) (param \"value\" (list u8))))",
            "(export \"set\" (func (param \"key\" string) (param \"value\" (list u8))))\n    (export \"list-all\" (func (result (list string))))");
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(("wstart", wat)));

        var e = Assert.Throws<PluginException>(() => s.Call("wstart:plugin/api.ping"));

        Assert.Equal(PluginErrorCode.ImportRefused, e.Code);
        Assert.Contains("the host has no function \"list-all\" in clientdata:plugin/keyvalue", e.Message);
        var description = s.Describe("wstart");
        Assert.False(description.Allowed);
        Assert.Contains(description.Imports, i => i.Refusal is { } r && r.Contains("list-all", StringComparison.Ordinal));
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    private static string ManyInstances(int count) =>
        Hostile("wmany").Replace("INSTANCES", string.Join("\n  ", Enumerable.Range(0, count).Select(i => $"(core instance $i{i} (instantiate $m))")));

    [Fact, Rule("PDP-LIMIT-7")]
    public void ManyMemories_InOneComponent_AreRefusedWhenInstantiating()
    {
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(("wmany", ManyInstances(12)), ("wone", ManyInstances(1).Replace("wmany:", "wone:"))));

        var e = Assert.Throws<PluginException>(() => s.Call("wmany:plugin/api.ping"));

        Assert.Equal(PluginErrorCode.InvalidComponent, e.Code);
        Assert.Contains("plugin \"wmany\" cannot be instantiated", e.Message);
        Assert.Contains("memory count too high", e.Message);
        Assert.Contains("this plugin may have at most 1 linear memory of 256 MiB each", e.Message);
        Assert.Equal(7u, s.Call("wone:plugin/api.ping"));
    }

    [Fact, Rule("PDP-LIMIT-7")]
    public void TwoMemories_AreAlreadyOneTooMany()
    {
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(("wmany", ManyInstances(2))));

        var e = Assert.Throws<PluginException>(() => s.Call("wmany:plugin/api.ping"));

        Assert.Equal(PluginErrorCode.InvalidComponent, e.Code);
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Theory, Rule("PDP-SEC-4")]
    [InlineData("far-string")]
    [InlineData("huge-list")]
    [InlineData("bad-utf8")]
    [InlineData("bad-option")]
    [InlineData("bad-enum")]
    [InlineData("bad-char")]
    public void AnExportWhoseResultLiesAboutItsType_Traps_AndThePluginAnswersNextCall(string function)
    {
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(("wlie", Hostile("wlie"))));

        var e = Assert.Throws<PluginException>(() => s.Call($"wlie:plugin/api.{function}"));

        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains($"plugin \"wlie\" trapped in wlie:plugin/api.{function}", e.Message);
        Assert.Equal("fine", s.Call("wlie:plugin/api.fine"));
    }

    [Fact, Rule("PDP-CALL-3")]
    public void ABytesValuePastWasmtimesHostCallLimit_BetweenPlugins_IsAnErrorThatNamesTheLimit()
    {
        var s = NewSupervisor();
        const int limit = 2_796_202; // 128 MiB / 48 bytes per element

        var over = Assert.Throws<PluginException>(() => s.Call("wcaller:plugin/api.set-via-beta", "k", new byte[limit + 1]));
        Assert.Equal(PluginErrorCode.Trap, over.Code);
        Assert.Contains($"a list<u8> passed to another plugin may hold at most {limit} bytes", over.Message);

        // One byte less crosses to wbeta, whose clientdata then refuses it by the value limit.
        var under = Assert.Throws<PluginException>(() => s.Call("wcaller:plugin/api.set-via-beta", "k", new byte[limit]));
        Assert.Contains($"plugin \"wbeta\" trapped in wbeta:plugin/api.set: value for key \"k\" is {limit} bytes", under.Message);
        Assert.Equal(1u, s.Call("wcaller:plugin/api.ping-beta"));
    }

    [Fact, Rule("PDP-LIMIT-9")]
    public void AWasiTimer_CannotHoldACallPastItsLimit()
    {
        var s = NewSupervisor(o =>
        {
            o.PluginDirectory = Plugins(("wsleep", Hostile("wsleep")));
            o.CallTimeout = TimeSpan.FromSeconds(2);
        });
        // The clock itself reads.
        Assert.True((ulong)s.Call("wsleep:plugin/api.now")! > 0);

        // 30 s against a 2 s limit; with 2^64-1 ns the call would never return. The hang guard is far above the limit.
        foreach (var ns in new[] { 30_000_000_000UL, ulong.MaxValue })
        {
            var e = WithinHangGuard(() => Assert.Throws<PluginException>(() => s.Call("wsleep:plugin/api.sleep", ns)), "a WASI timer held the call");
            Assert.Contains("subscribe-duration", e.Message);
            Assert.Contains("timers", e.Message);
        }
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Theory, Rule("PDP-ARGS-1")]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"a\\udfffb\"")]
    public void CallJson_WithALoneSurrogate_IsInvalidArgumentsNamingTheParameter(string key)
    {
        var s = NewSupervisor();
        var args = new[] { System.Text.Json.JsonDocument.Parse(key).RootElement, System.Text.Json.JsonDocument.Parse("[1]").RootElement };

        var e = Assert.Throws<PluginException>(() => s.CallJson(CallTarget.Parse("walpha:plugin/api.set"), args));

        Assert.Equal(PluginErrorCode.InvalidArguments, e.Code);
        Assert.Contains("argument 1 (key: string) of walpha:plugin/api.set", e.Message);
        Assert.Contains("lone UTF-16 surrogate", e.Message);
    }

    [Fact, Rule("PDP-ARGS-2")]
    public void AnArgumentPastMaxArgumentBytes_IsRefusedBeforeItIsConverted_NamingTheParameter()
    {
        var s = NewSupervisor(o => o.MaxArgumentBytes = 64 * 1024);

        var bytes = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set", "k", new byte[64 * 1024 + 1]));
        Assert.Equal(PluginErrorCode.InvalidArguments, bytes.Code);
        Assert.Contains("argument 2 (value: list<u8>) of walpha:plugin/api.set holds more than 65536 bytes", bytes.Message);
        Assert.Contains("SupervisorOptions.MaxArgumentBytes", bytes.Message);

        var text = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set", new string('k', 30_000), B("v")));
        Assert.Contains("argument 1 (key: string)", text.Message);

        // A long base64 line in JSON is refused from its text, before it is decoded.
        var json = System.Text.Json.JsonDocument.Parse($"\"{new string('A', 8 * 64 * 1024 + 8)}\"").RootElement;
        var viaJson = Assert.Throws<PluginException>(() => s.CallJson(CallTarget.Parse("walpha:plugin/api.set"), [System.Text.Json.JsonDocument.Parse("\"k\"").RootElement, json]));
        Assert.Contains("characters of JSON", viaJson.Message);

        // At the limit it passes (and meets the value limit of the store instead).
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
        s.Call("walpha:plugin/api.set", "k", new byte[1000]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SupervisorOptions { MaxArgumentBytes = 10 });
    }

    [Fact, Rule("PDP-LIMIT-9")]
    public void AStoreLockedByAnotherWriter_EndsTheCallAtItsTimeLimit_NotAtTheBusyTimeout()
    {
        var s = NewSupervisor(o =>
        {
            o.CallTimeout = TimeSpan.FromSeconds(3);
            o.Storage = new Storage.StorageOptions { Location = StorePath, Sqlite = { BusyTimeout = TimeSpan.FromMinutes(30) } };
        });
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
        using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={StorePath};Pooling=False");
        other.Open();
        using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }

        var e = WithinHangGuard(() => Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set", "k", B("v"))), "the call waited for the lock past its time limit");

        Assert.Equal(PluginErrorCode.Timeout, e.Code);
        Assert.Contains("stayed locked by another connection or process until the call's time limit", e.Message);
        using (var rollback = other.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }
        s.Call("walpha:plugin/api.set", "k", B("v"));
        Assert.Equal(B("v"), ClientDataRecord(s, "walpha", "k"));
    }

    [Theory, Rule("PDP-LIMIT-7")]
    [InlineData("(table 100001 funcref)", "table minimum size of 100001 elements exceeds table limits")]
    [InlineData("(table 1 funcref) (table 1 funcref) (table 1 funcref) (table 1 funcref) (table 1 funcref)", "table count too high")]
    public void TablesPastTheLimits_AreRefusedWhenInstantiating(string tables, string named)
    {
        var wat = ManyInstances(1).Replace("(table 1 funcref)", tables);
        var s = NewSupervisor(o => o.PluginDirectory = Plugins(("wmany", wat)));

        var e = Assert.Throws<PluginException>(() => s.Call("wmany:plugin/api.ping"));

        Assert.Equal(PluginErrorCode.InvalidComponent, e.Code);
        Assert.Contains(named, e.Message);
        Assert.Contains("tables of 100000 elements", e.Message);
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }
}
