using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>Calls written in WAVE on the command line, in scripts and the shell (PDP-CLI-24).</summary>
public sealed class WaveCliTests : IDisposable
{
    private static readonly string Examples = Path.Combine(RepositoryPaths.Root, "artifacts", "examples", "plugins");
    private static readonly string SharedCache = Path.Combine(Path.GetTempPath(), "supervisor-cli-tests", "example-cache");
    private readonly CliSandbox _box = new();
    private readonly TempDirectory _temp = new();

    /// <inheritdoc />
    public void Dispose()
    {
        _box.Dispose();
        _temp.Dispose();
    }

    private string[] NotesOptions
    {
        get
        {
            Assert.True(File.Exists(Path.Combine(Examples, "notes", "plugin.wasm")),
                $"{Examples}/notes/plugin.wasm is missing: run `npm ci && npm run build:examples` (scripts/test.sh does)");
            return ["--plugins", Examples, "--store", _temp.File("store.db"), "--cache", SharedCache];
        }
    }

    [Fact, Rule("PDP-CLI-24", "PDP-ARGS-3")]
    public void Call_InWave_TakesItsArguments_AndPrintsItsResultInWave()
    {
        Assert.Equal(["1"], Cli.InProcess(null, ["call", "notes:plugin/api.add(\"hello, world\")", .. NotesOptions]).Lines);
        Assert.Equal(["2"], Cli.InProcess(null, ["call", "notes:plugin/api.add( \"second\" )", .. NotesOptions]).Lines);
        Assert.Equal(["ok"], Cli.InProcess(null, ["call", "notes:plugin/api.done(2)", .. NotesOptions]).Lines);
        Assert.Equal(["[{id: 1, text: \"hello, world\", done: false}, {id: 2, text: \"second\", done: true}]"],
            Cli.InProcess(null, ["call", "notes:plugin/api.list-all()", .. NotesOptions]).Lines);
        // The JSON face, beside it, is unchanged.
        Assert.Equal(["{\"id\":1,\"text\":\"hello, world\",\"done\":false}"], Cli.InProcess(null, ["call", "notes:plugin/api.get", "1", .. NotesOptions]).Lines);
    }

    [Fact, Rule("PDP-CLI-24")]
    public void Call_InWave_AnErrResult_PrintsItInWave_AndExits1()
    {
        var r = Cli.InProcess(null, ["call", "notes:plugin/api.done(7)", .. NotesOptions]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(["err(\"no note 7\")"], r.Lines);
        Assert.Contains("error: notes:plugin/api.done returned an error: no note 7", r.Err);
    }

    [Theory, Rule("PDP-CLI-24")]
    [InlineData("walpha:plugin/api.set(\"k\", [1, 300])", "argument 2 (value: list<u8>)")]
    [InlineData("walpha:plugin/api.set(\"k\" [1])", "',' between arguments or the end of the call at column 5")]
    [InlineData("walpha:plugin/api.get(\"k\"", "(arguments in WAVE)")]
    public void Call_InWave_ThatDoesNotFit_Exits2_NamingWhere(string call, string expected)
    {
        var r = _box.Run("call", call);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(expected, r.Err);
    }

    [Fact, Rule("PDP-CLI-24")]
    public void Call_InWave_WithMoreWords_IsRefused()
    {
        var r = _box.Run("call", "walpha:plugin/api.get(\"k\")", "\"extra\"");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("carries its arguments in its parentheses", r.Err);
    }

    [Fact, Rule("PDP-CLI-24", "PDP-CLI-7")]
    public void RunScript_MixesWaveAndJsonLines()
    {
        var script = "walpha:plugin/api.set(\"k\", [104, 105])\n" +
                     "walpha:plugin/api.get \"k\"\n" +
                     "call 'walpha:plugin/api.get(\"k\")'\n" +
                     "walpha:plugin/api.get(\"absent key\")\n";
        var r = _box.RunWithInput(script, "run", "-", "--bytes-as", "array");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["[104,105]", "some([104, 105])", "none"], r.Lines);
    }
}
