using System.CommandLine;
using System.Text.Json.Nodes;
using Supervisor.Storage;
using static Supervisor.Cli.Storage.Output;
using static Supervisor.Cli.Storage.StorageSymbols;

namespace Supervisor.Cli.Storage;

/// <summary>
/// <c>storage turn-mode SERVICE [serialized|concurrent|forget]</c>: shows or changes the turn mode the store records for a
/// plugin (PDP-TURN-8), which every process calling it must agree with.
/// </summary>
internal static class TurnModeCommand
{
    public static Command Create(StorageContext context)
    {
        var console = context.Console;
        var service = new Argument<string>("service") { Description = "The plugin's service name", HelpName = "SERVICE" };
        var mode = new Argument<string?>("mode")
        {
            Description = "Record this mode: serialized (one operation at a time), concurrent (no turns: the processes name the plugin "
                + "in ConcurrentPlugins) or forget (the next process to call the plugin records its own); without it, the recorded mode is shown",
            HelpName = "MODE",
            Arity = ArgumentArity.ZeroOrOne,
        };
        mode.AcceptOnlyFromAmong("serialized", "concurrent", "forget");
        var json = Json("Print {\"chain\", \"service\", \"mode\"} (mode null when none is recorded)");
        var command = new Command("turn-mode",
            "Shows or records whether a plugin takes turns in this store (--chain defaults to local). Every process calling the plugin must "
            + "agree with the store (ConcurrentPlugins, --concurrent-plugin), or its calls are refused (exit 2); change it while no process "
            + "uses the plugin. Recording waits for the plugin's turn.");
        command.Arguments.Add(service);
        command.Arguments.Add(mode);
        command.Options.Add(json);
        context.SetAction(command, r =>
        {
            var svc = r.GetValue(service)!;
            var chain = Chain(r);
            CliErrors.Set("SERVICE", () => Names.ValidateService(svc));
            using var store = context.Open(r);
            string verb;
            if (r.GetValue(mode) is { } name)
            {
                store.SetTurnMode(chain, svc, name == "forget" ? null : Enum.Parse<TurnMode>(name, ignoreCase: true));
                verb = name == "forget" ? "forgot the turn mode of" : "recorded the turn mode of";
            }
            else verb = "the turn mode of";
            var recorded = store.GetTurnMode(chain, svc);
            var shown = recorded?.ToString().ToLowerInvariant();
            Print(console, r.GetValue(json), new JsonObject { ["chain"] = chain, ["service"] = svc, ["mode"] = shown },
                $"{verb} {svc} on chain {chain}: {shown ?? "none recorded (the next process to call it records its own)"}");
            return ExitCodes.Success;
        });
        return command;
    }
}
