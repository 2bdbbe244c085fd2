using System.CommandLine;
using Supervisor.Plugins;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Redis;

namespace Supervisor.Cli;

/// <summary>The <c>supervisor</c> command line: its commands, options and exit codes.</summary>
internal static class CliApp
{
    /// <summary>Where compiled plugins are cached unless <c>--cache</c> says otherwise.</summary>
    public static string DefaultCacheDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify) is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"), "supervisor", "cache");

    /// <summary>Parses <paramref name="args"/>, runs the command, and returns the exit code.</summary>
    public static int Run(string[] args, CliConsole console)
    {
        var plugins = new Option<string>("--plugins")
        {
            Description = "The plugin directory: <dir>/<service>/<plugin>.wasm (or .wat)",
            HelpName = "DIR",
            DefaultValueFactory = _ => "./plugins",
        };
        var store = new Option<string?>("--store")
        {
            Description = "The store: a SQLite file path, or a URI such as redis://host:port/db when that backend is available "
                + "[default: <local app data>/supervisor/<domain>/store.db]",
            HelpName = "PATH|URI",
            Recursive = true,
        };
        var domain = new Option<string>("--domain")
        {
            Description = "The supervisor domain whose default store is used when --store is not given",
            HelpName = "NAME",
            DefaultValueFactory = _ => "default",
            Recursive = true,
        };
        var chain = new Option<string>("--chain")
        {
            Description = "The chain id records are kept under (separates networks)",
            HelpName = "ID",
            DefaultValueFactory = _ => "local",
            Recursive = true,
        };
        var caller = new Option<string>("--caller")
        {
            Description = "The app that makes the calls (the first sender)",
            HelpName = "APP",
            DefaultValueFactory = _ => "cli",
        };
        var cache = new Option<string>("--cache")
        {
            Description = "Where compiled plugins are cached",
            HelpName = "DIR",
            DefaultValueFactory = _ => DefaultCacheDirectory,
        };
        var bytesAs = new Option<string>("--bytes-as")
        {
            Description = "How list<u8> values are printed: base64 (a base64 string), array (an array of numbers), or text "
                + "(a UTF-8 string when valid, else an array; then a string argument for a list<u8> is also read as text, not base64)",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => "base64",
        };
        bytesAs.AcceptOnlyFromAmong("base64", "array", "text");
        var timeout = new Option<string?>("--timeout")
        {
            Description = "How long one call may run, e.g. 10s or 500ms [default: 10s]",
            HelpName = "DURATION",
        };
        var memoryLimit = new Option<string?>("--memory-limit")
        {
            Description = "Most memory one plugin instance may hold per linear memory, e.g. 256MiB [default: 256MiB]",
            HelpName = "SIZE",
        };
        var maxCallDepth = new Option<int?>("--max-call-depth")
        {
            Description = "Deepest chain of plugin-to-plugin calls [default: 16]",
            HelpName = "N",
        };

        var concurrent = new Option<string[]>("--concurrent-plugin")
        {
            Description = "A plugin (service name) that handles concurrency itself and runs without turns, in parallel instances; repeat for several [default: none: every plugin runs one operation at a time per store]",
            HelpName = "SERVICE",
            AllowMultipleArgumentsPerToken = false,
        };

        var root = new RootCommand(
            "Supervisor for .NET: runs psibase-style WebAssembly plugins and gives each its private client-side storage.\n"
            + "Arguments are JSON mapped to each parameter's WIT type; results print as JSON on stdout.\n"
            + "Exit codes: 0 success, 1 a plugin failed (trap, limit, err result, refused import), 2 bad usage or arguments.");
        // The store options apply to every command (recursive); the call options only to the commands that load plugins,
        // so a command's help lists only what applies to it.
        var verbose = new Option<bool>("--verbose") { Description = "Say which configuration file applies (supervisor.json in the working directory), on stderr", Recursive = true };
        foreach (var o in new Option[] { store, domain, chain }) root.Options.Add(o);
        root.Options.Add(verbose);
        Option[] callOptions = [plugins, caller, cache, bytesAs, timeout, memoryLimit, maxCallDepth, concurrent];
        void AddCallOptions(Command command)
        {
            foreach (var o in callOptions) command.Options.Add(o);
        }

        // supervisor.json and SUPERVISOR__* fill what the command line leaves out (PDP-CLI-25), read once per run.
        CliConfiguration? configuration = null;
        Settings SettingsOf(ParseResult r)
        {
            if (configuration is null)
            {
                configuration = CliConfiguration.Load(Directory.GetCurrentDirectory());
                if (configuration.Ignored is { } ignored) console.Error.WriteLine($"warning: {ignored}");
                if (r.GetValue(verbose))
                    console.Error.WriteLine(configuration.Used is { } used ? $"configuration: {used} (and SUPERVISOR__* variables)" : "configuration: no supervisor.json here; SUPERVISOR__* variables only");
            }
            var config = configuration;
            T Pick<T>(Option<T> option, string key, Func<string, T> parse)
            {
                if (r.GetResult(option) is { Implicit: false } || config[key] is not { } text) return r.GetValue(option)!;
                try
                {
                    return parse(text);
                }
                catch (FormatException e)
                {
                    throw new ArgumentException($"{config.SourceOf(key)}: {e.Message}", e);
                }
            }
            var concurrentPlugins = r.GetResult(concurrent) is { Implicit: false } ? r.GetValue(concurrent) ?? [] : [.. config.List("ConcurrentPlugins")];
            return new(
                Pick(plugins, "PluginDirectory", t => t), Pick(store, "Storage:Location", t => t), Pick(domain, "Storage:Domain", t => t),
                Pick(chain, "ChainId", t => t), Pick(caller, "DefaultCaller", t => t), Pick(cache, "CacheDirectory", t => t),
                r.GetValue(bytesAs) switch { "array" => ByteListFormat.Array, "text" => ByteListFormat.Text, _ => ByteListFormat.Base64 },
                Pick(timeout, "CallTimeout", t => t), Pick(memoryLimit, "MemoryLimit", t => t),
                Pick(maxCallDepth, "MaxCallDepth", t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)), concurrentPlugins);
        }

        // call
        var target = new Argument<string>("target") { Description = "The function: <service>:<plugin>/<interface>.<function>" };
        var callArgs = new Argument<string[]>("args")
        {
            Description = "One JSON value per parameter, e.g. '\"text\"' 42 '[1,2]' '{\"ok\":null}' (put -- before arguments that start with '-')",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var call = new Command("call", "Calls a plugin function once (a session of one call) and prints its result as JSON");
        call.Arguments.Add(target);
        call.Arguments.Add(callArgs);
        call.SetAction(r => CliErrors.Guard(console, () =>
        {
            using var session = new Session(SettingsOf(r), console);
            return session.Open() ?? session.Execute(r.GetValue(target)!, r.GetValue(callArgs) ?? [], prefix: "");
        }));
        AddCallOptions(call);
        root.Subcommands.Add(call);

        // run
        var script = new Argument<string>("script") { Description = "The script file (- reads standard input): one call per line, '#' starts a comment" };
        var keepGoing = new Option<bool>("--keep-going") { Description = "Run every line even after a failure (the exit code still reports the first failure)" };
        var run = new Command("run",
            "Runs a script of calls in one session: each line is a call in the syntax of 'call' without the word 'call' "
            + "(<target> followed by JSON arguments); prints each result as a JSON line; stops at the first failure");
        run.Arguments.Add(script);
        run.Options.Add(keepGoing);
        run.SetAction(r => CliErrors.Guard(console, () =>
        {
            var path = r.GetValue(script)!;
            TextReader reader;
            try
            {
                reader = path == "-" ? console.In : new StreamReader(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.Error.WriteLine($"error: cannot read script \"{path}\": {e.Message}");
                return ExitCodes.Usage;
            }
            using (path == "-" ? null : reader)
            {
                using var session = new Session(SettingsOf(r), console);
                return session.Open() ?? session.RunScript(reader, r.GetValue(keepGoing), interactive: false);
            }
        }));
        AddCallOptions(run);
        root.Subcommands.Add(run);

        // shell
        var shell = new Command("shell",
            "Reads calls from standard input, one per line in the syntax of 'run', in one session; "
            + "keeps going after failures; 'exit' or end of input ends it");
        shell.SetAction(r => CliErrors.Guard(console, () =>
        {
            var settings = SettingsOf(r);
            using var session = new Session(settings, console);
            if (session.Open() is { } failed) return failed;
            // On the process's own terminal, lines are edited in place, with history and completion.
            TextReader input = console.InputIsTerminal && ReferenceEquals(console.In, Console.In)
                ? Shell.LineEditorReader.ForTerminal(new Shell.TargetCompletion(settings.Plugins, session.Describe)) ?? console.In
                : console.In;
            return session.RunScript(input, keepGoing: true, interactive: console.InputIsTerminal);
        }));
        AddCallOptions(shell);
        root.Subcommands.Add(shell);

        // plugin inspect
        var file = new Argument<string>("file") { Description = "A component file (.wasm or .wat), inside a plugin directory or not" };
        var json = new Option<bool>("--json") { Description = "Print the description as JSON" };
        var inspect = new Command("inspect",
            "Compiles a plugin (without running it) and prints its imports with the import check's verdict and its exports "
            + "with WIT-like signatures; exits 1 when an import would be refused");
        inspect.Arguments.Add(file);
        inspect.Options.Add(json);
        AddCallOptions(inspect);
        inspect.SetAction(r => CliErrors.Guard(console, () => Inspect.Run(SettingsOf(r), r.GetValue(file)!, r.GetValue(json), console)));
        var plugin = new Command("plugin", "Commands about plugin files");
        plugin.Subcommands.Add(inspect);
        root.Subcommands.Add(plugin);
        root.Subcommands.Add(Storage.StorageCommand.Create(SettingsOf, console));
        root.Subcommands.Add(WitCommand.Create(console));

        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) console.Error.WriteLine($"error: {e.Message}");
            console.Error.WriteLine("Run 'supervisor --help' (or 'supervisor <command> --help') for usage.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
    }
}

/// <summary>The global options of one run.</summary>
internal sealed record Settings(string Plugins, string? Store, string Domain, string Chain, string Caller, string Cache, ByteListFormat Bytes,
    string? Timeout = null, string? MemoryLimit = null, int? MaxCallDepth = null, IReadOnlyList<string>? ConcurrentPlugins = null);
