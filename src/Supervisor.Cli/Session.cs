using Supervisor.Plugins.Configuration;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Cli;

/// <summary>One supervisor session (one process): opens the store once and runs calls against it.</summary>
internal sealed partial class Session(Settings settings, CliConsole console) : IDisposable
{
    private static readonly JsonSerializerOptions LineJson = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private KeyValueStore? _store;
    private PluginSupervisor? _supervisor;

    /// <summary>Opens the session; returns null on success or the exit code after printing why it failed.</summary>
    public int? Open()
    {
        try
        {
            _store = StoreOpener.Open(settings, console);
            var options = CreateOptions(settings);
            options.Store = _store;
            options.LoggerFactory = new ErrorLog(console.Error);
            _supervisor = PluginSupervisor.Create(options);
            return null;
        }
        catch (Exception e) when (CliErrors.IsReported(e))
        {
            return CliErrors.Report(console, e);
        }
    }

    /// <summary>Supervisor options from the global settings other than the store (which the caller opens and sets).</summary>
    public static SupervisorOptions CreateOptions(Settings settings)
    {
        var options = new SupervisorOptions();
        CliErrors.Set("--plugins", () => options.PluginDirectory = settings.Plugins);
        CliErrors.Set("--chain", () => options.ChainId = settings.Chain);
        CliErrors.Set("--caller", () => options.DefaultCaller = settings.Caller);
        CliErrors.Set("--cache", () => options.CacheDirectory = settings.Cache);
        if (settings.Timeout is { } timeout) CliErrors.Set("--timeout", () => options.CallTimeout = Units.ParseDuration(timeout));
        if (settings.MemoryLimit is { } memory) CliErrors.Set("--memory-limit", () => options.MemoryLimitBytes = Units.ParseSize(memory));
        if (settings.MaxCallDepth is { } depth) CliErrors.Set("--max-call-depth", () => options.MaxCallDepth = depth);
        foreach (var service in settings.ConcurrentPlugins ?? []) CliErrors.Set("--concurrent-plugin", () => options.ConcurrentPlugins.Add(service));
        return options;
    }

    /// <summary>Runs one call; prints its result (or error) and returns the exit code. <paramref name="prefix"/> goes before error messages.</summary>
    public int Execute(string targetText, IReadOnlyList<string> args, string prefix)
    {
        var supervisor = _supervisor ?? throw new InvalidOperationException("the session is not open");
        try
        {
            if (targetText.Contains('(')) return ExecuteWave(supervisor, targetText, args);
            var target = CallTarget.Parse(targetText);
            FunctionSignature signature;
            using (new StatusLine(console, $"compiling plugin {target.Service}:{target.Plugin} (first use; cached afterwards)..."))
            {
                signature = supervisor.GetSignature(target);
            }
            var json = ParseArguments(target, signature, args);
            var result = supervisor.CallJson(target, json, bytes: settings.Bytes);
            if (signature.Result is not null) console.Out.WriteLine(Format(result));
            return ExitCodes.Success;
        }
        catch (Exception e) when (CliErrors.IsReported(e))
        {
            if (e is PluginException { Code: PluginErrorCode.ErrorResult, ErrorValue: JsonNode err }) console.Out.WriteLine(Format(err));
            else if (e is PluginException { Code: PluginErrorCode.ErrorResult, ErrorValue: string wave }) console.Out.WriteLine(wave);
            return CliErrors.Report(console, e, prefix);
        }
        finally
        {
            console.Out.Flush();
        }
    }

    /// <summary>A call written in WAVE, <c>target(arguments)</c>: its result is printed in WAVE too.</summary>
    private int ExecuteWave(PluginSupervisor supervisor, string call, IReadOnlyList<string> args)
    {
        if (args.Count > 0)
            throw new PluginException(PluginErrorCode.InvalidArguments,
                $"a call in WAVE syntax carries its arguments in its parentheses; {args.Count} more argument(s) were given after it: {Shorten(string.Join(' ', args))}");
        // The target alone first: compiling a plugin (seconds, once) shows a status line, as for a JSON call.
        var target = CallTarget.Parse(call[..call.IndexOf('(')].Trim());
        using (new StatusLine(console, $"compiling plugin {target.Service}:{target.Plugin} (first use; cached afterwards)..."))
        {
            supervisor.GetSignature(target);
        }
        if (supervisor.CallWave(call) is { } result) console.Out.WriteLine(result);
        return ExitCodes.Success;
    }

