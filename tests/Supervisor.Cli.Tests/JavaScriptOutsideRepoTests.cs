using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Supervisor.Plugins;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>
/// JavaScript plugins built outside this repository: the JavaScript guide's project run word for word in a
/// fresh folder outside the repository; <c>plugins-js/build.mjs</c> on plugins reached through a symlink whose path
/// starts with its target's, on reserved service names and on WIT errors; and <c>supervisor wit</c> writing exactly
/// the interfaces the host links. Every build runs the real node and componentize-js; a missing tool fails the test.
/// </summary>
public sealed partial class JavaScriptOutsideRepoTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"supervisor-js-outside-{Guid.NewGuid():n}");

    public JavaScriptOutsideRepoTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string Guide => Path.Combine(RepositoryPaths.Root, "docs", "src", "guide", "javascript.md");

    private static string BuildScript => Path.Combine(RepositoryPaths.Root, "plugins-js", "build.mjs");

    [Fact, Rule("PDP-CLI-18")]
    public void TheGuidesProject_BuiltInAFreshFolderOutsideTheRepository_IsCalledThroughTheCli()
    {
        var blocks = GuideBlocks();
        Assert.True(blocks.ContainsKey("run") && blocks.ContainsKey("output") && blocks.ContainsKey("package.json"),
            $"{Guide}: the \"Outside this repository\" section lost its marked blocks (found: {string.Join(", ", blocks.Keys)})");
        Assert.False(_dir.StartsWith(RepositoryPaths.Root, StringComparison.Ordinal), $"{_dir} is inside the repository");

        // The guide pins the versions this repository builds with.
        var guidePackage = JsonDocument.Parse(blocks["package.json"]).RootElement;
        var repoPackage = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "package.json"))).RootElement;
        foreach (var name in new[] { "@bytecodealliance/componentize-js", "@bytecodealliance/jco" })
            Assert.Equal(repoPackage.GetProperty("devDependencies").GetProperty(name).GetString(), guidePackage.GetProperty("devDependencies").GetProperty(name).GetString());
        Assert.Equal(repoPackage.GetProperty("overrides").GetProperty("@bytecodealliance/preview2-shim").GetString(),
            guidePackage.GetProperty("overrides").GetProperty("@bytecodealliance/preview2-shim").GetString());

        foreach (var (file, text) in blocks.Where(b => b.Key is not ("run" or "output")))
        {
            var path = Path.Combine(_dir, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        // The guide's commands as a shell runs them, `supervisor` being this build of the CLI. npm prefers its cache
        // (filled by the repository's `npm ci`) and reaches the registry only for what the cache lacks.
        var script = $"set -euo pipefail\nsupervisor() {{ dotnet {Quote(Cli.Executable)} \"$@\"; }}\n{blocks["run"]}\n";
        var environment = new Dictionary<string, string>
        {
            ["XDG_DATA_HOME"] = Path.Combine(_dir, ".data"), // the CLI's default store and compile cache
            ["npm_config_prefer_offline"] = "true",
            ["npm_config_audit"] = "false",
            ["npm_config_fund"] = "false",
            ["npm_config_update_notifier"] = "false",
        };
        var clock = Stopwatch.StartNew();
        var run = Run("bash", _dir, environment, TimeSpan.FromMinutes(8), "-c", script);
        Assert.True(run.ExitCode == 0, $"the guide's commands failed after {clock.Elapsed.TotalSeconds:F0} s in {_dir}:\n{run}");
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(blocks["output"].Trim(), lines[^1].Trim());
        Assert.True(File.Exists(Path.Combine(_dir, "wit", "deps", "clientdata", "world.wit")), "supervisor wit wrote no wit/deps/clientdata/world.wit");
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "wit", "clientdata", "world.wit")),
            File.ReadAllText(Path.Combine(_dir, "wit", "deps", "clientdata", "world.wit")));
    }

    [Fact]
    public void Build_OfPluginsReachedThroughASymlinkWhosePathStartsWithItsTarget_Builds_AndTheCliCallsIt()
    {
        // process.cwd() reports /x/apps for /x/apps-link, and "/x/apps-link/..." starts with "/x/apps" as a string:
        // the string-prefix check in componentize-js then clipped the source path ("Error loading module ...").
        var apps = Path.Combine(_dir, "apps");
        var link = Path.Combine(_dir, "apps-link");
        var plugin = Path.Combine(apps, "greeter", "plugin");
        WriteGreeter(plugin);
        Directory.CreateSymbolicLink(link, apps);
        var output = Path.Combine(_dir, "out");

        var build = Node(link, BuildScript, "--src", link, "--out", output);

        Assert.True(build.ExitCode == 0, $"the build failed:\n{build}");
        Assert.Contains("1 built, 0 up to date, 0 failed", build.Out);
        var call = Cli.Process(null, new Dictionary<string, string> { ["XDG_DATA_HOME"] = Path.Combine(_dir, ".data") },
            "call", "greeter:plugin/api.greet", "\"ada\"", "--plugins", output);
        Assert.True(call.ExitCode == 0, call.ToString());
        Assert.Equal(["\"hello ada\""], call.Lines);
    }

    [Fact, Rule("PDP-PLUGIN-2")]
    public void Build_RefusesEveryServiceNameTheHostReserves_BeforeBuildingAnything()
    {
        var field = typeof(PluginSupervisor).Assembly.GetType("Supervisor.Plugins.Loading.PluginDirectory", throwOnError: true)!
            .GetField("ReservedServices", BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException("PluginDirectory.ReservedServices is gone: point this test at the host's reserved names");
        var reserved = ((IEnumerable<string>)field.GetValue(null)!).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(reserved);
        var src = Path.Combine(_dir, "src");
        foreach (var name in reserved) WriteGreeter(Path.Combine(src, name, "plugin"));
        WriteGreeter(Path.Combine(src, "x-greeter", "plugin"));
        var output = Path.Combine(_dir, "out");

        var clock = Stopwatch.StartNew();
        var build = Node(_dir, BuildScript, "--src", src, "--out", output);

        Assert.Equal(1, build.ExitCode);
        foreach (var name in reserved)
            Assert.Contains($"error: {name}/plugin: service \"{name}\" is reserved for the host", build.Err);
        Assert.Contains("error: x-greeter/plugin: \"x-greeter\" is not a valid psibase account name", build.Err);
        Assert.Contains("0 built, 0 up to date", build.Out);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFiles(output, "*.wasm", SearchOption.AllDirectories).Any(), $"something was built into {output}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"refusing took {clock.Elapsed}: the names must be refused before componentize-js runs");
    }

    [Fact]
    public void Build_AWitError_NamesTheAuthorsFileLineAndColumn_NotAScratchFolder()
    {
        var src = Path.Combine(_dir, "src");
        WriteGreeter(Path.Combine(src, "syntax", "plugin"), "    greet: fun(name: string) -> string;");
        WriteGreeter(Path.Combine(src, "unknown", "plugin"), "    greet: func(name: string) -> strin;");
        WriteGreeter(Path.Combine(src, "semicolon", "plugin"), "    greet: func(name: string) -> string");

        var build = Node(_dir, BuildScript, "--src", src, "--out", Path.Combine(_dir, "out"));

        Assert.Equal(1, build.ExitCode);
        string World(string service) => Path.Combine(src, service, "plugin", "wit", "world.wit");
        Assert.Contains($"{World("syntax")}:4:12: WIT error: expected keyword `func`, found an identifier", build.Err);
        // wit-parser's wording differs between versions ("does not exist", "is not defined"); the name and place do not.
        Assert.Contains($"{World("unknown")}:4:34: WIT error: name `strin` ", build.Err);
        Assert.Contains($"{World("semicolon")}:5:1: WIT error: expected ';', found '}}'", build.Err);
        Assert.Contains("      greet: fun(name: string) -> string;\n             ^", build.Err);
        foreach (var service in new[] { "syntax", "unknown", "semicolon" })
            Assert.DoesNotContain($"plugin-{service}-plugin-", build.Err); // the scratch folder's name
        Assert.Contains("0 built, 0 up to date, 3 failed", build.Out);
    }

    [Fact]
    public void WitErrorLocator_WithoutAPlaceInTheMessage_FindsTheTokenOrTheName()
    {
        // wit-parser builds that give no `--> file:line:col` (componentize-js 0.23.0's): build.mjs finds the place itself.
        var script = Path.Combine(_dir, "locate.mjs");
        var lib = new Uri(Path.Combine(RepositoryPaths.Root, "plugins-js", "lib", "wit-errors.mjs")).AbsoluteUri;
        File.WriteAllText(script, $$"""
            const { locateWitError } = await import({{JsonSerializer.Serialize(lib)}});
            const files = [
              { path: 'a.wit', text: 'package a:b;\n\ninterface api {\n    f: func() -> u32;\n}\n' },
              { path: 'world.wit', text: 'interface x {\n    // strin in a comment\n    g: func(n: string) -> strin;\n    h: fun();\n}\n' },
            ];
            for (const message of [
              "resolving WIT in /tmp/x/wit\n\nCaused by:\n    0: failed to parse package: /tmp/x/wit\n    1: expected keyword `func`, found an identifier",
              "Caused by:\n    1: name `strin` does not exist",
            ]) console.log(JSON.stringify(await locateWitError(message, files)));
            """);
        // The library finds jco in the repository's node_modules (relative to itself, whatever the current folder).
        var run = Node(RepositoryPaths.Root, script);

        Assert.True(run.ExitCode == 0, run.ToString());
        var places = run.Lines.Select(l => JsonDocument.Parse(l).RootElement).Select(e => $"{e.GetProperty("path").GetString()}:{e.GetProperty("line").GetInt32()}:{e.GetProperty("column").GetInt32()}").ToList();
        Assert.Equal(["world.wit:4:8", "world.wit:3:27"], places);
    }

    [Fact, Rule("PDP-CLI-18")]
    public void Wit_WritesExactlyTheInterfacesTheHostLinks_AndRemovesFilesTheHostDoesNotHave()
    {
        var names = typeof(PluginSupervisor).Assembly.GetType("Supervisor.Plugins.HostApi.HostCatalog", throwOnError: true)!
            .GetProperty("Names", BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException("HostCatalog.Names is gone: point this test at the host's list of interfaces");
        var provided = ((IEnumerable<string>)names.GetValue(null)!).Order(StringComparer.Ordinal).ToList();
        var deps = Path.Combine(_dir, "wit", "deps");
        Directory.CreateDirectory(Path.Combine(deps, "host-db"));
        var stale = Path.Combine(deps, "host-db", "old.wit");
        File.WriteAllText(stale, "interface gone { f: func(); }\n");
        var mine = Path.Combine(deps, "host-db", "notes.txt");
        File.WriteAllText(mine, "not WIT");

        var r = Cli.Process(null, "wit", "--out", deps);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(File.Exists(stale), $"{stale} is still there: every WIT tool would read it into host:db");
        Assert.Contains($"removed {stale}", r.Out);
        Assert.True(File.Exists(mine), "a file that is not WIT was removed");
        var written = new List<string>();
        foreach (var folder in Directory.GetDirectories(deps))
        {
            var text = string.Join("\n", Directory.GetFiles(folder, "*.wit").Select(File.ReadAllText));
            var package = PackageDecl().Match(text);
            Assert.True(package.Success, $"{folder}: no package declaration");
            var (id, version) = (package.Groups[1].Value, package.Groups[2].Success ? package.Groups[2].Value : null);
            foreach (Match m in InterfaceDecl().Matches(Regex.Replace(text, @"//[^\n]*", "")))
                written.Add($"{id}/{m.Groups[1].Value}{(version is null ? "" : "@" + version)}");
        }
        Assert.Equal(provided, written.Order(StringComparer.Ordinal).ToList());
    }

    [GeneratedRegex(@"^\s*package\s+([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)(?:@([0-9A-Za-z.+-]+))?\s*;", RegexOptions.Multiline)]
    private static partial Regex PackageDecl();

    [GeneratedRegex(@"^\s*interface\s+([a-z][a-z0-9-]*)\s*\{", RegexOptions.Multiline)]
    private static partial Regex InterfaceDecl();

    /// <summary>The guide's blocks marked <c>&lt;!-- outside-repo: NAME --&gt;</c>: a file to write, <c>run</c> or <c>output</c>.</summary>
    private static Dictionary<string, string> GuideBlocks()
    {
        var text = File.ReadAllText(Guide).Replace("\r\n", "\n");
        return GuideBlock().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    [GeneratedRegex(@"<!-- outside-repo: (\S+) -->\n```[a-z]*\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex GuideBlock();

    /// <summary>A greeter plugin (no imports) in <paramref name="dir"/>; <paramref name="line4"/> replaces the function's line.</summary>
    private static void WriteGreeter(string dir, string line4 = "    greet: func(name: string) -> string;")
    {
        Directory.CreateDirectory(Path.Combine(dir, "wit"));
        File.WriteAllText(Path.Combine(dir, "wit", "world.wit"), $"package greeter:plugin;\n\ninterface api {{\n{line4}\n}}\n\nworld plugin {{\n    export api;\n}}\n");
        File.WriteAllText(Path.Combine(dir, "index.js"), "export const api = { greet(name) { return `hello ${name}`; } };\n");
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>Runs the repository's build script (node, with the repository's node_modules) from <paramref name="cwd"/>.</summary>
    private static CliResult Node(string cwd, params string[] args)
    {
        if (!Directory.Exists(Path.Combine(RepositoryPaths.Root, "node_modules", "@bytecodealliance", "componentize-js")))
            throw new InvalidOperationException($"componentize-js is not installed: run `npm ci` in {RepositoryPaths.Root}");
        return Run("node", cwd, null, TimeSpan.FromMinutes(5), args);
    }

    private static CliResult Run(string program, string cwd, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{program} could not be started ({e.Message}): this test needs it on PATH", e);
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not end in {timeout.TotalSeconds} s; output so far: {stdout.Result}{stderr.Result}");
            }
            return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
