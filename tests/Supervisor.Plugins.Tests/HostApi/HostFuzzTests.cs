using System.Text.RegularExpressions;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// The host-function fuzzer, briefly (scripts/fuzz-host.sh runs a million calls): wfuzz calls every host function with
/// random core arguments; every failure is a <see cref="PluginException"/>, the host survives, and memory stays flat.
/// </summary>
public sealed partial class HostFuzzTests : PluginTestBase
{
    [Fact, Rule("PDP-SEC-4", "PDP-IMPORT-3")]
    public void TenThousandRandomHostCalls_FailOnlyAsPluginExceptions_AndTheHostSurvives()
    {
        var plugin = Path.Combine(RepositoryPaths.Root, "artifacts", "fuzz", "wfuzz", "plugin.wasm");
        if (!File.Exists(plugin))
            Assert.Fail($"the fuzz plugin {plugin} is missing: run `npm ci && npm run build:fuzz` in {RepositoryPaths.Root} first");

        var line = RunPluginWorker(Path.GetDirectoryName(Path.GetDirectoryName(plugin))!, "--fuzz", "10000", "12");

        var m = Summary().Match(line);
        Assert.True(m.Success, line);
        Assert.Equal("0", m.Groups["escaped"].Value);
        // Some calls pass every check and reach the storage engine; most are refused on the way (bad UTF-8, handles...).
        Assert.InRange(long.Parse(m.Groups["ok"].Value), 10, 10_000);
        var managedGrowth = long.Parse(m.Groups["after"].Value) - long.Parse(m.Groups["before"].Value);
        Assert.True(managedGrowth < 64 * 1024, $"managed memory grew by {managedGrowth} KiB over the calls: {line}");
    }

    [GeneratedRegex(@"^fuzz calls=10000 .*\bok=(?<ok>\d+) .*escaped=(?<escaped>\d+) managed-kib=(?<before>\d+)->(?<after>\d+) ")]
    private static partial Regex Summary();
}
