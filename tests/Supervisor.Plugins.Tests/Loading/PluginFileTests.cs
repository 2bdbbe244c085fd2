using System.Diagnostics;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Loading;

/// <summary>Plugin files that are not plain files: refused before they are read, never blocking, never echoed.</summary>
public sealed class PluginFileTests : PluginTestBase
{
    private const string Secret = "SUPERVISOR_PLUGIN_FILE_SECRET";
    private const string SecretValue = "do-not-echo-7f3a";

    private string PluginsWith(string service, Action<string> make)
    {
        var dir = Dir.File("plugins-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(dir, service));
        Link(Path.Combine(FixturePlugins, "walpha", "plugin.wat"), Path.Combine(dir, "walpha", "plugin.wat"));
        make(Path.Combine(dir, service));
        return dir;
    }

    /// <summary>Calls the plugin on another thread (so a load that blocks cannot hang the test run) and returns the failure.</summary>
    private PluginException Refused(PluginSupervisor s, string service)
    {
        var e = WithinHangGuard(() => Assert.Throws<PluginException>(() => s.Call($"{service}:plugin/api.ping")), "loading the plugin blocked");
        for (Exception? x = e; x is not null; x = x.InnerException) Assert.DoesNotContain(SecretValue, x.Message);
        Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));
        return e;
    }

    [Fact, Rule("PDP-PLUGIN-5")]
    public void AFifo_IsRefusedWithoutBlocking()
    {
        var plugins = PluginsWith("wfifo", dir =>
        {
            using var mkfifo = Process.Start("mkfifo", Path.Combine(dir, "plugin.wasm"))!;
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        });
        var s = NewSupervisor(o => o.PluginDirectory = plugins);

        var e = Refused(s, "wfifo");

        Assert.Equal(PluginErrorCode.InvalidComponent, e.Code);
        Assert.Contains("not a regular file", e.Message);
    }

    [Theory, Rule("PDP-PLUGIN-5")]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    [InlineData("/proc/self/environ")]
    public void ALinkToADeviceOrAProcFile_IsRefusedAndNothingOfItIsEchoed(string target)
    {
        Environment.SetEnvironmentVariable(Secret, SecretValue);
        var plugins = PluginsWith("wlink", dir => File.CreateSymbolicLink(Path.Combine(dir, "plugin.wasm"), target));
        var s = NewSupervisor(o => o.PluginDirectory = plugins);

        var e = Refused(s, "wlink");

        Assert.Equal(PluginErrorCode.InvalidComponent, e.Code);
        Assert.Contains("not a regular file", e.Message);
    }

    [Fact, Rule("PDP-PLUGIN-5")]
    public void AFileOverTheLimit_IsRefusedNamingItsSizeAndTheOption_WithoutReadingIt()
    {
        var plugins = PluginsWith("wsparse", dir =>
        {
            using var f = File.Create(Path.Combine(dir, "plugin.wasm"));
            f.SetLength(2_000_000_000); // sparse: no disk used, and reading it would take 2 GB
        });
        var s = NewSupervisor(o => o.PluginDirectory = plugins);

        var e = Refused(s, "wsparse");

        Assert.Equal(PluginErrorCode.InvalidComponent, e.Code);
        Assert.Contains("is 2000000000 bytes; the limit is 67108864 bytes (SupervisorOptions.MaxPluginFileBytes)", e.Message);
    }

    [Fact, Rule("PDP-PLUGIN-5")]
    public void TheLimitIsAnOption()
    {
        var s = NewSupervisor(o =>
        {
            o.MaxPluginFileBytes = 4096;
            o.CacheDirectory = null; // a cached plugin is not read at all
        });

        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.ping"));

        Assert.Contains("the limit is 4096 bytes (SupervisorOptions.MaxPluginFileBytes)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SupervisorOptions { MaxPluginFileBytes = 0 });
    }

    [Theory, Rule("PDP-PLUGIN-5")]
    [InlineData("plugin.wat")]
    [InlineData("plugin.wasm")]
    public void AFileThatIsNotAComponent_IsRefusedWithoutQuotingIt(string name)
    {
        var plugins = PluginsWith("wtext", dir => File.WriteAllText(Path.Combine(dir, name), $"{SecretValue} (component nonsense\n{SecretValue}\n"));
        var s = NewSupervisor(o => o.PluginDirectory = plugins);

        var e = Refused(s, "wtext");

        Assert.Equal(PluginErrorCode.InvalidComponent, e.Code);
        Assert.Contains(name.EndsWith(".wat", StringComparison.Ordinal) ? "is not valid WAT" : "does not start with \\0asm", e.Message);
    }
}
