using System.CommandLine;

namespace Supervisor.Cli.Storage;

/// <summary>
/// <c>supervisor storage</c>: the command groups on the store that <c>--store</c>/<c>--domain</c> select (archives,
/// listings, records, clearing), each in its own file. Exit codes are the CLI's (<see cref="ExitCodes"/>).
/// </summary>
internal static class StorageCommand
{
    /// <summary>Builds the <c>storage</c> command; <paramref name="settingsOf"/> reads the global options of a parse.</summary>
    public static Command Create(Func<ParseResult, Settings> settingsOf, CliConsole console)
    {
        var storage = new Command("storage",
            "Manages the store that --store (or --domain) selects: moves persistent records between stores, files and "
            + "psibase's browser LocalStorage, and lists, measures and clears them. --chain selects the chain (default local, "
            + "as in every command); export, clone and list take --all-chains. Exit codes: 0 success, 1 the operation failed "
            + "(a conflict under --on-conflict fail, a quota, the backend, a missing key for get and delete), 2 bad usage, a "
            + "bad archive (the message names its line) or a store that cannot be opened.");
        var context = new StorageContext(settingsOf, console);
        foreach (var command in ArchiveCommands.Create(context)) storage.Subcommands.Add(command);
        foreach (var command in UsageCommands.Create(context)) storage.Subcommands.Add(command);
        storage.Subcommands.Add(ClearCommand.Create(context));
        storage.Subcommands.Add(TurnModeCommand.Create(context));
        foreach (var command in RecordCommands.Create(context)) storage.Subcommands.Add(command);
        return storage;
    }
}
