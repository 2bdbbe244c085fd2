using System.Text.Json;
using System.Text.Json.Nodes;
using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Cli;

/// <summary><c>supervisor plugin inspect FILE</c>: compiles a component and describes it, without running it or opening a store.</summary>
internal static class Inspect
{
    public static int Run(Settings settings, string file, bool json, CliConsole console)
    {
        PluginDescription d;
        try
        {
            if (!File.Exists(file))
            {
                console.Error.WriteLine($"error: no file \"{file}\"");
                return ExitCodes.Usage;
            }
            // Nothing runs, so no store is opened: an in-memory one stands in.
            var options = Session.CreateOptions(settings);
            options.Storage = new StorageOptions { Backend = "memory" };
            using var supervisor = PluginSupervisor.Create(options);
            using (new StatusLine(console, $"compiling {Path.GetFileName(file)} (first use; cached afterwards)..."))
            {
                d = supervisor.DescribeFile(file);
            }
        }
        catch (Exception e) when (CliErrors.IsReported(e))
        {
            return CliErrors.Report(console, e);
        }

        if (json) console.Out.WriteLine(ToJson(d).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        else WriteText(d, console.Out);
        return d.Allowed ? ExitCodes.Success : ExitCodes.PluginFailed;
    }

    private static JsonObject ToJson(PluginDescription d) => new()
    {
        ["service"] = d.Service,
        ["plugin"] = d.Plugin,
        ["file"] = d.File,
        ["allowed"] = d.Allowed,
        ["imports"] = new JsonArray(d.Imports.Select(i => (JsonNode?)new JsonObject
        {
            ["name"] = i.Name,
            ["allowed"] = i.Refusal is null,
            ["kind"] = i.Kind,
            ["refusal"] = i.Refusal,
            ["functions"] = new JsonArray(i.Functions.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
        }).ToArray()),
        ["exports"] = new JsonArray(d.Exports.Select(e => (JsonNode?)new JsonObject
        {
            ["interface"] = e.Interface,
            ["function"] = e.Function,
            ["signature"] = e.Signature,
            ["address"] = e.Address,
        }).ToArray()),
    };

    private static void WriteText(PluginDescription d, TextWriter o)
    {
        o.WriteLine($"plugin {d.Service}:{d.Plugin} ({d.File})");
        o.WriteLine(d.Imports.Count == 0 ? "imports: none" : "imports:");
        foreach (var i in d.Imports)
        {
            o.WriteLine(i.Refusal is null ? $"  {i.Name}  allowed ({i.Kind})" : $"  {i.Name}  REFUSED: {i.Refusal}");
            foreach (var f in i.Functions) o.WriteLine($"    {f}");
        }
        o.WriteLine(d.Exports.Count == 0 ? "exports: none" : "exports:");
        foreach (var group in d.Exports.GroupBy(e => e.Interface))
        {
            if (group.Key is not null)
            {
                var address = group.First().Address!;
                o.WriteLine($"  {group.Key}  (called as {address[..address.LastIndexOf('.')]}.<function>)");
            }
            foreach (var e in group) o.WriteLine($"{(group.Key is null ? "  " : "    ")}{e.Function}: {e.Signature}");
        }
        var refused = d.Imports.Count(i => i.Refusal is not null);
        o.WriteLine(refused == 0 ? "verdict: allowed (every import is provided)" : $"verdict: refused ({refused} import{(refused == 1 ? "" : "s")} not allowed); the supervisor will not load it");
    }
}
