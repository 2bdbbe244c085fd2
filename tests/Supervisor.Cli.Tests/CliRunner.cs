using System.Diagnostics;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>What one run of the CLI printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    /// <summary>Stdout lines, without the trailing empty one.</summary>
    public string[] Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    /// <inheritdoc />
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Err}";
}

/// <summary>
/// A plugin directory with the WAT fixtures (wecho from this project; walpha, wbeta, wevil from the plugin
/// tests), a fresh store and a compile cache, and ways to run the CLI against them: in-process (fast) or
/// as the real executable (a child process).
/// </summary>
public sealed class CliSandbox : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Creates the sandbox and lays out its plugin directory.</summary>
    public CliSandbox()
    {
        Plugins = Path.Combine(_temp.Path, "plugins");
        var own = Path.Combine(AppContext.BaseDirectory, "Fixtures", "plugins");
        var shared = Path.Combine(RepositoryPaths.Root, "tests", "Supervisor.Plugins.Tests", "Fixtures", "plugins");
        foreach (var (root, service) in new[] { (own, "wecho"), (shared, "walpha"), (shared, "wbeta"), (shared, "wevil") })
        {
            Directory.CreateDirectory(Path.Combine(Plugins, service));
            System.IO.File.Copy(Path.Combine(root, service, "plugin.wat"), Path.Combine(Plugins, service, "plugin.wat"));
        }
        Store = _temp.File("store.db");
        Cache = _temp.File("cache");
    }

    /// <summary>The plugin directory.</summary>
    public string Plugins { get; }

    /// <summary>The store file.</summary>
    public string Store { get; }

    /// <summary>The compile cache.</summary>
    public string Cache { get; }

    /// <summary>A file in the sandbox.</summary>
    public string File(string name) => _temp.File(name);

    /// <summary>The options that point a calling command (call, run, shell) at this sandbox.</summary>
    public string[] Options => ["--plugins", Plugins, "--store", Store, "--cache", Cache];

    /// <summary>The options that point <paramref name="args"/>' command at <paramref name="store"/>: storage commands take no plugin options.</summary>
    public string[] OptionsFor(string[] args, string store) =>
        args.Length > 0 && args[0] == "storage" ? ["--store", store] : ["--plugins", Plugins, "--store", store, "--cache", Cache];

    /// <summary>Runs the CLI in this process with the sandbox's options after <paramref name="args"/>, but <paramref name="store"/> as the store.</summary>
    public CliResult RunOn(string store, string? input, params string[] args) => Cli.InProcess(input, [.. args, .. OptionsFor(args, store)]);

    /// <summary><paramref name="r"/>, after checking it exited 0 (its output in the failure).</summary>
    public static CliResult Ok(CliResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    /// <summary>Sets walpha's clientdata keys in <paramref name="store"/> through a script (a value is its text as bytes).</summary>
    public void SetWalpha(string store, params (string Key, string Value)[] records)
    {
        var script = File($"set-{Guid.NewGuid():n}.txt");
        System.IO.File.WriteAllLines(script, records.Select(r => $"walpha:plugin/api.set \"{r.Key}\" [{string.Join(',', System.Text.Encoding.UTF8.GetBytes(r.Value))}]"));
        Ok(RunOn(store, null, "run", script));
    }

    /// <summary>Runs the CLI in this process with the sandbox's options after <paramref name="args"/>.</summary>
    public CliResult Run(params string[] args) => Cli.InProcess(null, [.. args, .. OptionsFor(args, Store)]);

    /// <summary>Runs the CLI in this process with stdin.</summary>
    public CliResult RunWithInput(string input, params string[] args) => Cli.InProcess(input, [.. args, .. OptionsFor(args, Store)]);

    /// <inheritdoc />
    public void Dispose() => _temp.Dispose();
}

/// <summary>Runs the CLI.</summary>
public static class Cli
{
    /// <summary>Runs <c>CliApp.Run</c> in this process with captured streams (not terminals).</summary>
    public static CliResult InProcess(string? input, string[] args, bool errorIsTerminal = false, TimeSpan? statusDelay = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(args, new CliConsole(new StringReader(input ?? ""), output, error, false, errorIsTerminal, statusDelay));
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>The CLI's entry assembly, copied next to the tests by the project reference.</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "supervisor.dll");

    /// <summary>Runs the real executable (<c>dotnet supervisor.dll</c>) as a child process, stdin and stdout as pipes.</summary>
    public static CliResult Process(string? input, params string[] args) => Process(input, null, args);

    /// <summary>Runs the real executable with extra environment variables.</summary>
    public static CliResult Process(string? input, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Run(null, input, environment, args);

    /// <summary>Runs the real executable in <paramref name="directory"/> with extra environment variables.</summary>
    public static CliResult ProcessIn(string directory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Run(directory, null, environment, args);

    private static CliResult Run(string? directory, string? input, IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory ?? "",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Executable);
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (input is not null) p.StandardInput.Write(input);
        p.StandardInput.Close();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"supervisor {string.Join(' ', args)} did not finish in 90 s");
        }
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
