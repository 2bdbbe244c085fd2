namespace Supervisor.Testing;

/// <summary>Finds the repository root (the folder holding Supervisor.sln) from the test's base directory.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Supervisor.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Supervisor.sln not found above {AppContext.BaseDirectory}");
    }
}
