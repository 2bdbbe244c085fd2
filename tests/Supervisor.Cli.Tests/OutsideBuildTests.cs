using System.Diagnostics;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>
/// A JavaScript plugin built outside the repository, in a folder whose path starts with the repository's path as a
/// string (<c>/x/repo-apps-...</c> beside <c>/x/repo</c>, where componentize-js's string-prefix check once failed),
/// with the WIT <c>supervisor wit</c> writes, then called.
/// </summary>
public sealed class OutsideBuildTests
{
    [Fact, Rule("PDP-CLI-18")]
    public void APluginBuiltBesideTheRepository_WithTheHostsWit_IsCalled()
    {
        var root = RepositoryPaths.Root.TrimEnd(Path.DirectorySeparatorChar);
        var apps = $"{root}-apps-{Guid.NewGuid():n}";
        try
        {
            Directory.CreateDirectory(apps);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            apps = Path.Combine(Path.GetTempPath(), $"supervisor-apps-{Guid.NewGuid():n}"); // the repository's parent is not writable
        }
        try
        {
            var plugin = Path.Combine(apps, "src", "greeter", "plugin");
            var wit = Path.Combine(plugin, "wit");
            Directory.CreateDirectory(wit);
            File.WriteAllText(Path.Combine(wit, "world.wit"), """
                package greeter:plugin;

                interface api {
                    greet: func(name: string) -> string;
                }

                world plugin {
                    import clientdata:plugin/keyvalue;
                    export api;
                }
                """);
            File.WriteAllText(Path.Combine(plugin, "index.js"), """
                import { get, set } from 'clientdata:plugin/keyvalue';
                export const api = {
                  greet(name) {
                    const seen = get('count');
                    const n = seen === undefined ? 1 : Number(new TextDecoder().decode(seen)) + 1;
                    set('count', new TextEncoder().encode(String(n)));
                    return `hello ${name} (${n})`;
                  },
                };
                """);
            // The host's WIT, as a plugin author gets it.
            Assert.Equal(0, Cli.InProcess(null, ["wit", "clientdata:plugin", "--out", Path.Combine(wit, "deps")]).ExitCode);

            Build(apps);

            using var store = new TempDirectory();
            string[] options = ["--plugins", Path.Combine(apps, "out"), "--store", store.File("store.db"), "--cache", store.File("cache")];
            Assert.Equal(["\"hello ada (1)\""], Cli.InProcess(null, ["call", "greeter:plugin/api.greet", "\"ada\"", .. options]).Lines);
            Assert.Equal(["\"hello bo (2)\""], Cli.InProcess(null, ["call", "greeter:plugin/api.greet", "\"bo\"", .. options]).Lines);
        }
        finally
        {
            try { Directory.Delete(apps, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Runs the repository's build script on the plugins under <c>apps/src</c>, from <c>apps</c>, into <c>apps/out</c>.</summary>
    private static void Build(string apps)
    {
        var build = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = apps };
        foreach (var a in new[] { Path.Combine(RepositoryPaths.Root, "plugins-js", "build.mjs"), "--src", Path.Combine(apps, "src"), "--out", Path.Combine(apps, "out") })
            build.ArgumentList.Add(a);
        using var node = Process.Start(build)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        Assert.True(node.WaitForExit(TimeSpan.FromMinutes(5)), "the build did not end");
        Assert.True(node.ExitCode == 0, $"the build failed: {output.Result}{error.Result}");
    }
}
