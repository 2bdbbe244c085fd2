namespace Supervisor.Cli;

/// <summary>The streams a run of the CLI uses, and whether they are terminals (for prompts and status lines).</summary>
/// <param name="In">Standard input (the shell's lines, <c>run -</c>).</param>
/// <param name="Out">Standard output (results).</param>
/// <param name="Error">Standard error (messages, the status line).</param>
/// <param name="InputIsTerminal">Whether the shell prompts.</param>
/// <param name="ErrorIsTerminal">Whether status lines are shown.</param>
/// <param name="StatusDelay">How long slow work (a first compile) runs before a status line appears on a terminal; default 300 ms.</param>
internal sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool InputIsTerminal, bool ErrorIsTerminal, TimeSpan? StatusDelay = null);
