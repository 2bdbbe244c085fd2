using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Cli;

/// <summary>
/// The process exit codes: the one map of the whole CLI from a failure to its code (the specification's PDP-CLI-3 table).
/// </summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Success = 0;

    /// <summary>
    /// The plugin or the store failed: a trap, a limit, an <c>err</c> result, a refused import, a quota, a conflict,
    /// a backend fault, a missing record for <c>storage get</c> and <c>delete</c>.
    /// </summary>
    public const int PluginFailed = 1;

    /// <summary>
    /// Bad usage: an unknown command or option, bad arguments, names, keys or paths, a malformed archive, a store that
    /// cannot be opened from the path or URI given.
    /// </summary>
    public const int Usage = 2;

    /// <summary>The exit code for a plugin-layer failure.</summary>
    public static int Of(PluginErrorCode code) => code switch
    {
        PluginErrorCode.InvalidTarget or PluginErrorCode.PluginNotFound or PluginErrorCode.InvalidPluginName
            or PluginErrorCode.FunctionNotFound or PluginErrorCode.InvalidArguments or PluginErrorCode.TurnModeConflict => Usage,
        _ => PluginFailed,
    };

    /// <summary>
    /// The exit code for a storage failure the CLI's own commands meet: what the user wrote (a name, a key or value given on
    /// the command line, an archive's content, a store location) is usage; what the store did or refused is a failure.
    /// </summary>
    public static int Of(StorageErrorCode code) => code switch
    {
        StorageErrorCode.InvalidServiceName or StorageErrorCode.InvalidBucketName or StorageErrorCode.InvalidChainId
            or StorageErrorCode.InvalidKey or StorageErrorCode.KeyTooLarge or StorageErrorCode.ValueTooLarge
            or StorageErrorCode.InvalidCursor or StorageErrorCode.InvalidArgument or StorageErrorCode.UnknownBackend => Usage,
        _ => PluginFailed,
    };

    /// <summary>The exit code for any exception the CLI reports.</summary>
    public static int Of(Exception e) => e switch
    {
        PluginException p => Of(p.Code),
        StorageException s => Of(s.Code),
        ArgumentException or IOException or UnauthorizedAccessException or FormatException => Usage,
        _ => PluginFailed,
    };
}
