using System.CommandLine;
using System.Text.RegularExpressions;

namespace Supervisor.Cli;

/// <summary>
/// <c>supervisor wit</c>: writes the host's WIT packages (the ones this supervisor provides, built into it from the
/// repository's <c>wit/</c>) into a plugin project's <c>wit/deps/</c>, one folder per package, the layout wit-parser,
/// componentize-js, jco and cargo-component read.
/// </summary>
internal static partial class WitCommand
{
    /// <summary>Each package: its folder and id (<c>host:db</c>, <c>wasi:keyvalue@0.2.0-draft2</c>) and its files.</summary>
    private static IReadOnlyList<(string Folder, string Id, IReadOnlyList<(string Name, string Text)> Files)> Packages()
    {
        var assembly = typeof(WitCommand).Assembly;
        var files = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("wit/", StringComparison.Ordinal) || n.StartsWith("wit\\", StringComparison.Ordinal))
            .Select(n => (Parts: n.Replace('\\', '/').Split('/'), Name: n))
            .Where(x => x.Parts.Length == 3)
            .Select(x =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(x.Name)!);
                return (Folder: x.Parts[1], File: x.Parts[2], Text: reader.ReadToEnd());
            })
            .ToList();
        return files.GroupBy(f => f.Folder).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var id = g.Select(f => PackageDecl().Match(f.Text)).FirstOrDefault(m => m.Success)?.Groups[1].Value ?? g.Key;
            return (g.Key, id, (IReadOnlyList<(string, string)>)g.OrderBy(f => f.File, StringComparer.Ordinal).Select(f => (f.File, f.Text)).ToList());
        }).ToList();
    }

    [GeneratedRegex(@"^\s*package\s+([a-z][a-z0-9-]*:[a-z][a-z0-9-]*(?:@[0-9A-Za-z.+-]+)?)\s*;", RegexOptions.Multiline)]
    private static partial Regex PackageDecl();

    public static Command Create(CliConsole console)
    {
        var names = new Argument<string[]>("packages")
        {
            Description = "The packages to write, by id (host:db, clientdata:plugin, wasi:keyvalue@0.2.0-draft2) or folder "
                + "(host-db); none writes them all",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var output = new Option<string>("--out")
        {
            Description = "The folder to write into, one folder per package",
            HelpName = "DIR",
            DefaultValueFactory = _ => Path.Combine("wit", "deps"),
        };
        var list = new Option<bool>("--list") { Description = "Only list the packages the host provides" };
        var command = new Command("wit", "Writes the WIT packages this host provides into a plugin project's wit/deps/ (all, or the ones named)");
        command.Arguments.Add(names);
        command.Options.Add(output);
        command.Options.Add(list);
        command.SetAction(r =>
        {
            var packages = Packages();
            if (r.GetValue(list))
            {
                foreach (var p in packages) console.Out.WriteLine($"{p.Id}\t{p.Folder}/ ({string.Join(", ", p.Files.Select(f => f.Name))})");
                return ExitCodes.Success;
            }
            var wanted = r.GetValue(names) ?? [];
            var chosen = wanted.Length == 0 ? packages.ToList() : new List<(string Folder, string Id, IReadOnlyList<(string Name, string Text)> Files)>();
            foreach (var name in wanted)
            {
                var exact = packages.Where(p => p.Id == name || p.Folder == name).ToList();
                var matches = exact.Count > 0 ? exact : packages.Where(p => p.Id.Split('@')[0] == name).ToList();
                if (matches.Count != 1)
                {
                    console.Error.WriteLine(matches.Count == 0
                        ? $"error: the host provides no WIT package \"{name}\"; it provides: {string.Join(", ", packages.Select(p => p.Id))}"
                        : $"error: \"{name}\" names {matches.Count} packages ({string.Join(", ", matches.Select(p => p.Id))}); add the version");
                    return ExitCodes.Usage;
                }
                chosen.Add(matches[0]);
            }
            var root = r.GetValue(output)!;
            try
            {
                foreach (var p in chosen)
                {
                    var folder = Path.Combine(root, p.Folder);
                    Directory.CreateDirectory(folder);
                    // Exactly the host's files: a .wit file an older host wrote here, which this one does not have,
                    // would still be read into the package by every WIT tool.
                    foreach (var stale in Directory.GetFiles(folder, "*.wit").Order(StringComparer.Ordinal))
                    {
                        if (p.Files.Any(f => f.Name == Path.GetFileName(stale))) continue;
                        File.Delete(stale);
                        console.Out.WriteLine($"removed {stale}: {p.Id} as this host provides it has no such file");
                    }
                    foreach (var (name, text) in p.Files) File.WriteAllText(Path.Combine(folder, name), text);
                    console.Out.WriteLine($"wrote {p.Id} to {folder}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.Error.WriteLine($"error: --out: cannot write into \"{root}\": {e.Message}");
                return ExitCodes.Usage;
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
