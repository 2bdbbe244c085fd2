using RadLine;
using Spectre.Console;

namespace Supervisor.Cli.Shell;

/// <summary>
/// The shell's input on a terminal: a line editor (RadLine) with cursor keys, history (up and down arrows) and Tab
/// completion of call targets, so editing keys never reach a call as escape codes. Reads as a <see cref="TextReader"/>,
/// so the shell's loop is the same for a terminal, a pipe and a script.
/// </summary>
internal sealed class LineEditorReader : TextReader
{
    private readonly LineEditor _editor;

    /// <param name="console">Where the prompt and the line being edited are drawn.</param>
    /// <param name="input">Where keys come from (null: the process's console).</param>
    /// <param name="completion">Completions for the word at the cursor.</param>
    public LineEditorReader(IAnsiConsole console, IInputSource? input, ITextCompletion completion)
    {
        _editor = new LineEditor(console, input) { Prompt = new LineEditorPrompt("supervisor> ", "... "), Completion = completion };
        // One line at a time: the arrows walk the history instead of moving between lines of a multi-line buffer.
        _editor.KeyBindings.Add<PreviousHistoryCommand>(ConsoleKey.UpArrow, (ConsoleModifiers?)null);
        _editor.KeyBindings.Add<NextHistoryCommand>(ConsoleKey.DownArrow, (ConsoleModifiers?)null);
    }

    /// <summary>A reader over the process's terminal, or null when the terminal cannot be edited in place.</summary>
    public static LineEditorReader? ForTerminal(ITextCompletion completion) =>
        LineEditor.IsSupported(AnsiConsole.Console) ? new LineEditorReader(AnsiConsole.Console, null, completion) : null;

    /// <summary>The next line (the editor keeps it in its history), or null when input ends.</summary>
    public override string? ReadLine() => _editor.ReadLine(CancellationToken.None).GetAwaiter().GetResult();
}
