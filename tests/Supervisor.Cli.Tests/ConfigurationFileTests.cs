using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>supervisor.json and SUPERVISOR__* variables under the command line (PDP-CLI-25).</summary>
public sealed class ConfigurationFileTests : IDisposable
{
    private readonly CliSandbox _box = new();
    private readonly string _work;

    public ConfigurationFileTests()
    {
        _work = _box.File("work");
        Directory.CreateDirectory(_work);
        // wcaller reports the caller (host:client's active app), which shows where the caller setting came from.
        Directory.CreateDirectory(Path.Combine(_box.Plugins, "wcaller"));
        File.Copy(Path.Combine(RepositoryPaths.Root, "tests", "Supervisor.Plugins.Tests", "Fixtures", "plugins", "wcaller", "plugin.wat"),
            Path.Combine(_box.Plugins, "wcaller", "plugin.wat"));
    }

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    private void WriteConfig(string store, UnixFileMode? mode = null)
    {
        var file = Path.Combine(_work, "supervisor.json");
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["Supervisor"] = new System.Text.Json.Nodes.JsonObject
            {
                ["PluginDirectory"] = _box.Plugins,
                ["CacheDirectory"] = _box.Cache,
                ["DefaultCaller"] = "fromfile",
                ["Storage"] = new System.Text.Json.Nodes.JsonObject { ["Location"] = store },
            },
        };
        File.WriteAllText(file, json.ToJsonString());
        if (mode is { } m && !OperatingSystem.IsWindows()) File.SetUnixFileMode(file, m);
    }

    [Fact, Rule("PDP-CLI-25")]
    public void TheFileFillsWhatTheCommandLineLeavesOut_AndTheCommandLineWins()
    {
        var fileStore = _box.File("from-file.db");
        WriteConfig(fileStore);
        var r = Cli.ProcessIn(_work, null, "call", "wcaller:plugin/api.whoami-via-client", "--verbose");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("fromfile", r.Out);
        Assert.Contains($"configuration: {Path.Combine(_work, "supervisor.json")}", r.Err);
        Assert.True(File.Exists(fileStore), "the store named by the file was not used");

        var flag = Cli.ProcessIn(_work, null, "call", "wcaller:plugin/api.whoami-via-client", "--caller", "fromflag");
        Assert.Contains("fromflag", flag.Out);
    }

    [Fact, Rule("PDP-CLI-25")]
    public void AnEnvironmentVariable_WinsOverTheFile()
    {
        WriteConfig(_box.File("from-file.db"));
        var envStore = _box.File("from-env.db");
        var r = Cli.ProcessIn(_work, new Dictionary<string, string> { ["SUPERVISOR__STORAGE__LOCATION"] = envStore, ["SUPERVISOR__DEFAULTCALLER"] = "fromenv" },
            "call", "wcaller:plugin/api.whoami-via-client");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("fromenv", r.Out);
        Assert.True(File.Exists(envStore));
        Assert.False(File.Exists(_box.File("from-file.db")));
    }

    [Fact, Rule("PDP-CLI-25")]
    public void AFileOthersMayWrite_IsIgnoredWithAWarning()
    {
        WriteConfig(_box.File("from-file.db"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        var r = Cli.ProcessIn(_work, null, "call", "wcaller:plugin/api.whoami-via-client", "--plugins", _box.Plugins, "--store", _box.Store, "--cache", _box.Cache);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("can be written by other users", r.Err);
        Assert.Contains("its settings are ignored", r.Err);
        Assert.DoesNotContain("fromfile", r.Out);
    }

    [Fact, Rule("PDP-CLI-25")]
    public void ABadValue_NamesWhereItCameFrom()
    {
        var r = Cli.ProcessIn(_work, new Dictionary<string, string> { ["SUPERVISOR__MAXCALLDEPTH"] = "deep" },
            "call", "walpha:plugin/api.get", "\"k\"", "--plugins", _box.Plugins, "--store", _box.Store, "--cache", _box.Cache);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("SUPERVISOR__MAXCALLDEPTH", r.Err);
    }
}
