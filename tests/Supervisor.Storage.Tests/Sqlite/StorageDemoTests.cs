using System.Diagnostics;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sqlite;

/// <summary>The storage sample keeps to a store of its own, never the default domain's that the CLI session uses.</summary>
public sealed class StorageDemoTests
{
    [Fact, Rule("PDP-SQLITE-1")]
    public void TheSample_WritesToItsOwnDomain_NotTheDefault()
    {
        var dll = Path.Combine(RepositoryPaths.Root, "samples", "StorageDemo", "bin", "Release", "net10.0", "StorageDemo.dll");
        Assert.True(File.Exists(dll), $"the sample is not built: {dll} (dotnet build -c Release builds it with the solution)");
        using var data = new TempDirectory();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.Environment["XDG_DATA_HOME"] = data.Path;
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "the sample did not end");
        Assert.Equal(0, p.ExitCode);

        Assert.Contains(Path.Combine(data.Path, "supervisor", "storage-demo", "store.db"), output);
        Assert.False(Directory.Exists(Path.Combine(data.Path, "supervisor", "default")), "the sample wrote into the default domain");
    }
}
