using System.Text.Json;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary><c>supervisor plugin inspect</c>.</summary>
public sealed class InspectTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    [Fact, Rule("PDP-CLI-9")]
    public void Inspect_ListsImportsWithVerdicts_AndExports()
    {
        var r = _box.Run("plugin", "inspect", Path.Combine(_box.Plugins, "walpha", "plugin.wat"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("plugin walpha:plugin (", r.Out);
        Assert.Contains("  clientdata:plugin/keyvalue  allowed (host)", r.Out);
        Assert.Contains("    get: func(key: string) -> option<list<u8>>", r.Out);
        Assert.Contains("  walpha:plugin/api", r.Out);
        Assert.Contains("    set-then-fail: func(key: string, value: list<u8>) -> result<_, string>", r.Out);
        Assert.Contains("verdict: allowed", r.Out);
    }

    [Fact, Rule("PDP-CLI-9")]
    public void Inspect_ShowsRefusedImports_AndExits1()
    {
        // A file outside any plugin directory.
        var file = _box.File("outside.wat");
        File.Copy(Path.Combine(_box.Plugins, "wevil", "plugin.wat"), file);
        var r = _box.Run("plugin", "inspect", file);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("evil:net/socket  REFUSED: no plugin \"evil:net\" in the plugin directory", r.Out);
        Assert.Contains("wasi:http/outgoing-handler@0.2.0  REFUSED: this WASI interface is not provided", r.Out);
        Assert.Contains("wasi:cli/environment@0.2.0  allowed (wasi)", r.Out);
        Assert.Contains("verdict: refused (2 imports not allowed)", r.Out);
        Assert.False(File.Exists(_box.Store), "inspect must not open the store");
    }

    [Fact, Rule("PDP-CLI-9")]
    public void Inspect_Json()
    {
        var r = _box.Run("plugin", "inspect", "--json", Path.Combine(_box.Plugins, "wevil", "plugin.wat"));
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal("wevil", root.GetProperty("service").GetString());
        Assert.False(root.GetProperty("allowed").GetBoolean());
        var imports = root.GetProperty("imports").EnumerateArray().ToList();
        Assert.Equal(3, imports.Count);
        var evil = imports.Single(i => i.GetProperty("name").GetString() == "evil:net/socket");
        Assert.False(evil.GetProperty("allowed").GetBoolean());
        Assert.Contains("no plugin", evil.GetProperty("refusal").GetString());
        Assert.Equal(["connect: func(host: string) -> u32"], evil.GetProperty("functions").EnumerateArray().Select(f => f.GetString()));
        var wasi = imports.Single(i => i.GetProperty("name").GetString() == "wasi:cli/environment@0.2.0");
        Assert.Equal("wasi", wasi.GetProperty("kind").GetString());
        var export = root.GetProperty("exports").EnumerateArray().First();
        Assert.Equal("wevil:plugin/api", export.GetProperty("interface").GetString());
        Assert.Equal("connect", export.GetProperty("function").GetString());
        Assert.Equal("func(host: string) -> u32", export.GetProperty("signature").GetString());
    }

    [Fact, Rule("PDP-CLI-9")]
    public void Inspect_MissingOrInvalidFile()
    {
        var missing = _box.Run("plugin", "inspect", _box.File("nope.wasm"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no file", missing.Err);
        var junk = _box.File("junk.wasm");
        File.WriteAllText(junk, "not wasm");
        var invalid = _box.Run("plugin", "inspect", junk);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("is not a WebAssembly binary", invalid.Err);
    }
}
