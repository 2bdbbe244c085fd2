using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Calling;

/// <summary>
/// Calls address the service, not the WIT package (PDP-CALL-4): one component, built as <c>probe:plugin</c>, deployed
/// under two services, called by each service's name with each its own data, and imported by a third plugin.
/// </summary>
public sealed class AddressingTests : PluginTestBase
{
    private static string Fixture(string path) => Path.Combine(AppContext.BaseDirectory, "Fixtures", path);

    /// <summary>wbeta's fixture rebuilt as package <c>probe:plugin</c>: nothing in it names a service.</summary>
    private static string ProbeWat() =>
        File.ReadAllText(Path.Combine(FixturePlugins, "wbeta", "plugin.wat")).Replace("\"wbeta:plugin/api\"", "\"probe:plugin/api\"");

    /// <summary>The same, exporting its interface twice: as <c>probe:plugin/api</c> and <c>other:pkg/api</c>.</summary>
    private static string DualWat() =>
        File.ReadAllText(Path.Combine(FixturePlugins, "wbeta", "plugin.wat"))
            .Replace("(export \"wbeta:plugin/api\" (instance $api))", "(export \"probe:plugin/api\" (instance $api)) (export \"other:pkg/api\" (instance $api))");

    /// <summary>The caller fixture importing <c>put</c>/<c>fetch</c> (the JavaScript notes plugin's names) instead of set/get.</summary>
    private static string BothForJavaScript() =>
        File.ReadAllText(Fixture(Path.Combine("addressing", "both.wat")))
            .Replace("(export \"set\" (func (param \"key\" string) (param \"value\" (list u8))))", "(export \"put\" (func (param \"key\" string) (param \"value\" (list u8))))")
            .Replace("(export \"get\" (func (param \"key\" string) (result (option (list u8)))))", "(export \"fetch\" (func (param \"key\" string) (result (option (list u8)))))")
            .Replace("(func $a \"set\")", "(func $a \"put\")").Replace("(func $a \"get\")", "(func $a \"fetch\")")
            .Replace("(func $b \"set\")", "(func $b \"put\")").Replace("(func $b \"get\")", "(func $b \"fetch\")");

    private string Plugins(params (string Service, string Text)[] plugins)
    {
        var dir = Dir.File("plugins");
        foreach (var (service, text) in plugins)
        {
            Directory.CreateDirectory(Path.Combine(dir, service));
            File.WriteAllText(Path.Combine(dir, service, "plugin.wat"), text);
        }
        return dir;
    }

    private string JsPlugins(params string[] services)
    {
        var dir = Dir.File("plugins");
        foreach (var service in services) Link(JsPlugin("jsnotes"), Path.Combine(dir, service, "plugin.wasm"));
        return dir;
    }

    private PluginSupervisor Over(string plugins) => NewSupervisor(o => o.PluginDirectory = plugins);

