using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Supervisor.Testing;

namespace Supervisor.Samples.Tests;

/// <summary>
/// The web sample in-process over a real SQLite file in a temporary folder and a plugin directory holding the WAT
/// fixture <c>walpha</c> and the JavaScript test plugin <c>jsdb</c> (built into artifacts/plugins).
/// </summary>
public sealed class WebDemoFactory : WebApplicationFactory<Program>
{
    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string?> _settings;

    /// <summary>A sample with the test defaults (a class fixture).</summary>
    public WebDemoFactory() : this([])
    {
    }

    /// <summary>A sample whose configuration is the test defaults overridden by <paramref name="settings"/>.</summary>
    internal WebDemoFactory(params (string Key, string? Value)[] settings)
    {
        var plugins = Path.Combine(_dir.Path, "plugins");
        Directory.CreateDirectory(Path.Combine(plugins, "walpha"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "plugins", "walpha", "plugin.wat"), Path.Combine(plugins, "walpha", "plugin.wat"));
        var jsdb = Path.Combine(RepositoryPaths.Root, "artifacts", "plugins", "jsdb");
        if (!File.Exists(Path.Combine(jsdb, "plugin.wasm")))
            Assert.Fail($"the JavaScript test plugin {jsdb}/plugin.wasm is missing: run `npm ci && npm run build:plugins` in {RepositoryPaths.Root} before these tests");
        Directory.CreateSymbolicLink(Path.Combine(plugins, "jsdb"), jsdb);
        StorePath = _dir.File("store.db");
        _settings = new Dictionary<string, string?>
        {
            ["Supervisor:PluginDirectory"] = plugins,
            ["Supervisor:CacheDirectory"] = Environment.GetEnvironmentVariable("SUPERVISOR_TEST_CACHE") is { Length: > 0 } c ? c : Path.Combine(Path.GetTempPath(), "supervisor-test-cache"),
            ["Supervisor:ChainId"] = "web",
            ["Supervisor:CallTimeout"] = "5s", // room for the JavaScript plugin's instances on a loaded machine
            ["Supervisor:WarmUp"] = "false",
            ["Supervisor:Storage:Location"] = StorePath,
            ["Telemetry:Console"] = "false",
        };
        foreach (var (key, value) in settings) _settings[key] = value;
    }

    /// <summary>What the app logged.</summary>
    public ListLoggerProvider Log { get; } = new();

    /// <summary>The sample's SQLite file.</summary>
    public string StorePath { get; }

    // Settings, not an added configuration source: Program reads Telemetry:Console before the host is built.
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(l => l.AddProvider(Log));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _dir.Dispose();
    }
}
