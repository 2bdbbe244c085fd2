using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary><c>supervisor wit</c>: the host's WIT packages, exactly as in the repository's <c>wit/</c>, into a project's <c>wit/deps/</c>.</summary>
public sealed class WitCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string RepoWit => Path.Combine(RepositoryPaths.Root, "wit");

    [Fact, Rule("PDP-CLI-18")]
    public void Wit_WritesEveryPackage_ByteForByteAsTheHostHasThem()
    {
        var deps = _dir.File("wit/deps");
        var r = Cli.InProcess(null, ["wit", "--out", deps]);

        Assert.Equal(0, r.ExitCode);
        var expected = Directory.GetFiles(RepoWit, "*.wit", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(RepoWit, f)).Order().ToList();
        var written = Directory.GetFiles(deps, "*.wit", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(deps, f)).Order().ToList();
        Assert.Equal(expected, written);
        foreach (var f in expected) Assert.Equal(File.ReadAllText(Path.Combine(RepoWit, f)), File.ReadAllText(Path.Combine(deps, f)));
    }

    [Fact, Rule("PDP-CLI-18")]
    public void Wit_WritesTheNamedPackagesOnly_AndRefusesUnknownOrAmbiguousNames()
    {
        var deps = _dir.File("deps");
        Assert.Equal(0, Cli.InProcess(null, ["wit", "host:db", "wasi:keyvalue@0.2.0-draft2", "--out", deps]).ExitCode);
        Assert.Equal(["host-db", "wasi-keyvalue-draft2"], Directory.GetDirectories(deps).Select(d => Path.GetFileName(d)!).Order().ToList());

        var unknown = Cli.InProcess(null, ["wit", "host:nope", "--out", deps]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("provides no WIT package \"host:nope\"", unknown.Err);
        var ambiguous = Cli.InProcess(null, ["wit", "wasi:keyvalue", "--out", deps]);
        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Contains("names 2 packages", ambiguous.Err);
    }
}
