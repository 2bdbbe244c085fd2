using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>
/// The hostile components of the plugin tests, driven through the real executable: each attack is an error line
/// and exit code 1, never a crash (exit 134) or a .NET stack trace, and the session answers its next line.
/// </summary>
public sealed class HostileTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    private static string Hostile(string name) =>
        File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "Supervisor.Plugins.Tests", "Fixtures", "hostile", name + ".wat"));

    private void Deploy(string service, string wat)
    {
        Directory.CreateDirectory(Path.Combine(_box.Plugins, service));
        File.WriteAllText(Path.Combine(_box.Plugins, service, "plugin.wat"), wat);
    }

    private void DeployAttacks()
    {
        string Start(string service, string start, int pages = 1, string target = "clientdata:plugin/keyvalue") =>
            Hostile("wstart").Replace("TARGET", target).Replace("START", start).Replace("PAGES", pages.ToString()).Replace("SERVICE", service);
        Deploy("wsender", Start("wsender", "(call $t-set (i32.const 0) (i32.const 1) (i32.const 1) (i32.const 1))", target: "wbeta:plugin/api"));
        Deploy("wtrap", Start("wtrap", "unreachable"));
        Deploy("whuge", Start("whuge", "nop", pages: 60000));
        Deploy("wextra", Start("wextra", "nop").Replace(
            "(export \"set\" (func (param \"key\" string) (param \"value\" (list u8))))",
            "(export \"set\" (func (param \"key\" string) (param \"value\" (list (option u8)))))"));
        Deploy("wmany", Hostile("wmany").Replace("INSTANCES",
            string.Join("\n", Enumerable.Range(0, 12).Select(i => $"(core instance $i{i} (instantiate $m))"))));
    }

    private static readonly string[] Attacks =
        ["wsender:plugin/api.ping", "wtrap:plugin/api.ping", "whuge:plugin/api.ping", "wextra:plugin/api.ping", "wmany:plugin/api.ping"];

    private static void NoCrash(CliResult r)
    {
        Assert.True(r.ExitCode is 0 or 1 or 2, r.ToString());
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Unhandled exception", r.Err);
        Assert.DoesNotContain("Exception:", r.Err);
    }

    [Fact, Rule("PDP-SEC-4")]
    public void EachAttack_ThroughCall_IsAnErrorAndExitCode1()
    {
        DeployAttacks();
        foreach (var target in Attacks)
        {
            var r = Cli.Process(null, ["call", target, .. _box.Options]);
            NoCrash(r);
            Assert.Equal(1, r.ExitCode);
            Assert.StartsWith("error: ", r.Err);
        }
    }

    [Fact, Rule("PDP-SEC-4")]
    public void Shell_SurvivesEveryAttack_AndAnswersTheNextLine()
    {
        DeployAttacks();
        var input = string.Join("\n", Attacks.SelectMany(a => new[] { a, "walpha:plugin/api.ping" })) + "\n";

        var r = Cli.Process(input, ["shell", .. _box.Options]);

        NoCrash(r);
        Assert.Equal(["1", "2", "3", "4", "5"], r.Lines);
        Assert.Equal(Attacks.Length, r.Err.Split('\n').Count(l => l.Contains("error: ", StringComparison.Ordinal)));
        Assert.Contains("called wbeta:plugin/api.set while being instantiated", r.Err);
        Assert.Contains("cannot be instantiated", r.Err);
        Assert.Contains("types differ from the host's", r.Err);
    }

    [Fact, Rule("PDP-ARGS-1")]
    public void ALoneSurrogateInAnArgument_IsAUsageError_InCallAndShell()
    {
        var call = Cli.Process(null, ["call", "walpha:plugin/api.set", "\"\\ud800\"", "[1]", .. _box.Options]);
        NoCrash(call);
        Assert.Equal(2, call.ExitCode);
        Assert.Contains("argument 1 (key: string) of walpha:plugin/api.set", call.Err);
        Assert.Contains("lone UTF-16 surrogate", call.Err);

        var field = Cli.Process(null, ["call", "walpha:plugin/api.set", "{\"\\udc00\": 1}", "[1]", .. _box.Options]);
        NoCrash(field);
        Assert.Equal(2, field.ExitCode);

        var shell = Cli.Process("walpha:plugin/api.set \"\\ud800\" [1]\nwalpha:plugin/api.ping\n", ["shell", .. _box.Options]);
        NoCrash(shell);
        Assert.Equal(["1"], shell.Lines);
    }

    [Theory, Rule("PDP-SYNC-2", "PDP-SYNC-8")]
    [InlineData("\"\\ud800\"", "archive line 3: holds a lone UTF-16 surrogate")]
    [InlineData("\"a\"", "archive line 3: record \"a\" in local:non-trx:alpha:b is also on line 2")]
    public void AMalformedArchive_IsAnErrorNamingTheLine_NotACrash(string secondKey, string expected)
    {
        var archive = _box.File($"bad-{Guid.NewGuid():n}.jsonl");
        File.WriteAllText(archive, string.Join("\n",
            "{\"format\":\"supervisor-storage\",\"version\":1,\"chain\":null,\"service\":null}",
            "{\"chain\":\"local\",\"mode\":\"non-trx\",\"service\":\"alpha\",\"bucket\":\"b\",\"key\":\"a\",\"value\":\"AQ==\"}",
            $"{{\"chain\":\"local\",\"mode\":\"non-trx\",\"service\":\"alpha\",\"bucket\":\"b\",\"key\":{secondKey},\"value\":\"AQ==\"}}",
            "{\"end\":true,\"records\":2}") + "\n");

        var r = Cli.Process(null, ["storage", "import", archive, "--store", _box.Store]);

        NoCrash(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.Contains("nothing was imported", r.Err);
    }

    [Fact, Rule("PDP-SYNC-2")]
    public void AnEndlessLineOnStandardInput_IsRefusedWithItsLine_NotSpooledWhole()
    {
        var input = "{\"format\":\"supervisor-storage\",\"version\":1,\"chain\":null,\"service\":null}\n" + new string('x', 2_000_000);

        var r = Cli.InProcess(input, ["storage", "import", "-", "--store", _box.Store]);

        NoCrash(r);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("archive line 2: is longer than", r.Err);
    }

    [Fact, Rule("PDP-CLI-17")]
    public void TheCallLimits_AreOptionsWithUnits()
    {
        var spin = Cli.InProcess(null, ["call", "walpha:plugin/api.spin", "--timeout", "500ms", .. _box.Options]);
        Assert.Equal(1, spin.ExitCode);
        Assert.Contains("time limit of 0.5 s", spin.Err);

        var grow = Cli.InProcess(null, ["call", "walpha:plugin/api.grow", "1", "--memory-limit", "128KiB", .. _box.Options]);
        Assert.Equal(1, grow.ExitCode);
        Assert.Contains("trapped", grow.Err); // it grows until memory.grow fails at 2 pages, then traps
        var roomy = Cli.InProcess(null, ["call", "walpha:plugin/api.grow", "0", "--memory-limit", "1MiB", .. _box.Options]);
        Assert.Equal(0, roomy.ExitCode);

        var badUnit = Cli.InProcess(null, ["call", "walpha:plugin/api.ping", "--timeout", "10x", .. _box.Options]);
        Assert.Equal(2, badUnit.ExitCode);
        Assert.Contains("--timeout", badUnit.Err);
        Assert.Contains("unknown unit \"x\"", badUnit.Err);

        var badDepth = Cli.InProcess(null, ["call", "walpha:plugin/api.ping", "--max-call-depth", "0", .. _box.Options]);
        Assert.Equal(2, badDepth.ExitCode);
        Assert.Contains("--max-call-depth", badDepth.Err);
    }

    [Fact, Rule("PDP-TURN-5")]
    public void ConcurrentPlugin_IsAnOption_CheckedAsAServiceName()
    {
        var ok = Cli.InProcess(null, ["call", "walpha:plugin/api.ping", "--concurrent-plugin", "walpha", "--concurrent-plugin", "wbeta", .. _box.Options]);
        Assert.Equal(0, ok.ExitCode);

        var bad = Cli.InProcess(null, ["call", "walpha:plugin/api.ping", "--concurrent-plugin", "Bad Name", .. _box.Options]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--concurrent-plugin", bad.Err);
        Assert.Contains("Bad Name", bad.Err);
    }
}
