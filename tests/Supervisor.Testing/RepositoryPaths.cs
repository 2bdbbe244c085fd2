namespace Supervisor.Testing;

/// <summary>Finds the repository root (the folder holding Supervisor.sln) from the test's base directory.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The example plugins built by <c>npm run build:examples</c>; fails the test (never skips it) when they are missing.</summary>
    public static string ExamplePlugins
    {
        get
        {
            var dir = Path.Combine(Root, "artifacts", "examples", "plugins");
            if (!File.Exists(Path.Combine(dir, "notes", "plugin.wasm")))
                Assert.Fail($"the example plugins are missing from {dir}: run `npm ci && npm run build:examples` in {Root} before these tests");
            return dir;
        }
    }

    /// <summary>One compile cache for every test process (CI sets SUPERVISOR_TEST_CACHE).</summary>
    public static string CompileCache =>
        Environment.GetEnvironmentVariable("SUPERVISOR_TEST_CACHE") is { Length: > 0 } c ? c : Path.Combine(Path.GetTempPath(), "supervisor-test-cache");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Supervisor.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Supervisor.sln not found above {AppContext.BaseDirectory}");
    }
}
