using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Cli;

/// <summary>The process exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Success = 0;

    /// <summary>A plugin failed: it trapped, hit a limit, returned an <c>err</c> result, or could not be loaded (invalid component, refused import).</summary>
    public const int PluginFailed = 1;

    /// <summary>Bad usage: unknown command or option, malformed target, no such plugin or function, arguments that do not fit, a store that cannot be opened.</summary>
    public const int Usage = 2;

    /// <summary>The exit code for a plugin-layer failure.</summary>
    public static int Of(PluginErrorCode code) => code switch
    {
        PluginErrorCode.InvalidTarget or PluginErrorCode.PluginNotFound or PluginErrorCode.InvalidPluginName
            or PluginErrorCode.FunctionNotFound or PluginErrorCode.InvalidArguments => Usage,
        _ => PluginFailed,
    };

    /// <summary>The exit code for any exception the CLI reports.</summary>
    public static int Of(Exception e) => e switch
    {
        PluginException p => Of(p.Code),
        StorageException or ArgumentException or IOException or UnauthorizedAccessException => Usage,
        _ => PluginFailed,
    };
}
