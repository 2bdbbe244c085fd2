using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary><c>run</c> scripts, the <c>shell</c>, persistence between processes, isolation between services.</summary>
public sealed class SessionTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    private string Script(string text)
    {
        var path = _box.File($"script-{Guid.NewGuid():n}.txt");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact, Rule("PDP-CLI-7")]
    public void Run_PrintsEachResult_SkipsCommentsAndBlankLines()
    {
        var script = Script("""
            # a comment
            walpha:plugin/api.set "k" [104, 105]

              # an indented comment
            walpha:plugin/api.get "k"
            call walpha:plugin/api.get '"k"'
            wecho:plugin/api.echo-record {"id": 1, "name": "a b", "tags": ["x y"], "ok": false}
            wecho:plugin/api.pair 2 "two words"
            """);
        var r = _box.Run("run", script);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["\"aGk=\"", "\"aGk=\"", "{\"id\":1,\"name\":\"a b\",\"tags\":[\"x y\"],\"ok\":false}", "[2,\"two words\"]"], r.Lines);
        Assert.Equal("", r.Err);
    }

    [Fact, Rule("PDP-CLI-7")]
    public void Run_StopsAtFirstFailure_UnlessKeepGoing()
    {
        var script = Script("""
            wecho:plugin/api.echo-u32 1
            wecho:plugin/api.fail "first"
            wecho:plugin/api.echo-u32 2
            wecho:plugin/api.echo-u8 300
            wecho:plugin/api.echo-u32 3
            """);
        var stop = _box.Run("run", script);
        Assert.Equal(1, stop.ExitCode);
        Assert.Equal(["1", "{\"err\":\"first\"}"], stop.Lines);
        Assert.Contains("line 2: error: wecho:plugin/api.fail returned an error: first", stop.Err);

        var all = _box.Run("run", script, "--keep-going");
        Assert.Equal(1, all.ExitCode); // the first failure's code
        Assert.Equal(["1", "{\"err\":\"first\"}", "2", "3"], all.Lines);
        Assert.Contains("line 4: error: argument 1 (x: u8)", all.Err);

        var usageFirst = _box.Run("run", Script("wecho:plugin/api.echo-u8 300\nwecho:plugin/api.fail \"x\"\n"), "--keep-going");
        Assert.Equal(2, usageFirst.ExitCode);
    }

    [Fact, Rule("PDP-CLI-7")]
    public void Run_BadLines_AndMissingScript_Exit2()
    {
        var r = _box.Run("run", Script("wecho:plugin/api.echo-string \"unterminated\n"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("line 1: error: argument 1 has an unterminated string", r.Err);
        var missing = _box.Run("run", _box.File("no-such-script"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("cannot read script", missing.Err);
    }

    [Fact, Rule("PDP-CLI-7")]
    public void Run_DashReadsStdin()
    {
        var r = _box.RunWithInput("wecho:plugin/api.echo-s32 -5\n", "run", "-");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(["-5"], r.Lines);
    }

    [Fact, Rule("PDP-CLI-6", "PDP-CLI-8")]
    public void Shell_ThroughStdin_OfTheRealExecutable_KeepsOneSession()
    {
        // walpha's ping counter lives in the instance's memory: one session keeps one instance, so it counts up.
        var r = Cli.Process("""
            walpha:plugin/api.ping
            # comment
            walpha:plugin/api.ping
            wecho:plugin/api.fail "oops"
            walpha:plugin/api.ping
            exit
            walpha:plugin/api.ping
            """, ["shell", .. _box.Options]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(["1", "2", "{\"err\":\"oops\"}", "3"], r.Lines);
        Assert.Contains("error: wecho:plugin/api.fail returned an error: oops", r.Err);
        Assert.DoesNotContain("supervisor>", r.Out); // no prompt on a pipe

        var fresh = Cli.Process(null, ["call", "walpha:plugin/api.ping", .. _box.Options]);
        Assert.Equal(["1"], fresh.Lines); // a new process is a new session
    }

    [Fact, Rule("PDP-CLI-6")]
    public void Values_PersistFromOneProcessToTheNext_AndServicesAreIsolated()
    {
        var set = Cli.Process(null, ["call", "walpha:plugin/api.set", "\"k\"", "\"AQID\"", .. _box.Options]);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal("", set.Out);
        var get = Cli.Process(null, ["call", "walpha:plugin/api.get", "\"k\"", "--bytes-as", "array", .. _box.Options]);
        Assert.Equal(["[1,2,3]"], get.Lines);
        var beta = Cli.Process(null, ["call", "wbeta:plugin/api.get", "\"k\"", .. _box.Options]);
        Assert.Equal(["null"], beta.Lines);
        var otherChain = Cli.Process(null, ["call", "walpha:plugin/api.get", "\"k\"", "--chain", "other", .. _box.Options]);
        Assert.Equal(["null"], otherChain.Lines);
        // A failed call's non-transactional write was already persisted.
        Cli.Process(null, ["call", "walpha:plugin/api.set-then-fail", "\"f\"", "[9]", .. _box.Options]);
        Assert.Equal(["\"CQ==\""], Cli.Process(null, ["call", "walpha:plugin/api.get", "\"f\"", .. _box.Options]).Lines);
    }
}
