using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Calling;

/// <summary>
/// Turns taken inside a chain of calls end with the operation, however it ends (PDP-TURN-1, PDP-TURN-3): a WAT caller
/// whose nested call into wbeta traps leaves neither plugin's turn held.
/// </summary>
public sealed class NestedTurnTests : PluginTestBase
{
    /// <summary>wcaller with its import of wbeta's <c>set</c> pointed at <c>set-then-trap</c> (same type): the nested call writes, then traps.</summary>
    private string Plugins()
    {
        var dir = Dir.File("plugins");
        var caller = File.ReadAllText(Path.Combine(FixturePlugins, "wcaller", "plugin.wat"))
            .Replace("  (import \"wbeta:plugin/api\" (instance $beta\n    (export \"set\" (func", "  (import \"wbeta:plugin/api\" (instance $beta\n    (export \"set-then-trap\" (func")
            .Replace("(func $beta \"set\")", "(func $beta \"set-then-trap\")");
        Assert.Contains("set-then-trap", caller);
        Directory.CreateDirectory(Path.Combine(dir, "wcaller"));
        File.WriteAllText(Path.Combine(dir, "wcaller", "plugin.wat"), caller);
        Link(Path.Combine(FixturePlugins, "wbeta", "plugin.wat"), Path.Combine(dir, "wbeta", "plugin.wat"));
        return dir;
    }

    [Fact, Rule("PDP-TURN-1", "PDP-TURN-3")]
    public void ATrapInANestedCall_ReleasesTheTurnsOfEveryPluginOnTheChain()
    {
        // A short time limit: a turn left held would make the calls below wait it out and fail with Timeout.
        var s = NewSupervisor(o =>
        {
            o.PluginDirectory = Plugins();
            o.CallTimeout = TimeSpan.FromSeconds(3);
        });
        var e = Assert.Throws<PluginException>(() => s.Call("wcaller:plugin/api.set-via-beta", "k", B("v")));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("wbeta", e.Message);

        // Another operation takes both turns at once: neither was left held by the failed one.
        Assert.Equal(B("v"), s.Call("wbeta:plugin/api.get", "k"));
        s.Call("wcaller:plugin/api.set-own", "k", B("own"));
        using var op = s.BeginOperation();
        op.Call("wbeta:plugin/api.set", "k2", B("w"));
        op.Call("wcaller:plugin/api.set-own", "k2", B("w"));
        op.Complete();
        Assert.Equal(B("w"), ClientDataRecord(s, "wbeta", "k2"));
    }
}
