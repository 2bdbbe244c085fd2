using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Hosting;

public sealed class SupervisorTests : PluginTestBase
{
    [Fact, Rule("PDP-SEC-2", "PDP-CD-1")]
    public void TwoPlugins_WritingTheSameKeys_NeverSeeEachOther()
    {
        var s = NewSupervisor();
        s.Call("walpha:plugin/api.set", "k", B("alpha's"));
        s.Call("wbeta:plugin/api.set", "k", B("beta's"));
        Assert.Equal(B("alpha's"), s.Call("walpha:plugin/api.get", "k"));
        Assert.Equal(B("beta's"), s.Call("wbeta:plugin/api.get", "k"));
        s.Call("wbeta:plugin/api.delete", "k");
        Assert.Equal(B("alpha's"), s.Call("walpha:plugin/api.get", "k"));
        Assert.Null(s.Call("wbeta:plugin/api.get", "k"));
        // Where psibase puts them: service clientdata, bucket = the caller, non-transactional, persistent.
        Assert.Equal(B("alpha's"), ClientDataRecord(s, "walpha", "k"));
        Assert.Null(ClientDataRecord(s, "wbeta", "k"));
        Assert.Equal(1, s.Store.GetUsage("test", "walpha").Items);
    }

    [Theory, Rule("PDP-CD-1", "PDP-STORE-4")]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(102400)]
    public void ClientData_RoundTripsBytesExactly(int size)
    {
        var s = NewSupervisor();
        var value = new byte[size];
        new Random(size).NextBytes(value);
        s.Call("walpha:plugin/api.set", "blob", value);
        Assert.Equal(value, s.Call("walpha:plugin/api.get", "blob"));
    }

    [Fact, Rule("PDP-DUR-1")]
    public void ValueSetThroughOneSupervisor_IsReadByAnother()
    {
        using (var first = PluginSupervisor.Create(new SupervisorOptions { PluginDirectory = FixturePlugins, CacheDirectory = SharedCache, Storage = new StorageOptions { Location = StorePath }, ChainId = "test", ByteAdapter = DefaultByteAdapter }))
            first.Call("walpha:plugin/api.set", "k", B("durable"));
        var second = NewSupervisor();
        Assert.Equal(B("durable"), second.Call("walpha:plugin/api.get", "k"));
    }

    [Fact, Rule("PDP-CD-2", "PDP-LIMIT-2", "PDP-OP-2")]
    public void ClientData_OversizedValue_TrapsWithTheLimitAndStoresNothing()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set", "big", new byte[102401]));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("walpha", e.Message);
        Assert.Contains("102401", e.Message);
        Assert.Contains("102400", e.Message);
        Assert.Null(ClientDataRecord(s, "walpha", "big"));
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Fact, Rule("PDP-CD-2", "PDP-LIMIT-1")]
    public void ClientData_OversizedKey_Traps()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set", new string('k', 257), B("v")));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("257 bytes", e.Message);
        s.Call("walpha:plugin/api.set", new string('k', 256), B("v"));
        Assert.Equal(B("v"), ClientDataRecord(s, "walpha", new string('k', 256)));
    }

    [Fact, Rule("PDP-CD-2", "PDP-QUOTA-1")]
    public void ClientData_PastQuota_Traps()
    {
        var s = NewSupervisor(o => o.Storage.Limits = new StorageLimits { QuotaItems = 2 });
        s.Call("walpha:plugin/api.set", "a", B("1"));
        s.Call("walpha:plugin/api.set", "b", B("1"));
        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set", "c", B("1")));
        Assert.Contains("quota", e.Message);
        s.Call("wbeta:plugin/api.set", "c", B("1")); // another plugin's quota is its own
    }

    [Fact, Rule("PDP-OP-2")]
    public void ErrResult_FailsTheOperation_KeepsTheNonTransactionalWrite()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set-then-fail", "k", B("written")));
        Assert.Equal(PluginErrorCode.ErrorResult, e.Code);
        Assert.Equal("failed on purpose", e.ErrorValue);
        Assert.Contains("walpha:plugin/api.set-then-fail", e.Message);
        Assert.Equal(B("written"), s.Call("walpha:plugin/api.get", "k"));
    }

    [Fact, Rule("PDP-OP-2", "PDP-OP-3")]
    public void Trap_FailsTheOperation_AndThePluginAnswersTheNextCall()
    {
        var s = NewSupervisor();
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set-then-trap", "k", B("written")));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("walpha", e.Message);
        Assert.Contains("set-then-trap", e.Message);
        Assert.Contains("unreachable", e.Message);
        Assert.Equal(B("written"), s.Call("walpha:plugin/api.get", "k"));
        // A fresh instance: its counter starts again.
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Fact, Rule("PDP-OP-1")]
    public void GroupedOperation_SpansCalls_AndFailsOnError()
    {
        var s = NewSupervisor();
        using (var op = s.BeginOperation("myapp"))
        {
            Assert.Equal(1u, op.Call("walpha:plugin/api.ping"));
            Assert.Equal(2u, op.Call("walpha:plugin/api.ping"));
            op.Call("walpha:plugin/api.set", "k", B("v"));
            op.Complete();
            Assert.Equal(OperationState.Committed, op.State);
        }
        using (var op = s.BeginOperation())
        {
            Assert.Throws<PluginException>(() => op.Call("walpha:plugin/api.set-then-fail", "k", B("v2")));
            Assert.Equal(OperationState.Failed, op.State);
            var e = Assert.Throws<PluginException>(() => op.Call("walpha:plugin/api.ping"));
            Assert.Equal(PluginErrorCode.Unavailable, e.Code);
        }
    }

    [Fact, Rule("PDP-LIMIT-5")]
    public void InfiniteLoop_IsStoppedByTheTimeLimit()
    {
        var s = NewSupervisor(o => o.CallTimeout = TimeSpan.FromSeconds(1));
        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.spin"));
        Assert.Equal(PluginErrorCode.Timeout, e.Code);
        Assert.Contains("walpha:plugin/api.spin", e.Message);
        Assert.Contains("1 s", e.Message);
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Fact, Rule("PDP-LIMIT-6")]
    public void MemoryBomb_IsStopped()
    {
        var s = NewSupervisor(o => o.MemoryLimitBytes = 4 * 1024 * 1024);
        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.grow", 16u));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("walpha", e.Message);
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
    }

    [Fact, Rule("PDP-IMPORT-1")]
    public void RefusedImports_AreEachNamed_BeforeAnythingRuns()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.Call("wevil:plugin/api.env-count"));
        Assert.Equal(PluginErrorCode.ImportRefused, e.Code);
        Assert.Contains("evil:net/socket", e.Message);
        Assert.Contains("wasi:http/outgoing-handler@0.2.0", e.Message);
        Assert.DoesNotContain("wasi:cli/environment", e.Message);
        var d = s.Describe("wevil");
        Assert.False(d.Allowed);
        Assert.Equal(2, d.Imports.Count(i => i.Refusal is not null));
    }

    [Fact, Rule("PDP-PLUGIN-2")]
    public void ReservedServiceName_IsRefused()
    {
        var dir = Dir.File("plugins");
        Directory.CreateDirectory(Path.Combine(dir, Names.ClientData));
        File.Copy(Path.Combine(FixturePlugins, "walpha", "plugin.wat"), Path.Combine(dir, Names.ClientData, "plugin.wat"));
        var s = NewSupervisor(o => o.PluginDirectory = dir);
        var e = Assert.Throws<PluginException>(() => s.Call("clientdata:plugin/api.ping"));
        Assert.Equal(PluginErrorCode.InvalidPluginName, e.Code);
        Assert.Contains("reserved", e.Message);
    }

    [Fact, Rule("PDP-PLUGIN-1")]
    public void Plugins_ResolveFromTheDirectory_ByServiceAndPlugin()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.Call("wnone:plugin/api.ping"));
        Assert.Equal(PluginErrorCode.PluginNotFound, e.Code);
        Assert.Contains("plugin.wasm", e.Message);
        var bad = Assert.Throws<PluginException>(() => s.Call("Bad_Name:plugin/api.ping"));
        Assert.Equal(PluginErrorCode.InvalidTarget, bad.Code);
        var d = s.Describe("walpha");
        Assert.EndsWith(Path.Combine("walpha", "plugin.wat"), d.File);
        Assert.Contains(d.Exports, x => x.Interface == "walpha:plugin/api" && x.Function == "get" && x.Signature == "func(key: string) -> option<list<u8>>");
    }

    [Fact, Rule("PDP-ARGS-1")]
    public void WrongArguments_AreRefused_NamingTheParameter()
    {
        var s = NewSupervisor();
        var count = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set", "k"));
        Assert.Equal(PluginErrorCode.InvalidArguments, count.Code);
        Assert.Contains("takes 2", count.Message);
        var type = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set", "k", 42));
        Assert.Equal(PluginErrorCode.InvalidArguments, type.Code);
        Assert.Contains("value: list<u8>", type.Message);
        var missing = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.nope"));
        Assert.Equal(PluginErrorCode.FunctionNotFound, missing.Code);
        Assert.Contains("walpha:plugin/api.ping", missing.Message);
    }

    [Fact, Rule("PDP-CALL-1", "PDP-SEC-1")]
    public void PluginToPlugin_RecordsLandInTheCalleesTable()
    {
        var s = NewSupervisor();
        s.Call("wcaller:plugin/api.set-via-beta", "k", B("via caller"));
        s.Call("wcaller:plugin/api.set-own", "k", B("caller's own"));
        Assert.Equal(B("via caller"), ClientDataRecord(s, "wbeta", "k"));
        Assert.Equal(B("caller's own"), ClientDataRecord(s, "wcaller", "k"));
        Assert.Equal(B("via caller"), s.Call("wbeta:plugin/api.get", "k"));
        Assert.Equal(B("via caller"), s.Call("wcaller:plugin/api.get-via-beta", "k"));
        Assert.Equal(B("caller's own"), s.Call("wcaller:plugin/api.get-own", "k"));
    }

    [Fact, Rule("PDP-CLIENT-1")]
    public void ClientApi_ReportsSenderReceiverAndActiveApp()
    {
        var s = NewSupervisor(o => o.RootDomain = "example.org");
        Assert.Equal("cli|wclient|cli", s.Call("wclient:plugin/api.whoami"));
        Assert.Equal("myapp|wclient|myapp", s.Call(CallTarget.Parse("wclient:plugin/api.whoami"), [], "myapp"));
        Assert.Equal("myapp|wcaller|myapp", s.Call(CallTarget.Parse("wcaller:plugin/api.whoami-via-client"), [], "myapp"));
        Assert.Equal("https://notes.example.org/", s.Call("wclient:plugin/api.app-url", "notes"));
        Assert.Throws<PluginException>(() => s.Call("wclient:plugin/api.app-url", "Not An App"));
    }

    [Fact, Rule("PDP-CALL-1", "PDP-CLIENT-1")]
    public void PluginToPlugin_TheCalleeSeesTheCallerAsSender()
    {
        var s = NewSupervisor();
        // wrelay calls wclient: wclient's sender is wrelay, its receiver itself, the active app the outermost caller.
        Assert.Equal("wrelay|wclient|myapp", s.Call(CallTarget.Parse("wrelay:plugin/api.relay-whoami"), [], "myapp"));
        Assert.Equal("myapp|wclient|myapp", s.Call(CallTarget.Parse("wclient:plugin/api.whoami"), [], "myapp"));
    }

    [Fact, Rule("PDP-SEC-1")]
    public void ExportingAFakeClientData_ChangesNothing()
    {
        var s = NewSupervisor();
        s.Call("wfake:plugin/api.set", "k", B("real"));
        Assert.Equal(B("real"), ClientDataRecord(s, "wfake", "k"));
        Assert.Equal(B("real"), s.Call("wfake:plugin/api.get", "k"));
        // Another plugin's clientdata import still reaches the host, not wfake's export.
        s.Call("walpha:plugin/api.set", "k", B("alpha"));
        Assert.Equal(B("alpha"), ClientDataRecord(s, "walpha", "k"));
        Assert.Equal(B("real"), ClientDataRecord(s, "wfake", "k"));
    }

    [Fact, Rule("PDP-CALL-2")]
    public void Cycle_EndsWithAClearError()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.Call("wloop1:plugin/api.bounce", 5u));
        Assert.Equal(PluginErrorCode.CallDepth, e.Code);
        Assert.Contains("wloop1 -> wloop2 -> wloop1", e.Message);
        Assert.Equal(0u, s.Call("wloop1:plugin/api.bounce", 0u));
    }

    [Fact, Rule("PDP-CALL-2")]
    public void DepthLimit_EndsWithAClearError()
    {
        var s = NewSupervisor(o => o.MaxCallDepth = 1);
        var e = Assert.Throws<PluginException>(() => s.Call("wcaller:plugin/api.ping-beta"));
        Assert.Equal(PluginErrorCode.CallDepth, e.Code);
        Assert.Contains("the limit is 1", e.Message);
    }

    [Fact, Rule("PDP-THREAD-1")]
    public void ManyThreads_CallingOnePlugin_GetCorrectResults()
    {
        var s = NewSupervisor(o => o.MaxInstancesPerPlugin = 3);
        var errors = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            for (var i = 0; i < 40; i++)
            {
                var key = $"t{t}-{i}";
                s.Call("walpha:plugin/api.set", key, B(key));
                if (!B(key).AsSpan().SequenceEqual((byte[])s.Call("walpha:plugin/api.get", key)!)) Interlocked.Increment(ref errors);
            }
        });
        Assert.Equal(0, errors);
        Assert.Equal(320, s.Store.GetUsage("test", "walpha").Items);
    }

    [Fact, Rule("PDP-SESSION-1")]
    public void Dispose_EndsTheSession()
    {
        var s = NewSupervisor();
        s.Dispose();
        s.Dispose();
        Assert.Throws<ObjectDisposedException>(() => s.Call("walpha:plugin/api.ping"));
    }
}
