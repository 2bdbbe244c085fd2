using Supervisor.Cli;

return CliApp.Run(args, new CliConsole(Console.In, Console.Out, Console.Error,
    InputIsTerminal: !Console.IsInputRedirected, ErrorIsTerminal: !Console.IsErrorRedirected));
