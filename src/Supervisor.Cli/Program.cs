using Supervisor.Cli;

// The whole command runs on a thread with room for a chain of plugin calls at the default depth (16 x 576 KiB; see
// the specification's native stack rule), so calls run on it directly instead of handing each one to a sized thread.
var exitCode = 0;
var main = new Thread(() => exitCode = CliApp.Run(args, new CliConsole(Console.In, Console.Out, Console.Error,
    InputIsTerminal: !Console.IsInputRedirected, ErrorIsTerminal: !Console.IsErrorRedirected)), 16 * 1024 * 1024);
main.Start();
main.Join();
return exitCode;
