using System.CommandLine;
using System.CommandLine.Parsing;
using Supervisor.Storage;
using Supervisor.Storage.Sync;

namespace Supervisor.Cli.Storage;

/// <summary>The options the storage commands share, each written once, and how their values are read.</summary>
internal static class StorageSymbols
{
    public static Option<string?> Service(string what) => new("--service") { Description = what, HelpName = "SERVICE" };

    public static Option<bool> Json(string what) => new("--json") { Description = what };

    public static Option<string?> Bucket() => new("--bucket") { Description = "The bucket (required)", HelpName = "BUCKET" };

    public static Option<string> Format(string what)
    {
        var o = new Option<string>("--format")
        {
            Description = what + ": jsonl (this supervisor's archive: a header line, one record per line with a base64 value, "
                + "an end line) or localstorage (psibase's browser LocalStorage: one JSON object, keys "
                + "<chain>:<non-trx|trx>:<service>:<bucket>:<key>, values base64; also spelled psibase-localstorage)",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => "jsonl",
        };
        o.AcceptOnlyFromAmong("jsonl", "localstorage", "psibase-localstorage");
        return o;
    }

    public static Option<string> OnConflict()
    {
        var o = new Option<string>("--on-conflict")
        {
            Description = "What to do with a record that already exists in the target: overwrite (the incoming record wins), "
                + "skip (the target's record stays), or fail (refuse the whole import before writing anything; exit code 1)",
            HelpName = "POLICY",
            DefaultValueFactory = _ => "fail",
        };
        o.AcceptOnlyFromAmong("overwrite", "skip", "fail");
        return o;
    }

    public static Option<string> Mode()
    {
        var o = new Option<string>("--mode")
        {
            Description = "The bucket's mode: non-trx (written at once) or trx (transactional)",
            HelpName = "MODE",
            DefaultValueFactory = _ => "non-trx",
        };
        o.AcceptOnlyFromAmong("non-trx", "trx");
        return o;
    }

    public static Option<bool> AllChains(string what) => new("--all-chains") { Description = what };

    /// <summary>
    /// The chain and service a command selects: --chain (its default, local, like every other command), or no chain
    /// (null) under --all-chains where the command offers it.
    /// </summary>
    public static (string? Chain, string? Service) Selection(ParseResult r, Option<string?> service, Option<bool>? allChains = null)
    {
        var chainOption = ChainOption(r);
        var all = allChains is not null && r.GetValue(allChains);
        if (all && r.GetResult(chainOption) is OptionResult { Implicit: false })
            throw new ArgumentException($"--all-chains and --chain \"{r.GetValue(chainOption)}\" select two ways; give one");
        var chain = all ? null : r.GetValue(chainOption);
        var svc = r.GetValue(service);
        if (svc is not null && chain is null) throw new ArgumentException($"--service \"{svc}\" needs one chain, not --all-chains");
        if (chain is not null) CliErrors.Set("--chain", () => Names.ValidateChain(chain));
        if (svc is not null) CliErrors.Set("--service", () => Names.ValidateService(svc));
        return (chain, svc);
    }

    /// <summary>The one chain --chain selects (default local), validated.</summary>
    public static string Chain(ParseResult r)
    {
        var chain = r.GetValue(ChainOption(r))!;
        CliErrors.Set("--chain", () => Names.ValidateChain(chain));
        return chain;
    }

    private static Option<string> ChainOption(ParseResult r) => (Option<string>)r.RootCommandResult.Command.Options.First(o => o.Name == "--chain");

    public static ArchiveFormat FormatOf(string? name) =>
        name is "localstorage" or "psibase-localstorage" ? ArchiveFormat.PsibaseLocalStorage : ArchiveFormat.JsonLines;

    public static string Name(ArchiveFormat format) => format == ArchiveFormat.JsonLines ? "jsonl" : "localstorage";

    public static ConflictPolicy PolicyOf(string? name) => name switch
    {
        "overwrite" => ConflictPolicy.Overwrite,
        "skip" => ConflictPolicy.Skip,
        _ => ConflictPolicy.Fail,
    };
}
