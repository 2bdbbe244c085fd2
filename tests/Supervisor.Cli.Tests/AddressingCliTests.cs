using System.Text.Json;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>Call addressing from the command line: one component deployed under two services (PDP-CALL-4).</summary>
public sealed class AddressingCliTests : IDisposable
{
    private readonly CliSandbox _box = new();

    public AddressingCliTests()
    {
        // wbeta's fixture built as package probe:plugin, deployed as services alpha and beta.
        var probe = File.ReadAllText(Path.Combine(_box.Plugins, "wbeta", "plugin.wat")).Replace("\"wbeta:plugin/api\"", "\"probe:plugin/api\"");
        foreach (var service in new[] { "alpha", "beta" })
        {
            Directory.CreateDirectory(Path.Combine(_box.Plugins, service));
            File.WriteAllText(Path.Combine(_box.Plugins, service, "plugin.wat"), probe);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    [Fact, Rule("PDP-CALL-4")]
    public void Call_ByServiceName_FindsTheInterfaceWhateverItsPackage()
    {
        Assert.Equal(0, _box.Run("call", "alpha:plugin/api.set", "\"k\"", "\"YQ==\"", "--bytes-as", "base64").ExitCode);
        Assert.Equal(0, _box.Run("call", "beta/api.set", "\"k\"", "\"Yg==\"", "--bytes-as", "base64").ExitCode);
        Assert.Equal(["\"YQ==\""], _box.Run("call", "alpha:plugin/api.get", "\"k\"", "--bytes-as", "base64").Lines);
        Assert.Equal(["\"Yg==\""], _box.Run("call", "beta:plugin/probe:plugin/api.get", "\"k\"", "--bytes-as", "base64").Lines);
        var wrong = _box.Run("call", "probe:plugin/api.get", "\"k\"");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("no plugin \"probe:plugin\"", wrong.Err);
    }

    [Fact, Rule("PDP-CALL-4", "PDP-CLI-9")]
    public void Inspect_ShowsHowEachExportIsCalled()
    {
        var text = _box.Run("plugin", "inspect", Path.Combine(_box.Plugins, "alpha", "plugin.wat"));
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("  probe:plugin/api  (called as alpha:plugin/api.<function>)", text.Out);
        var json = _box.Run("plugin", "inspect", "--json", Path.Combine(_box.Plugins, "beta", "plugin.wat"));
        using var doc = JsonDocument.Parse(json.Out);
        var set = doc.RootElement.GetProperty("exports").EnumerateArray().Single(e => e.GetProperty("function").GetString() == "set");
        Assert.Equal("probe:plugin/api", set.GetProperty("interface").GetString());
        Assert.Equal("beta:plugin/api.set", set.GetProperty("address").GetString());
    }
}
