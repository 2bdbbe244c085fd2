using Supervisor.Plugins.Configuration;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Supervisor.Storage;
using static Supervisor.Cli.Storage.Output;
using static Supervisor.Cli.Storage.StorageSymbols;

namespace Supervisor.Cli.Storage;

/// <summary><c>storage list</c> and <c>usage</c>: what the store holds, and what a service is charged.</summary>
internal static class UsageCommands
{
    public static IEnumerable<Command> Create(StorageContext context) => [List(context), Usage(context)];

    private static Command List(StorageContext context)
    {
        var console = context.Console;
        var service = Service("List this service's buckets: its own and those clientdata keeps for it");
        var allChains = AllChains("List the chains that hold records instead");
        var json = Json("Print a JSON array");
        var list = new Command("list",
            "Lists the services of --chain (default local) that hold records, with their item counts and sizes (a service's "
            + "records include those clientdata keeps for it); with "
            + "--service, that service's buckets (mode and name); with --all-chains, the chains");
        list.Options.Add(service);
        list.Options.Add(allChains);
        list.Options.Add(json);
        context.SetAction(list, r =>
        {
            var (chain, svc) = Selection(r, service, allChains);
            using var store = context.Open(r);
            var asJson = r.GetValue(json);
            if (chain is null)
                Table(console, asJson, store.ListChains().Select(u => Row(u, ("chain", u.Name))), ["CHAIN"], "no chain holds records");
            else if (svc is null)
                Table(console, asJson, store.ListServices(chain).Select(u => Row(u, ("service", u.Name))), ["SERVICE"], $"no service holds records on chain {chain}");
            else
                // The service's own buckets, then those clientdata keeps for it: SERVICE tells which.
                Table(console, asJson, store.ListBuckets(chain, svc).Select(b => Row(b.Usage, ("service", b.Bucket.Service),
                        ("mode", b.Bucket.Mode == DbMode.Transactional ? "trx" : "non-trx"), ("bucket", b.Bucket.Bucket))),
                    ["SERVICE", "MODE", "BUCKET"], $"{svc} holds no records on chain {chain}");
            return ExitCodes.Success;
        });
        return list;
    }

    private static Command Usage(StorageContext context)
    {
        var console = context.Console;
        var service = Service("The service (required) whose usage is shown: records it owns, including its clientdata buckets");
        var json = Json("Print the usage as JSON");
        var usage = new Command("usage",
            "Shows the items and bytes charged to a service (--service required) on --chain (default local) against the quotas in force");
        usage.Options.Add(service);
        usage.Options.Add(json);
        context.SetAction(usage, r =>
        {
            var (chain, svc) = Selection(r, service);
            if (chain is null || svc is null) throw new ArgumentException("storage usage needs --service");
            using var store = context.Open(r);
            var u = store.GetUsage(chain, svc);
            var limits = store.Limits;
            Print(console, r.GetValue(json), new JsonObject
            {
                ["chain"] = chain, ["service"] = svc, ["items"] = u.Items, ["bytes"] = u.Bytes,
                ["quotaItems"] = limits.QuotaItems == 0 ? null : limits.QuotaItems,
                ["quotaBytes"] = limits.QuotaBytes == 0 ? null : limits.QuotaBytes,
            },
                $"{svc} on chain {chain}: {Count(u.Items, "item")} of {(limits.QuotaItems == 0 ? "unlimited" : limits.QuotaItems.ToString("N0", CultureInfo.InvariantCulture))}, "
                + $"{Units.FormatSize(u.Bytes)} of {(limits.QuotaBytes == 0 ? "unlimited" : Units.FormatSize(limits.QuotaBytes))}");
            return ExitCodes.Success;
        });
        return usage;
    }
}
