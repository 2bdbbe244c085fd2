using RadLine;
using Spectre.Console;
using Supervisor.Cli.Shell;
using Supervisor.Plugins;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>
/// The shell's line editing on a terminal (PDP-CLI-8): keys are fed through RadLine's input seam and drawn on an
/// ANSI console over a string, so arrow keys, history and completion are tested as a user would press them.
/// </summary>
public sealed class ShellLineEditorTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    private sealed class Keys : IInputSource
    {
        private readonly Queue<ConsoleKeyInfo> _keys = new();

        public bool ByPassProcessing => false;

        public Keys Type(string text)
        {
            foreach (var c in text) _keys.Enqueue(new ConsoleKeyInfo(c, 0, false, false, false));
            return this;
        }

        public Keys Press(ConsoleKey key)
        {
            _keys.Enqueue(new ConsoleKeyInfo('\0', key, false, false, false));
            return this;
        }

        public bool IsKeyAvailable() => _keys.Count > 0;

        // The editor asks for a key only after IsKeyAvailable; running out means the test fed too few keys.
        public ConsoleKeyInfo ReadKey() => _keys.Count > 0 ? _keys.Dequeue() : throw new InvalidOperationException("the test ran out of keys");
    }

    private static IAnsiConsole Screen() =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()), Ansi = AnsiSupport.Yes, Interactive = InteractionSupport.Yes });

    private sealed class NoCompletion : ITextCompletion
    {
        public IEnumerable<string> GetCompletions(string prefix, string word, string suffix) => [];
    }

    [Fact, Rule("PDP-CLI-8")]
    public void ArrowKeys_MoveTheCursor_AndRecallHistory_WithoutEscapeCodes()
    {
        var keys = new Keys()
            .Type("walpha:plugin/api.get \"k\"").Press(ConsoleKey.Enter)
            .Type("tdo").Press(ConsoleKey.LeftArrow).Press(ConsoleKey.LeftArrow).Type("o").Press(ConsoleKey.End).Type("!").Press(ConsoleKey.Enter)
            .Press(ConsoleKey.UpArrow).Press(ConsoleKey.UpArrow).Press(ConsoleKey.Enter)
            .Press(ConsoleKey.UpArrow).Press(ConsoleKey.UpArrow).Press(ConsoleKey.DownArrow).Press(ConsoleKey.Enter);
        var reader = new LineEditorReader(Screen(), keys, new NoCompletion());
        Assert.Equal("walpha:plugin/api.get \"k\"", reader.ReadLine());
        Assert.Equal("todo!", reader.ReadLine());
        Assert.Equal("walpha:plugin/api.get \"k\"", reader.ReadLine());
        var last = reader.ReadLine();
        Assert.Equal("walpha:plugin/api.get \"k\"", last);
        Assert.DoesNotContain('\u001b', last!);
    }

    [Fact, Rule("PDP-CLI-8", "PDP-CALL-4")]
    public void Tab_CompletesAServiceThenAFunction()
    {
        var options = PluginSupervisorOptions();
        using var supervisor = PluginSupervisor.Create(options);
        var completion = new TargetCompletion(_box.Plugins, (s, p) => supervisor.Describe(s, p));
        Assert.Equal(["walpha:plugin/"], completion.GetCompletions("", "walp", ""));
        Assert.Contains("walpha:plugin/api.set-then-fail", completion.GetCompletions("", "walpha:plugin/api.set", ""));
        Assert.Contains("walpha:plugin/api.get", completion.GetCompletions("", "walpha/api.g", ""));
        Assert.Empty(completion.GetCompletions("walpha:plugin/api.get ", "wal", ""));
        Assert.Empty(completion.GetCompletions("", "nobody:plugin/api.", ""));

        var keys = new Keys().Type("walp").Press(ConsoleKey.Tab).Type("api.get").Press(ConsoleKey.Enter);
        Assert.Equal("walpha:plugin/api.get", new LineEditorReader(Screen(), keys, completion).ReadLine());
    }

    private SupervisorOptions PluginSupervisorOptions() => new()
    {
        PluginDirectory = _box.Plugins,
        CacheDirectory = _box.Cache,
        Storage = new Supervisor.Storage.StorageOptions { Backend = "memory" },
    };

    [Fact, Rule("PDP-CLI-8")]
    public void Shell_OnAnEditedLine_RunsTheRecalledCallAgain()
    {
        var keys = new Keys()
            .Type("walpha:plugin/api.ping").Press(ConsoleKey.Enter)
            .Press(ConsoleKey.UpArrow).Press(ConsoleKey.Enter)
            .Type("exit").Press(ConsoleKey.Enter);
        var output = new StringWriter();
        var console = new CliConsole(TextReader.Null, output, new StringWriter(), InputIsTerminal: true, ErrorIsTerminal: false);
        var settings = new Settings(_box.Plugins, _box.Store, "default", "local", "cli", _box.Cache, ByteListFormat.Base64);
        using var session = new Session(settings, console);
        Assert.Null(session.Open());
        var code = session.RunScript(new LineEditorReader(Screen(), keys, new NoCompletion()), keepGoing: true, interactive: true);
        Assert.Equal(0, code);
        Assert.Equal(["1", "2"], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
