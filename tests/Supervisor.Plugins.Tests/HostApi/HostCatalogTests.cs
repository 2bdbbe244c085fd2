using System.Text.RegularExpressions;
using Supervisor.Plugins.HostApi;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// The catalog of host interfaces and the structural import check it drives: a plugin's import of a host interface
/// must declare the host's own types, since the native host functions read arguments by those types.
/// </summary>
public sealed partial class HostCatalogTests : PluginTestBase
{
    [Fact, Rule("PDP-IMPORT-3")]
    public void Catalog_HoldsTheTypesOfWit()
    {
        var lines = HostCatalog.Describe().Split('\n');

        Assert.Contains("clientdata:plugin/keyvalue.get: func(key: string) -> option<list<u8>>", lines);
        Assert.Contains("clientdata:plugin/keyvalue.set: func(key: string, value: list<u8>)", lines);
        Assert.Contains("host:client/api.get-app-url: func(app: string) -> string", lines);
        Assert.Contains("host:db/store.[method]bucket.set: func(self: borrow<bucket>, key: string, value: list<u8>)", lines);
        Assert.Contains(lines, l => l.StartsWith("wasi:keyvalue/atomics@0.2.0-draft2.increment: func(bucket: borrow<bucket>, key: string, delta: s64) -> result<s64, variant {", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("wasi:keyvalue/atomics@0.2.0-draft.increment: func(bucket: borrow<bucket>, key: string, delta: u64) -> result<u64, variant {", StringComparison.Ordinal));
        foreach (var name in HostCatalog.Names)
            Assert.Contains(lines, l => l.StartsWith(name + ".", StringComparison.Ordinal));
    }

    [Fact, Rule("PDP-IMPORT-3")]
    public void HostInterfaces_ImplementEveryCatalogAndAdapterInterface_AndNothingElse()
    {
        using var hostApi = new HostInterfaces(new HostContext("test", new global::Supervisor.Storage.StorageLimits(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, "example"));
        var expected = HostCatalog.Names.Concat(global::Supervisor.Plugins.Composition.ByteAdapter.AdapterInterfaces).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, hostApi.Names.Order(StringComparer.Ordinal).ToList());
    }

    [Fact, Rule("PDP-IMPORT-3")]
    public void JavaScriptPlugins_BuiltFromWit_ImportTheCatalogsTypes()
    {
        var plugins = Path.GetDirectoryName(Path.GetDirectoryName(JsPlugin("jskv2")))!;
        var s = NewSupervisor(o => o.PluginDirectory = plugins);
        var services = Directory.GetDirectories(plugins).Select(Path.GetFileName).ToList();
        Assert.True(services.Count >= 5, $"expected the JavaScript test plugins in {plugins}");
        foreach (var service in services)
        {
            var d = s.Describe(service!);
            Assert.True(d.Allowed, $"{service}: {string.Join("; ", d.Imports.Where(i => i.Refusal is not null).Select(i => $"{i.Name}: {i.Refusal}"))}");
            Assert.Contains(d.Imports, i => i.Kind == "host");
        }
    }

    [Fact, Rule("PDP-IMPORT-3")]
    public void ClientDataSetTakingOptions_IsRefusedNamingTheFunctionAndBothTypes()
    {
        // The attack: list<option<u8>> has list<u8>'s flat layout, and a host trusting it read host heap pointers as bytes.
        var wat = File.ReadAllText(Path.Combine(FixturePlugins, "walpha", "plugin.wat"))
            .Replace("(export \"set\" (func (param \"key\" string) (param \"value\" (list u8))))",
                "(export \"set\" (func (param \"key\" string) (param \"value\" (list (option u8)))))");
        var s = NewSupervisor(o => o.PluginDirectory = PluginsWith("walpha", wat));

        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set", "k", B("v")));

        Assert.Equal(PluginErrorCode.ImportRefused, e.Code);
        Assert.Contains("set is declared as func(key: string, value: list<option<u8>>), but the host's type is func(key: string, value: list<u8>)", e.Message);
        Assert.Null(ClientDataRecord(s, "walpha", "k"));
    }

    /// <summary>One-token changes to a type that keep the core (flat) layout, so only the type check can catch them.</summary>
    private static readonly (string From, string To)[] LayoutKeepingSwaps =
    [
        ("string", "(list u8)"),
        ("(list u8)", "string"),
        ("(list u8)", "(list (option u8))"),
        ("(list u8)", "(list s8)"),
        ("u64", "s64"),
        ("s64", "u64"),
        ("u32", "s32"),
        ("bool", "u8"),
        ("(param \"key\"", "(param \"name\""),
    ];

    [Fact, Rule("PDP-IMPORT-3")]
    public void MutatedHostImportTypes_OfEveryFixture_AreRefusedAtLoadAndNeverRun()
    {
        var refusedByType = 0;
        var mutants = 0;
        foreach (var fixture in Directory.GetDirectories(FixturePlugins).Select(Path.GetFileName).Order())
        {
            var wat = File.ReadAllText(Path.Combine(FixturePlugins, fixture!, "plugin.wat"));
            foreach (var (start, end, name) in HostImportBlocks(wat))
            {
                var block = wat[start..end];
                var variants = new List<(string What, string Block)>
                {
                    ("an extra function", block[..block.LastIndexOf(')')] + " (export \"zz-extra\" (func)))"),
                };
                foreach (var (from, to) in LayoutKeepingSwaps)
                    for (var at = block.IndexOf(from, StringComparison.Ordinal); at >= 0; at = block.IndexOf(from, at + 1, StringComparison.Ordinal))
                        if (IsToken(block, at, from)) variants.Add(($"{from} -> {to} at {at}", block[..at] + to + block[(at + from.Length)..]));
                foreach (var (what, mutated) in variants)
                {
                    mutants++;
                    var s = NewSupervisor(o =>
                    {
                        o.PluginDirectory = PluginsWith(fixture!, wat[..start] + mutated + wat[end..]);
                        o.CacheDirectory = null;
                    });
                    var e = Assert.Throws<PluginException>(() => s.Call($"{fixture}:plugin/api.anything"));
                    Assert.True(e.Code is PluginErrorCode.ImportRefused or PluginErrorCode.InvalidComponent, $"{fixture} {name} ({what}): {e.Code} {e.Message}");
                    if (e.Code == PluginErrorCode.ImportRefused)
                    {
                        Assert.Contains(name, e.Message);
                        refusedByType++;
                    }
                    s.Dispose();
                }
            }
        }
        // Most mutants keep a valid component (the flat layout is unchanged), so the type check is what refuses them.
        Assert.True(mutants >= 40, $"only {mutants} mutants were made");
        Assert.True(refusedByType * 10 >= mutants * 8, $"{refusedByType} of {mutants} mutants were refused by the type check");
    }

    /// <summary>Every way to change one function's type that the check must see: each parameter's type and name, the result.</summary>
    private static IEnumerable<(string What, WitFunctionType Type)> Mutants(WitFunctionType f)
    {
        for (var i = 0; i < f.Parameters.Count; i++)
        {
            var p = f.Parameters[i];
            WitParam[] With(WitParam replacement) => f.Parameters.Select((q, j) => j == i ? replacement : q).ToArray();
            yield return ($"parameter {p.Name} renamed", new WitFunctionType(With(p with { Name = p.Name + "x" }), f.Result));
            var other = p.Type.Kind == WitKind.String ? new WitList(WitType.U8) : (WitType)WitType.String;
            yield return ($"parameter {p.Name} as {other}", new WitFunctionType(With(p with { Type = other }), f.Result));
            if (p.Type is WitList { Element: var e })
                yield return ($"parameter {p.Name} as list<option<...>>", new WitFunctionType(With(p with { Type = new WitList(new WitOption(e)) }), f.Result));
        }
        yield return ("an extra parameter", new WitFunctionType([.. f.Parameters, new WitParam("extra", WitType.U32)], f.Result));
        yield return (f.Result is null ? "a result added" : "the result dropped", new WitFunctionType(f.Parameters, f.Result is null ? WitType.U32 : null));
        if (f.Result is not null)
            yield return ("the result wrapped in an option", new WitFunctionType(f.Parameters, new WitOption(f.Result)));
    }

    [Fact, Rule("PDP-IMPORT-3")]
    public void EveryHostFunction_DeclaredWithAnyOtherType_IsRefused()
    {
        var checkedFunctions = 0;
        foreach (var name in HostCatalog.Names)
        {
            var host = HostCatalog.TypeOf(name);
            Assert.Null(HostCatalog.Mismatch(host));
            foreach (var f in host.Exports.Where(e => e.Kind == ComponentItemKind.Func))
            {
                checkedFunctions++;
                foreach (var (what, type) in Mutants(f.Function!))
                {
                    var mutated = new ComponentItemInfo(name, ComponentItemKind.Instance,
                        exports: host.Exports.Select(e => e == f ? new ComponentItemInfo(f.Name, ComponentItemKind.Func, type) : e).ToList());
                    var mismatch = HostCatalog.Mismatch(mutated);
                    Assert.True(mismatch is not null, $"{name}.{f.Name} with {what} was accepted");
                    Assert.Contains(f.Name, mismatch);
                }
                // A subset of the functions is fine.
                var subset = new ComponentItemInfo(name, ComponentItemKind.Instance, exports: host.Exports.Where(e => e != f).ToList());
                Assert.Null(HostCatalog.Mismatch(subset));
            }
            var extra = new ComponentItemInfo(name, ComponentItemKind.Instance,
                exports: [.. host.Exports, new ComponentItemInfo("zz-extra", ComponentItemKind.Func, new WitFunctionType([], null))]);
            Assert.Contains("no function \"zz-extra\"", HostCatalog.Mismatch(extra));
        }
        Assert.True(checkedFunctions >= 40, $"only {checkedFunctions} host functions in the catalog");
    }

    [Fact, Rule("PDP-IMPORT-3")]
    public void UnmutatedFixtures_AreAllowed()
    {
        var s = NewSupervisor();
        foreach (var fixture in new[] { "walpha", "wcaller", "wclient", "wdb", "wkv", "wfake", "wtable" })
            Assert.True(s.Describe(fixture).Allowed, fixture);
    }

    private static bool IsToken(string text, int at, string token) =>
        (at == 0 || !char.IsLetterOrDigit(text[at - 1])) &&
        (at + token.Length >= text.Length || !char.IsLetterOrDigit(text[at + token.Length]) || token.EndsWith('"'));

    /// <summary>The (start, end, name) of each top-level import of a host interface in component WAT.</summary>
    private static IEnumerable<(int Start, int End, string Name)> HostImportBlocks(string wat)
    {
        foreach (Match m in ImportStart().Matches(wat))
        {
            var name = m.Groups[1].Value;
            if (!HostCatalog.Provides(name)) continue;
            var depth = 0;
            var i = m.Index;
            for (; i < wat.Length; i++)
            {
                if (wat[i] == '(') depth++;
                else if (wat[i] == ')' && --depth == 0) break;
            }
            yield return (m.Index, i + 1, name);
        }
    }

    [GeneratedRegex("^  \\(import \"([^\"]+)\"", RegexOptions.Multiline)]
    private static partial Regex ImportStart();

    /// <summary>A plugin directory of links to every fixture, with <paramref name="service"/>'s WAT replaced.</summary>
    private string PluginsWith(string service, string wat)
    {
        var dir = Dir.File("plugins-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var fixture in Directory.GetDirectories(FixturePlugins).Select(Path.GetFileName))
        {
            var target = Path.Combine(dir, fixture!, "plugin.wat");
            if (fixture == service)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, wat);
            }
            else
            {
                Link(Path.Combine(FixturePlugins, fixture!, "plugin.wat"), target);
            }
        }
        return dir;
    }
}
