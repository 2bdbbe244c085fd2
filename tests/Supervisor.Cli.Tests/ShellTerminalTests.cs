using System.Diagnostics;
using System.Text;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>
/// The shell on a real terminal, from outside (PDP-CLI-8): the executable runs under a pseudo-terminal (util-linux's
/// <c>script</c>), and keys are sent as a terminal sends them, each after the prompt it answers has appeared, so the
/// test waits for the program rather than for time.
/// </summary>
public sealed class ShellTerminalTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    [Fact, Rule("PDP-CLI-8")]
    public async Task UpArrow_RecallsTheLastCall_OnARealTerminal_InsteadOfTypingEscapeCodes()
    {
        if (OperatingSystem.IsWindows()) return;
        var script = new[] { "/usr/bin/script", "/bin/script" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("util-linux's `script` is needed for the terminal test (apt-get install bsdutils)");
        var command = string.Join(' ', new[] { "dotnet", Cli.Executable, "shell", "--plugins", _box.Plugins, "--store", _box.Store, "--cache", _box.Cache }
            .Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var psi = new ProcessStartInfo(script)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-qfec", command, "/dev/null" }) psi.ArgumentList.Add(a);
        psi.Environment["TERM"] = "xterm";
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        var reader = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await p.StandardOutput.ReadAsync(buffer)) > 0)
                lock (output) output.Append(buffer, 0, n);
        });
        string Screen()
        {
            lock (output) return output.ToString();
        }
        void WaitFor(Func<string, bool> done, string what)
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!done(Screen()))
            {
                if (p.HasExited || DateTime.UtcNow > deadline) throw new TimeoutException($"{what}; the terminal showed:\n{Screen()}");
                Thread.Sleep(50);
            }
        }
        int Prompts(string s) => s.Split("supervisor> ").Length - 1;
        void Send(string keys)
        {
            p.StandardInput.Write(keys);
            p.StandardInput.Flush();
        }
        try
        {
            WaitFor(s => Prompts(s) >= 1, "no prompt");
            Send("walpha:plugin/api.ping\r");
            WaitFor(s => s.Contains("1\r\n", StringComparison.Ordinal) && Prompts(s[s.IndexOf("1\r\n", StringComparison.Ordinal)..]) >= 1, "no answer to the first call");
            Send("\u001b[A");
            // The recalled line is drawn on the prompt before it is submitted.
            WaitFor(s => s.LastIndexOf("walpha:plugin/api.ping", StringComparison.Ordinal) > s.LastIndexOf("1\r\n", StringComparison.Ordinal), "the up arrow recalled nothing");
            Send("\r");
            WaitFor(s => s.Contains("2\r\n", StringComparison.Ordinal), "the recalled call did not run");
            Send("exit\r");
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)), "the shell did not end at exit");
            Assert.Equal(0, p.ExitCode);
            Assert.DoesNotContain("error", Screen(), StringComparison.Ordinal);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            await reader.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