    [Fact]
    [Rule("PDP-CALL-4")]
    public void OneWatComponent_UnderTwoServices_IsCalledByEachServiceName_WithItsOwnData()
    {
        var s = Over(Plugins(("alpha", ProbeWat()), ("beta", ProbeWat())));
        s.Call("alpha:plugin/api.set", "k", B("for alpha"));
        s.Call("beta:plugin/api.set", "k", B("for beta"));
        Assert.Equal(B("for alpha"), s.Call("alpha:plugin/api.get", "k"));
        Assert.Equal(B("for beta"), s.Call("beta:plugin/api.get", "k"));
        Assert.Equal(B("for alpha"), ClientDataRecord(s, "alpha", "k"));
        Assert.Equal(B("for beta"), ClientDataRecord(s, "beta", "k"));
        Assert.Null(ClientDataRecord(s, "probe", "k"));
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void OneJavaScriptComponent_UnderTwoServices_IsCalledByEachServiceName_WithItsOwnData()
    {
        var s = Over(JsPlugins("alpha", "beta"));
        s.Call("alpha:plugin/api.put-text", "k", "for alpha");
        s.Call("beta:plugin/api.put-text", "k", "for beta");
        Assert.Equal("for alpha", s.Call("alpha:plugin/api.get-text", "k"));
        Assert.Equal("for beta", s.Call("beta:plugin/api.get-text", "k"));
        Assert.Equal(B("for alpha"), ClientDataRecord(s, "alpha", "k"));
        Assert.Null(ClientDataRecord(s, "jsnotes", "k"));
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void AThirdWatPlugin_ImportingBoth_ReachesEachUnderItsService()
    {
        var s = Over(Plugins(("alpha", ProbeWat()), ("beta", ProbeWat()), ("both", File.ReadAllText(Fixture(Path.Combine("addressing", "both.wat"))))));
        s.Call("both:plugin/api.set-a", "k", B("via both to alpha"));
        s.Call("both:plugin/api.set-b", "k", B("via both to beta"));
        Assert.Equal(B("via both to alpha"), ClientDataRecord(s, "alpha", "k"));
        Assert.Equal(B("via both to beta"), ClientDataRecord(s, "beta", "k"));
        Assert.Equal(B("via both to beta"), s.Call("both:plugin/api.get-b", "k"));
        Assert.Null(ClientDataRecord(s, "both", "k"));
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void AThirdPlugin_ImportingTwoJavaScriptServicesOfOneComponent_ReachesEach()
    {
        var dir = JsPlugins("alpha", "beta");
        Directory.CreateDirectory(Path.Combine(dir, "both"));
        File.WriteAllText(Path.Combine(dir, "both", "plugin.wat"), BothForJavaScript());
        var s = Over(dir);
        s.Call("both:plugin/api.set-a", "k", B("to alpha"));
        s.Call("both:plugin/api.set-b", "k", B("to beta"));
        Assert.Equal("to alpha", s.Call("alpha:plugin/api.get-text", "k"));
        Assert.Equal("to beta", s.Call("beta:plugin/api.get-text", "k"));
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void TwoExportedInterfacesOfOneName_TheCallNamesThePackage_AndTheErrorListsTheCandidates()
    {
        var s = Over(Plugins(("dual", DualWat())));
        var e = Assert.Throws<PluginException>(() => s.Call("dual:plugin/api.get", "k"));
        Assert.Equal(PluginErrorCode.FunctionNotFound, e.Code);
        Assert.Contains("probe:plugin/api", e.Message);
        Assert.Contains("other:pkg/api", e.Message);
        Assert.Contains("dual:plugin/probe:plugin/api.get", e.Message);
        s.Call("dual:plugin/probe:plugin/api.set", "k", B("v"));
        Assert.Equal(B("v"), s.Call("dual:plugin/other:pkg/api.get", "k"));
        Assert.Equal(B("v"), ClientDataRecord(s, "dual", "k"));
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void ANamedPackageTheComponentDoesNotExport_IsNotFound_ListingWhatItExports()
    {
        var s = Over(Plugins(("alpha", ProbeWat())));
        var e = Assert.Throws<PluginException>(() => s.Call("alpha:plugin/other:pkg/api.get", "k"));
        Assert.Equal(PluginErrorCode.FunctionNotFound, e.Code);
        Assert.Contains("alpha:plugin/api.get", e.Message);
        Assert.Equal(B("x"), Set(s, "alpha:plugin/probe:plugin/api", "x"));
        var missing = Assert.Throws<PluginException>(() => s.Call("alpha:plugin/api.nope"));
        Assert.Equal(PluginErrorCode.FunctionNotFound, missing.Code);
        Assert.Contains("alpha:plugin/api.set", missing.Message);
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void APluginExportingThousandsOfInterfaces_GetsErrorsOfBoundedLength()
    {
        const int interfaces = 2000;
        var many = File.ReadAllText(Path.Combine(FixturePlugins, "wbeta", "plugin.wat")).Replace("(export \"wbeta:plugin/api\" (instance $api))",
            string.Join("\n", Enumerable.Range(0, interfaces).Select(i => $"(export \"p{i}:plugin/api\" (instance $api))")));
        var s = Over(Plugins(("alpha", many)));

        var missing = Assert.Throws<PluginException>(() => s.Call("alpha:plugin/nope.get", "k"));
        Assert.Equal(PluginErrorCode.FunctionNotFound, missing.Code);
        Assert.Contains("alpha:plugin/p0:plugin/api.", missing.Message);
        Assert.Contains("more (`supervisor plugin inspect` lists them all)", missing.Message);
        Assert.InRange(missing.Message.Length, 1, 4096);

        var ambiguous = Assert.Throws<PluginException>(() => s.Call("alpha:plugin/api.get", "k"));
        Assert.Equal(PluginErrorCode.FunctionNotFound, ambiguous.Code);
        Assert.Contains($"exports {interfaces} interfaces named \"api\"", ambiguous.Message);
        Assert.InRange(ambiguous.Message.Length, 1, 4096);
        Assert.Equal(B("x"), Set(s, "alpha:plugin/p1999:plugin/api", "x")); // each stays callable by its package
    }

    private static byte[]? Set(PluginSupervisor s, string iface, string value)
    {
        s.Call($"{iface}.set", "k", B(value));
        return (byte[]?)s.Call($"{iface}.get", "k");
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void AnAmbiguousImport_IsRefusedAtLoad_ListingTheCandidates()
    {
        var s = Over(Plugins(("alpha", DualWat()), ("beta", ProbeWat()), ("both", File.ReadAllText(Fixture(Path.Combine("addressing", "both.wat"))))));
        var d = s.Describe("both");
        var import = Assert.Single(d.Imports, i => i.Name == "alpha:plugin/api");
        Assert.NotNull(import.Refusal);
        Assert.Contains("probe:plugin/api", import.Refusal);
        Assert.Contains("other:pkg/api", import.Refusal);
        Assert.Null(Assert.Single(d.Imports, i => i.Name == "beta:plugin/api").Refusal);
        var e = Assert.Throws<PluginException>(() => s.Call("both:plugin/api.set-b", "k", B("v")));
        Assert.Equal(PluginErrorCode.ImportRefused, e.Code);
        Assert.Contains("ambiguous", e.Message);
        Assert.Null(ClientDataRecord(s, "beta", "k"));
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void AnImportOfAFunctionTheServiceDoesNotExport_FailsWhenCalled_NamingTheExport()
    {
        var caller = File.ReadAllText(Fixture(Path.Combine("addressing", "both.wat")))
            .Replace("(export \"get\" (func (param \"key\" string) (result (option (list u8)))))\n  ))\n  (import \"beta", "(export \"gets\" (func (param \"key\" string) (result (option (list u8)))))\n  ))\n  (import \"beta")
            .Replace("(func $a \"get\")", "(func $a \"gets\")");
        var s = Over(Plugins(("alpha", ProbeWat()), ("beta", ProbeWat()), ("both", caller)));
        s.Call("both:plugin/api.set-b", "k", B("v"));
        Assert.Equal(B("v"), ClientDataRecord(s, "beta", "k"));
        var e = Assert.Throws<PluginException>(() => s.Call("both:plugin/api.get-a", "k"));
        Assert.Equal(PluginErrorCode.FunctionNotFound, e.Code);
        Assert.Contains("does not export in probe:plugin/api", e.Message);
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void Describe_ShowsHowEachExportIsAddressed()
    {
        var s = Over(Plugins(("alpha", ProbeWat()), ("dual", DualWat())));
        var set = Assert.Single(s.Describe("alpha").Exports, e => e.Function == "set");
        Assert.Equal("probe:plugin/api", set.Interface);
        Assert.Equal("alpha:plugin/api.set", set.Address);
        var dual = s.Describe("dual").Exports.Where(e => e.Function == "set").Select(e => e.Address).Order().ToList();
        Assert.Equal(["dual:plugin/other:pkg/api.set", "dual:plugin/probe:plugin/api.set"], dual);
    }

    [Fact]
    [Rule("PDP-CALL-4")]
    public void ATargetWithoutAPluginName_MeansThePluginNamedPlugin()
    {
        var s = Over(Plugins(("alpha", ProbeWat())));
        s.Call("alpha/api.set", "k", B("short"));
        Assert.Equal(B("short"), s.Call("alpha:plugin/api.get", "k"));
    }

    [Theory]
    [Rule("PDP-CALL-4")]
    [InlineData("alpha:plugin/api.get", "alpha", "plugin", null, "api", "get")]
    [InlineData("alpha/api.get", "alpha", "plugin", null, "api", "get")]
    [InlineData("alpha:other/probe:plugin/api.get", "alpha", "other", "probe:plugin", "api", "get")]
    [InlineData("alpha:plugin/probe:plugin@1.0.0/api.get", "alpha", "plugin", "probe:plugin@1.0.0", "api", "get")]
    public void Parse_ReadsEveryPart(string text, string service, string plugin, string? package, string iface, string function)
    {
        var t = CallTarget.Parse(text);
        Assert.Equal((service, plugin, package, iface, function), (t.Service, t.Plugin, t.Package, t.Interface, t.Function));
        Assert.Equal(t, CallTarget.Parse(t.ToString()));
    }

    [Theory]
    [Rule("PDP-CALL-4")]
    [InlineData("alpha:plugin/probe/api.get", "package \"probe\"")]
    [InlineData("alpha:plugin/:x/api.get", "package \":x\"")]
    [InlineData("alpha:plugin/probe:plugin@/api.get", "package \"probe:plugin@\"")]
    [InlineData("alpha:plugin//api.get", "not of the form")]
    [InlineData("alpha:plugin/probe:plugin/api", "not of the form")]
    [InlineData("Alpha/api.get", "service \"Alpha\"")]
    public void Parse_RefusesAMalformedTarget_NamingThePart(string text, string expected)
    {
        var e = Assert.Throws<PluginException>(() => CallTarget.Parse(text));
        Assert.Equal(PluginErrorCode.InvalidTarget, e.Code);
        Assert.Contains(expected, e.Message);
    }
}
