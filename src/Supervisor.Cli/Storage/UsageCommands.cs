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
        var service = Service("With --chain: list this service's buckets");
        var json = Json("Print a JSON array");
        var list = new Command("list",
            "Lists the chains that hold records with their item counts and bytes; with --chain, that chain's services; "
            + "with --chain and --service, that service's buckets (mode and name)");
        list.Options.Add(service);
        list.Options.Add(json);
        context.SetAction(list, r =>
        {
            var (chain, svc) = Selection(r, service);
            using var store = context.Open(r);
            var asJson = r.GetValue(json);
            if (chain is null)
                Table(console, asJson, store.ListChains().Select(u => Row(("chain", u.Name), u)), ["CHAIN"], "no chain holds records");
            else if (svc is null)
                Table(console, asJson, store.ListServices(chain).Select(u => Row(("service", u.Name), u)), ["SERVICE"], $"no service holds records on chain {chain}");
            else
                Table(console, asJson, store.ListBuckets(chain, svc).Select(b => Row(("mode", b.Bucket.Mode == DbMode.Transactional ? "trx" : "non-trx"), b.Usage, ("bucket", b.Bucket.Bucket))),
                    ["MODE", "BUCKET"], $"{svc} holds no records on chain {chain}");
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
            "Shows the items and bytes charged to a service on a chain (--chain and --service required) against the quotas in force");
        usage.Options.Add(service);
        usage.Options.Add(json);
        context.SetAction(usage, r =>
        {
            var (chain, svc) = Selection(r, service);
            if (chain is null || svc is null) throw new ArgumentException("storage usage needs --chain and --service");
            using var store = context.Open(r);
            var u = store.GetUsage(chain, svc);
            var limits = store.Limits;
            Print(console, r.GetValue(json), new JsonObject
            {
                ["chain"] = chain, ["service"] = svc, ["items"] = u.Items, ["bytes"] = u.Bytes,
                ["quotaItems"] = limits.QuotaItems == 0 ? null : limits.QuotaItems,
                ["quotaBytes"] = limits.QuotaBytes == 0 ? null : limits.QuotaBytes,
            },
                $"{svc} on chain {chain}: {Count(u.Items, "item")} of {(limits.QuotaItems == 0 ? "unlimited" : limits.QuotaItems.ToString(CultureInfo.InvariantCulture))}, "
                + $"{Count(u.Bytes, "byte")} of {(limits.QuotaBytes == 0 ? "unlimited" : limits.QuotaBytes.ToString(CultureInfo.InvariantCulture))}");
            return ExitCodes.Success;
        });
        return usage;
    }
}
