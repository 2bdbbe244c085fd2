using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>
/// The JavaScript examples (examples/plugins, built by <c>npm run build:examples</c> into
/// artifacts/examples/plugins) through the real executable. The compile cache is shared across runs
/// (keyed by content), so only the first run pays for compiling the 12 MB components.
/// </summary>
public sealed class ExampleTests : IDisposable
{
    private static readonly string Plugins = Path.Combine(RepositoryPaths.Root, "artifacts", "examples", "plugins");
    private static readonly string SharedCache = Path.Combine(Path.GetTempPath(), "supervisor-cli-tests", "example-cache");
    private readonly TempDirectory _temp = new();

    /// <inheritdoc />
    public void Dispose() => _temp.Dispose();

    private string[] Options => ["--plugins", Plugins, "--store", _temp.File("store.db"), "--cache", SharedCache];

    private CliResult Call(params string[] args)
    {
        foreach (var service in new[] { "notes", "settings" })
            Assert.True(File.Exists(Path.Combine(Plugins, service, "plugin.wasm")),
                $"{Plugins}/{service}/plugin.wasm is missing: run `npm ci && npm run build:examples` (scripts/test.sh does)");
        return Cli.Process(null, ["call", .. args, .. Options]);
    }

    [Fact, Rule("PDP-CLI-1", "PDP-CLI-6")]
    public void Notes_AddListDone_PersistAcrossProcesses()
    {
        Assert.Equal(["1"], Call("notes:plugin/api.add", "\"buy milk\"").Lines);
        Assert.Equal(["2"], Call("notes:plugin/api.add", "\"call mum\"").Lines);
        Assert.Equal(["{\"ok\":null}"], Call("notes:plugin/api.done", "1").Lines);
        Assert.Equal(["[{\"id\":1,\"text\":\"buy milk\",\"done\":true},{\"id\":2,\"text\":\"call mum\",\"done\":false}]"],
            Call("notes:plugin/api.list-all").Lines);
        Assert.Equal(["{\"id\":2,\"text\":\"call mum\",\"done\":false}"], Call("notes:plugin/api.get", "2").Lines);
        Assert.Equal(["null"], Call("notes:plugin/api.get", "9").Lines);
        var missing = Call("notes:plugin/api.done", "9");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal(["{\"err\":\"no note 9\"}"], missing.Lines);
        Assert.Contains("error: notes:plugin/api.done returned an error: no note 9", missing.Err);
        Assert.Equal(["true"], Call("notes:plugin/api.remove", "1").Lines);
        Assert.Equal(["1"], Call("notes:plugin/api.clear").Lines);
    }

    [Fact, Rule("PDP-CLI-1", "PDP-CLI-2")]
    public void Settings_CounterThemeAndCaller()
    {
        Assert.Equal(["5"], Call("settings:plugin/api.increment", "\"visits\"", "5").Lines);
        Assert.Equal(["2"], Call("settings:plugin/api.increment", "\"visits\"", "-3").Lines);
        Assert.Equal(["\"system\""], Call("settings:plugin/api.get-theme").Lines);
        Assert.Equal("", Call("settings:plugin/api.set-theme", "\"dark\"").Out);
        Assert.Equal(["\"dark\""], Call("settings:plugin/api.get-theme").Lines);
        var bad = Call("settings:plugin/api.set-theme", "\"blue\"");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("argument 1 (theme: enum { light, dark, system })", bad.Err);
        Assert.Equal(["[\"myapp\",\"settings\",\"myapp\"]"], Call("settings:plugin/api.whoami", "--caller", "myapp").Lines);
        Assert.Equal(["[\"cli\",\"settings\",\"cli\"]"], Call("settings:plugin/api.whoami").Lines);
        Assert.Equal(["null"], Call("settings:plugin/api.get", "\"lang\"").Lines);
        Call("settings:plugin/api.set", "\"lang\"", "\"en\"");
        Assert.Equal(["\"en\""], Call("settings:plugin/api.get", "\"lang\"").Lines);
    }
}
