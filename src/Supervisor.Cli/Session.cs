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

    private PluginSupervisor? _supervisor;

    /// <summary>Opens the session; returns null on success or the exit code after printing why it failed.</summary>
    public int? Open()
    {
        try
        {
            var options = CreateOptions(settings, settings.Store is null ? null : StoreOptions(settings));
            options.LoggerFactory = new ErrorLog(console.Error);
            _supervisor = PluginSupervisor.Create(options);
            if (_supervisor.Store.Backend.AccessWarning is { } warning) console.Error.WriteLine($"warning: {warning}");
            return null;
        }
        catch (Exception e) when (e is StorageException or ArgumentException or IOException or UnauthorizedAccessException or PluginException)
        {
            console.Error.WriteLine($"error: {Describe(e)}");
            return ExitCodes.Usage;
        }
    }

    /// <summary>Supervisor options from the global settings; <paramref name="storage"/> null means the domain's default store.</summary>
    public static SupervisorOptions CreateOptions(Settings settings, StorageOptions? storage)
    {
        var options = new SupervisorOptions();
        Set("--plugins", () => options.PluginDirectory = settings.Plugins);
        Set("--chain", () => options.ChainId = settings.Chain);
        Set("--caller", () => options.DefaultCaller = settings.Caller);
        Set("--cache", () => options.CacheDirectory = settings.Cache);
        if (settings.Timeout is { } timeout) Set("--timeout", () => options.CallTimeout = Units.ParseDuration(timeout));
        if (settings.MemoryLimit is { } memory) Set("--memory-limit", () => options.MemoryLimitBytes = Units.ParseSize(memory));
        if (settings.MaxCallDepth is { } depth) Set("--max-call-depth", () => options.MaxCallDepth = depth);
        foreach (var service in settings.ConcurrentPlugins ?? []) Set("--concurrent-plugin", () => options.ConcurrentPlugins.Add(service));
        Set("--domain", () =>
        {
            storage ??= new StorageOptions();
            storage.Domain = settings.Domain;
        });
        options.Storage = storage!;
        return options;
    }

    private static StorageOptions StoreOptions(Settings settings)
    {
        var s = new StorageOptions();
        Set("--store", () => s.Location = settings.Store);
        return s;
    }

    /// <summary>Runs a setter, prefixing a validation failure with the option's name.</summary>
    private static void Set(string option, Action set)
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

    private static string FirstSentence(Exception e) => e is ArgumentException a && a.ParamName is not null
        ? a.Message.Replace($" (Parameter '{a.ParamName}')", "", StringComparison.Ordinal)
        : e.Message;

    /// <summary>A message for the user: no exception type names, no stack.</summary>
    public static string Describe(Exception e) => e switch
    {
        StorageException s when s.Code == StorageErrorCode.UnknownBackend => $"--store: {s.Message}",
        ArgumentException a => FirstSentence(a),
        _ => e.Message,
    };

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
        catch (PluginException e)
        {
            if (e.Code == PluginErrorCode.ErrorResult && e.ErrorValue is JsonNode err) console.Out.WriteLine(Format(err));
            else if (e.Code == PluginErrorCode.ErrorResult && e.ErrorValue is string wave) console.Out.WriteLine(wave);
            console.Error.WriteLine($"{prefix}error: {Describe(e)}");
            return ExitCodes.Of(e);
        }
        catch (Exception e) when (e is StorageException or ArgumentException or IOException)
        {
            console.Error.WriteLine($"{prefix}error: {Describe(e)}");
            return ExitCodes.Of(e);
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
    public void Dispose() => _supervisor?.Dispose();
}
