namespace Supervisor.Cli;

/// <summary>The streams a run of the CLI uses, and whether they are terminals (for prompts and status lines).</summary>
internal sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool InputIsTerminal, bool ErrorIsTerminal);