    private static List<JsonElement> ParseArguments(CallTarget target, FunctionSignature signature, IReadOnlyList<string> args)
    {
        var result = new List<JsonElement>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            try
            {
                using var doc = JsonDocument.Parse(args[i]);
                result.Add(doc.RootElement.Clone());
            }
            catch (JsonException e)
            {
                var what = i < signature.Parameters.Count ? $"argument {i + 1} ({signature.Parameters[i]})" : $"argument {i + 1}";
                var hint = i < signature.Parameters.Count && signature.Parameters[i].Type == "string" && !args[i].StartsWith('"')
                    ? $"; a string needs JSON quotes inside the shell's: '\"{args[i]}\"'"
                    : "";
                throw new PluginException(PluginErrorCode.InvalidArguments,
                    $"{what} of {target} is not valid JSON: {Shorten(args[i])} ({FirstLine(e.Message)}){hint}", e);
            }
        }
        return result;
    }

    private static string Shorten(string s) => s.Length > 60 ? s[..57] + "..." : s;

    private static string FirstLine(string s)
    {
        var i = s.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (i < 0) i = s.IndexOf(" Path:", StringComparison.Ordinal);
        return (i > 0 ? s[..i] : s).TrimEnd('.', ' ');
    }

    /// <summary>One JSON value on one line.</summary>
    public static string Format(JsonNode? node) =>
        node is null ? "null" : EscapedPair().Replace(node.ToJsonString(LineJson), m =>
            char.ConvertFromUtf32(char.ConvertToUtf32((char)Convert.ToInt32(m.Groups[1].Value, 16), (char)Convert.ToInt32(m.Groups[2].Value, 16))));

    /// <summary>A \uD8xx\uDCxx escape (System.Text.Json escapes every character outside the BMP) not preceded by an escaping backslash.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=(?:^|[^\\])(?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")]
    private static partial System.Text.RegularExpressions.Regex EscapedPair();

    /// <summary>
    /// Runs calls read line by line: blank lines and lines starting with '#' are skipped. Returns 0 when every call
    /// succeeded, else the exit code of the first failure.
    /// </summary>
    public int RunScript(TextReader reader, bool keepGoing, bool interactive)
    {
        var first = ExitCodes.Success;
        var number = 0;
        while (true)
        {
            // A line editor draws its own prompt.
            if (interactive && reader is not Shell.LineEditorReader)
            {
                console.Out.Write("supervisor> ");
                console.Out.Flush();
            }
            var line = reader.ReadLine();
            if (line is null) break;
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            if (text is "exit" or "quit") break;
            if (interactive && text is "help")
            {
                console.Out.WriteLine("<service>:<plugin>/<interface>.<function> [JSON ARG ...]  or  <target>(WAVE args)   call a function; Tab completes a target, up/down recall lines; 'exit' ends the session");
                continue;
            }
            var prefix = interactive ? "" : $"line {number}: ";
            int code;
            try
            {
                var (target, args) = ScriptLine.Split(text);
                code = Execute(target, args, prefix);
            }
            catch (FormatException e)
            {
                console.Error.WriteLine($"{prefix}error: {e.Message}");
                code = ExitCodes.Usage;
            }
            if (code != ExitCodes.Success)
            {
                if (first == ExitCodes.Success) first = code;
                if (!keepGoing) break;
            }
        }
        return first;
    }

    /// <summary>Describes a plugin of the open session (for completion).</summary>
    public PluginDescription Describe(string service, string plugin) =>
        (_supervisor ?? throw new InvalidOperationException("the session is not open")).Describe(service, plugin);

    /// <inheritdoc />
    public void Dispose()
    {
        // The supervisor runs on the store, so it goes first.
        _supervisor?.Dispose();
        _store?.Dispose();
    }
}
