using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>Exit codes with their messages, status lines, help.</summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    [Fact, Rule("PDP-CLI-3")]
    public void PluginFailures_Exit1()
    {
        var err = _box.Run("call", "walpha:plugin/api.set-then-fail", "\"k\"", "[1]");
        Assert.Equal(1, err.ExitCode);
        Assert.Equal(["{\"err\":\"failed on purpose\"}"], err.Lines);
        Assert.Contains("error: walpha:plugin/api.set-then-fail returned an error: failed on purpose", err.Err);

        var trap = _box.Run("call", "walpha:plugin/api.set-then-trap", "\"k\"", "[1]");
        Assert.Equal(1, trap.ExitCode);
        Assert.Equal("", trap.Out);
        Assert.Contains("error: plugin \"walpha\" trapped in walpha:plugin/api.set-then-trap", trap.Err);
        Assert.Contains("unreachable", trap.Err);

        var refused = _box.Run("call", "wevil:plugin/api.connect", "\"h\"");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("evil:net/socket", refused.Err);
    }

    [Theory, Rule("PDP-CLI-3")]
    [InlineData("not-a-target", "call target \"not-a-target\" is not of the form service:plugin/interface.function")]
    [InlineData("nobody:plugin/api.get", "no plugin \"nobody:plugin\"")]
    [InlineData("walpha:plugin/api.nope", "exports no function walpha:plugin/api.nope; it exports: walpha:plugin/api.set")]
    [InlineData("Bad:plugin/api.get", "service \"Bad\" is not a valid psibase account name")]
    public void BadTargets_Exit2(string target, string message)
    {
        var r = _box.Run("call", target);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(message, r.Err);
    }

    [Fact, Rule("PDP-CLI-3")]
    public void BadUsage_Exits2()
    {
        var none = Cli.InProcess(null, []);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("Required command was not provided", none.Err);
        var unknown = _box.Run("frobnicate");
        Assert.Equal(2, unknown.ExitCode);
        var option = _box.Run("call", "walpha:plugin/api.ping", "--no-such-option");
        Assert.Equal(2, option.ExitCode);
        var chain = _box.Run("call", "walpha:plugin/api.ping", "--chain", "bad chain");
        Assert.Equal(2, chain.ExitCode);
        Assert.Contains("error: --chain: chain id \"bad chain\" is invalid", chain.Err);
        var caller = _box.Run("call", "walpha:plugin/api.ping", "--caller", "Not-An-Account");
        Assert.Equal(2, caller.ExitCode);
        Assert.Contains("--caller:", caller.Err);
        var bytes = _box.Run("call", "walpha:plugin/api.ping", "--bytes-as", "hex");
        Assert.Equal(2, bytes.ExitCode);
    }

    [Fact, Rule("PDP-CLI-3", "PDP-CLI-5")]
    public void StoreUri_UnknownSchemeOrUnreachableServer_Exits2()
    {
        var unknown = Cli.InProcess(null, ["call", "walpha:plugin/api.ping", "--plugins", _box.Plugins, "--cache", _box.Cache, "--store", "nosuch://localhost/0"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("error: --store: no backend handles \"nosuch://\" store locations; registered:", unknown.Err);
        Assert.Contains("redis://", unknown.Err);
        Assert.Equal("", unknown.Out);
        // Nothing listens on port 1: the Redis backend is there, the server is not.
        var unreachable = Cli.InProcess(null, ["call", "walpha:plugin/api.ping", "--plugins", _box.Plugins, "--cache", _box.Cache, "--store", "redis://127.0.0.1:1/0?timeout=500"]);
        Assert.Equal(2, unreachable.ExitCode);
        Assert.Contains("error:", unreachable.Err);
        Assert.Equal("", unreachable.Out);
    }

    [Fact, Rule("PDP-CLI-5")]
    public void Domain_SelectsTheDefaultStoreFile()
    {
        // No --store: the domain's file under local app data (pointed at the sandbox through XDG_DATA_HOME in a child process).
        var data = _box.File("data");
        var env = new Dictionary<string, string> { ["XDG_DATA_HOME"] = data };
        var set = Cli.Process(null, env, "call", "walpha:plugin/api.set", "\"k\"", "[7]", "--plugins", _box.Plugins, "--cache", _box.Cache, "--domain", "d1");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.True(File.Exists(Path.Combine(data, "supervisor", "d1", "store.db")));
        var same = Cli.Process(null, env, "call", "walpha:plugin/api.get", "\"k\"", "--plugins", _box.Plugins, "--cache", _box.Cache, "--domain", "d1");
        Assert.Equal(["\"Bw==\""], same.Lines);
        var other = Cli.Process(null, env, "call", "walpha:plugin/api.get", "\"k\"", "--plugins", _box.Plugins, "--cache", _box.Cache, "--domain", "d2");
        Assert.Equal(["null"], other.Lines);
    }

    [Fact, Rule("PDP-CLI-10")]
    public void StatusLine_OnlyOnATerminal()
    {
        string[] args = ["call", "wecho:plugin/api.nothing", "--plugins", _box.Plugins, "--store", _box.Store, "--cache", _box.File("fresh-cache")];
        var terminal = Cli.InProcess(null, args, errorIsTerminal: true, statusDelay: TimeSpan.Zero);
        Assert.Equal(0, terminal.ExitCode);
        Assert.StartsWith("compiling plugin wecho:plugin", terminal.Err);
        Assert.EndsWith("\r\u001b[K", terminal.Err);
        var pipe = Cli.InProcess(null, ["call", "wecho:plugin/api.nothing", "--plugins", _box.Plugins, "--store", _box.Store, "--cache", _box.File("fresh-cache-2")]);
        Assert.Equal(0, pipe.ExitCode);
        Assert.Equal("", pipe.Err);
    }

    [Fact, Rule("PDP-CLI-1")]
    public void Help_DescribesEveryCommandAndOption()
    {
        var root = Cli.InProcess(null, ["--help"]);
        Assert.Equal(0, root.ExitCode);
        foreach (var word in new[] { "call", "run", "shell", "plugin", "--plugins", "--store", "--domain", "--chain", "--caller", "--cache", "--bytes-as", "Exit codes" })
            Assert.Contains(word, root.Out);
        foreach (var (command, word) in new[] { ("call", "<target>"), ("run", "--keep-going"), ("shell", "exit"), ("plugin", "inspect") })
        {
            var help = Cli.InProcess(null, [command, "--help"]);
            Assert.Equal(0, help.ExitCode);
            Assert.Contains(word, help.Out);
        }
        var inspect = Cli.InProcess(null, ["plugin", "inspect", "--help"]);
        Assert.Contains("--json", inspect.Out);
    }
}
