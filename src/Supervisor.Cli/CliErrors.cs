using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Cli;

/// <summary>How the CLI turns a failure into a message on stderr and an exit code (<see cref="ExitCodes"/>).</summary>
internal static class CliErrors
{
    /// <summary>Whether <paramref name="e"/> is a failure the CLI reports as a message (anything else is a bug and escapes).</summary>
    public static bool IsReported(Exception e) =>
        e is PluginException or StorageException or ArgumentException or IOException or UnauthorizedAccessException or FormatException;

    /// <summary>Runs a command body; a reported failure becomes <c>error: ...</c> on stderr and its exit code.</summary>
    public static int Guard(CliConsole console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsReported(e))
        {
            return Report(console, e);
        }
        finally
        {
            console.Out.Flush();
        }
    }

    /// <summary>Writes <c>error: ...</c> for <paramref name="e"/> (after <paramref name="prefix"/>) and returns its exit code.</summary>
    public static int Report(CliConsole console, Exception e, string prefix = "")
    {
        console.Error.WriteLine($"{prefix}error: {Describe(e)}");
        return ExitCodes.Of(e);
    }

    /// <summary>Runs a setter, prefixing a validation failure with the option's name.</summary>
    public static void Set(string option, Action set)
    {
        try
        {
            set();
        }
        catch (Exception e) when (e is ArgumentException or StorageException)
        {
            throw new ArgumentException($"{option}: {FirstSentence(e)}", e);
        }
    }

    /// <summary>A message for the user: no exception type names, no stack.</summary>
    public static string Describe(Exception e) => e switch
    {
        StorageException s when s.Code == StorageErrorCode.UnknownBackend => $"--store: {s.Message}",
        ArgumentException a => FirstSentence(a),
        _ => e.Message,
    };

    private static string FirstSentence(Exception e) => e is ArgumentException a && a.ParamName is not null
        ? a.Message.Replace($" (Parameter '{a.ParamName}')", "", StringComparison.Ordinal)
        : e.Message;
}
