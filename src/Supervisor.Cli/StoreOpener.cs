using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Redis;

namespace Supervisor.Cli;

/// <summary>
/// Opens the store that the global options select, for the storage commands and the call sessions alike: the one place
/// that turns <c>--domain</c> and <c>--store</c> into storage options, prints the store's access warning, and turns a
/// store that cannot be opened into a usage error naming the option (exit code 2).
/// </summary>
internal static class StoreOpener
{
    /// <summary>The backends the CLI offers: the built-in ones and Redis (<c>--store redis://...</c>), composed once here.</summary>
    private static readonly BackendRegistry Backends = Compose();

    private static BackendRegistry Compose()
    {
        var registry = BackendRegistry.CreateDefault();
        RedisBackend.Register(registry);
        return registry;
    }

    /// <summary>Storage options for the store that <c>--store</c> (or <c>--domain</c>'s default file) names.</summary>
    public static StorageOptions OptionsOf(Settings settings)
    {
        var options = new StorageOptions { Registry = Backends };
        CliErrors.Set("--domain", () => options.Domain = settings.Domain);
        if (settings.Store is { } location) CliErrors.Set("--store", () => options.Location = location);
        return options;
    }

    /// <summary>Storage options for a store named by another option (<c>--to</c>).</summary>
    public static StorageOptions OptionsOf(string location, string option)
    {
        var options = new StorageOptions { Registry = Backends };
        CliErrors.Set(option, () => options.Location = location);
        return options;
    }

    /// <summary>Opens the store of the global options.</summary>
    public static KeyValueStore Open(Settings settings, CliConsole console) => Open(OptionsOf(settings), "--store", console);

    /// <summary>Opens the store of <paramref name="options"/>; a failure names <paramref name="option"/>.</summary>
    public static KeyValueStore Open(StorageOptions options, string option, CliConsole console)
    {
        KeyValueStore store;
        try
        {
            store = KeyValueStore.Create(options);
        }
        catch (Exception e) when (e is StorageException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            // Whatever the cause, the path or URI the user gave names no store this process can open: a usage error.
            var message = CliErrors.Describe(e);
            if (message.StartsWith("--store: ", StringComparison.Ordinal)) message = message["--store: ".Length..];
            throw new ArgumentException($"{option}: cannot open the store: {message}", e);
        }
        if (store.Backend.AccessWarning is { } warning) console.Error.WriteLine($"warning: {warning}");
        return store;
    }
}
