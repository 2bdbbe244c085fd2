using System.CommandLine;
using System.Text.Json.Nodes;
using static Supervisor.Cli.Storage.Output;
using static Supervisor.Cli.Storage.StorageSymbols;

namespace Supervisor.Cli.Storage;

/// <summary><c>storage clear</c>: deletes a chain's or a service's records, only with <c>--yes</c>.</summary>
internal static class ClearCommand
{
    public static Command Create(StorageContext context)
    {
        var console = context.Console;
        var service = Service("Clear only this service's records: its own buckets and those clientdata keeps for it");
        var yes = new Option<bool>("--yes") { Description = "Confirm: without it nothing is deleted and the exit code is 2" };
        var json = Json("Print the summary as JSON");
        var clear = new Command("clear",
            "Deletes every persistent record of --chain (default local), or of one --service on it; asks for --yes");
        foreach (var o in new Option[] { service, yes, json }) clear.Options.Add(o);
        context.SetAction(clear, r =>
        {
            var (chain, svc) = Selection(r, service);
            if (!r.GetValue(yes))
                throw new ArgumentException($"storage clear deletes every record of {Describe(chain, svc)}; add --yes to confirm (nothing was deleted)");
            using var store = context.Open(r);
            var n = store.Clear(chain!, svc); // no --all-chains here: one chain is the most clear deletes at once
            Print(console, r.GetValue(json), new JsonObject { ["chain"] = chain, ["service"] = svc, ["cleared"] = n },
                $"cleared {Count(n, "record")} of {Describe(chain, svc)}");
            return ExitCodes.Success;
        });
        return clear;
    }
}
