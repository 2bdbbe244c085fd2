using System.CommandLine;
using Supervisor.Storage;

namespace Supervisor.Cli.Storage;

/// <summary>What every storage command needs from the run: its global options, its console, the store they select.</summary>
internal sealed class StorageContext(Func<ParseResult, Settings> settingsOf, CliConsole console)
{
    /// <summary>The run's streams.</summary>
    public CliConsole Console { get; } = console;

    /// <summary>The global options of a parse.</summary>
    public Settings SettingsOf(ParseResult r) => settingsOf(r);

    /// <summary>Opens the store the global options of <paramref name="r"/> select.</summary>
    public KeyValueStore Open(ParseResult r) => StoreOpener.Open(settingsOf(r), Console);

    /// <summary>Sets <paramref name="command"/>'s action: <paramref name="body"/>, its failures reported with their exit code.</summary>
    public void SetAction(Command command, Func<ParseResult, int> body) => command.SetAction(r => CliErrors.Guard(Console, () => body(r)));
}
