using System.Diagnostics;
using Xunit.Abstractions;

namespace Supervisor.Packaging.Tests;

/// <summary>
/// Issue 18's consumer test: scripts/consumer-test.sh packs the libraries into a folder feed, builds an app made by
/// `dotnet new console` outside the repository from those packages, loads a plugin and calls it; the guides'
/// C# blocks are compiled into that app.
/// </summary>
public sealed class ConsumerTests(ITestOutputHelper output)
{
    static readonly string Repo = FindRepo();
#if DEBUG
    const string Config = "Debug";
#else
    const string Config = "Release";
#endif

    static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Supervisor.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository (Supervisor.sln) is not above " + AppContext.BaseDirectory);
    }

    static IEnumerable<string> Guides() =>
        Directory.GetFiles(Path.Combine(Repo, "docs", "src", "guide"), "*.md").Order(StringComparer.Ordinal);

    [Fact]
    public void The_guides_have_csharp_blocks_to_compile_and_the_first_names_its_logging_package()
    {
        var blocks = Guides().SelectMany(GuideBlocks.Read).ToList();
        Assert.Contains(blocks, b => b.Guide == "embedding.md" && b.Compiled);
        var first = blocks.First(b => b.Guide == "embedding.md");
        Assert.Contains("AddSimpleConsole", first.Code);
        var guide = File.ReadAllText(Path.Combine(Repo, "docs", "src", "guide", "embedding.md"));
        Assert.True(guide.IndexOf("Microsoft.Extensions.Logging.Console", StringComparison.Ordinal) < guide.IndexOf("```csharp", StringComparison.Ordinal),
            "the embedding guide names Microsoft.Extensions.Logging.Console before its first C# block");
    }

    [Fact]
    public void A_console_app_builds_from_the_packages_and_calls_a_plugin_and_the_guides_compile()
    {
        var snippets = Directory.CreateTempSubdirectory("supervisor-guide-blocks-");
        try
        {
            var count = 0;
            foreach (var block in Guides().SelectMany(GuideBlocks.Read).Where(b => b.Compiled))
            {
                var name = $"{Path.GetFileNameWithoutExtension(block.Guide)}_line{block.Line}".Replace('-', '_');
                File.WriteAllText(Path.Combine(snippets.FullName, name + ".cs"), GuideBlocks.ToSource(block, name));
                count++;
            }
            Assert.True(count > 0);

            var psi = new ProcessStartInfo("bash", [Path.Combine(Repo, "scripts", "consumer-test.sh")])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo,
            };
            psi.Environment["CONFIG"] = Config;
            psi.Environment["PACK_NO_BUILD"] = "1";
            psi.Environment["SNIPPETS_DIR"] = snippets.FullName;
            using var p = Process.Start(psi)!;
            var lines = new List<string>();
            p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            if (!p.WaitForExit(TimeSpan.FromMinutes(8))) { p.Kill(entireProcessTree: true); Assert.Fail("consumer-test.sh took over 8 minutes"); }
            p.WaitForExit();
            string all;
            lock (lines) all = string.Join('\n', lines);
            output.WriteLine(all);
            Assert.True(p.ExitCode == 0, $"consumer-test.sh exited {p.ExitCode}:\n{all}");
            Assert.Contains("sync: ok", all);
            Assert.Contains("async: ok", all);
            Assert.Contains("consumer: ok", all);
        }
        finally { snippets.Delete(recursive: true); }
    }
}
