using System.Diagnostics;
using System.Text;

namespace Supervisor.Testing;

/// <summary>
/// Runs tests/Supervisor.Storage.Worker (copied next to the tests by the project reference) as a
/// child process with <c>dotnet Supervisor.Storage.Worker.dll</c>, collecting its output by lines.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly StringBuilder _partial = new();
    private readonly Task _reader;
    private readonly Task<string> _stderr;

    private WorkerProcess(string worker, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, worker + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("the worker is not next to the tests; is the ProjectReference there?", dll);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker");
        _reader = Task.Run(ReadLines);
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts the worker with these arguments.</summary>
    public static WorkerProcess Start(params string[] args) => new("Supervisor.Storage.Worker", args);

    /// <summary>Starts the worker with these environment variables added and these arguments.</summary>
    public static WorkerProcess StartWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new("Supervisor.Storage.Worker", args, environment);

    /// <summary>Starts another worker program next to the tests (<paramref name="worker"/>: its assembly name) with these arguments.</summary>
    public static WorkerProcess StartProgram(string worker, params string[] args) => new(worker, args);

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>Reads stdout; only lines ended by '\n' count (a killed child may leave half a line).</summary>
    private async Task ReadLines()
    {
        var buffer = new char[8192];
        var reader = _process.StandardOutput;
        int n;
        while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (_lines)
            {
                for (var i = 0; i < n; i++)
                {
                    if (buffer[i] == '\n')
                    {
                        _lines.Add(_partial.ToString());
                        _partial.Clear();
                    }
                    else
                    {
                        _partial.Append(buffer[i]);
                    }
                }
            }
        }
    }

    /// <summary>Complete lines printed so far.</summary>
    public int LineCount
    {
        get
        {
            lock (_lines) return _lines.Count;
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Complete lines printed (call after the process ended for all of them).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return _lines.ToList();
        }
    }

    /// <summary>SIGKILL: the process gets no chance to flush or close anything.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // It ended by itself.
        }
    }

    /// <summary>Sends a signal by name (<c>STOP</c>, <c>CONT</c>) with <c>kill</c>: a stopped process keeps its locks and leases but runs nothing.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-s", name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })
            ?? throw new InvalidOperationException("could not run kill");
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -s {name} {_process.Id} exited {kill.ExitCode}");
    }

    /// <summary>Waits for the process and its output; returns the exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"the worker did not finish within {timeout}; output so far: {string.Join("\n", Lines.TakeLast(5))}");
        }
        _reader.Wait(timeout);
        return _process.ExitCode;
    }

    /// <summary>Waits for a successful exit, failing with the worker's stderr otherwise.</summary>
    public IReadOnlyList<string> Succeed(TimeSpan timeout)
    {
        var code = WaitForExit(timeout);
        if (code != 0) throw new InvalidOperationException($"the worker failed with exit code {code}: {_stderr.Result}");
        return Lines;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="processes"/> workers incrementing counter "counter" <paramref name="increments"/> times
    /// and as many doing <paramref name="swaps"/> compare-and-swap increments of "cas", all on one store, and checks
    /// that the increments returned exactly 1..N between them. The caller checks what the store then holds.
    /// </summary>
    public static void RunCountersAgainst(string store, int processes, int increments, int swaps, TimeSpan timeout)
    {
        var workers = Enumerable.Range(0, processes)
            .SelectMany(_ => new[] { Start("increment", store, $"{increments}"), Start("cas", store, $"{swaps}") })
            .ToList();
        try
        {
            var returned = new List<long>();
            foreach (var w in workers)
            {
                var lines = w.Succeed(timeout);
                Assert.StartsWith("done", lines[^1]);
                if (lines.Count == 2) returned.AddRange(lines[0].Split(' ').Select(long.Parse));
            }
            Assert.Equal(Enumerable.Range(1, processes * increments).Select(i => (long)i), returned.Order());
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="threads"/> threads here, each calling <paramref name="call"/> <paramref name="calls"/> times
    /// (with the thread's and the call's index), while <paramref name="workers"/> (started in <c>--repeat</c> mode of the
    /// plugins worker with as many threads and calls) run theirs; each worker must report every call ok. Disposes the workers.
    /// </summary>
    public static void RunAlongside(IReadOnlyList<WorkerProcess> workers, int threads, int calls, Action<int, int> call, TimeSpan timeout)
    {
        try
        {
            var local = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                for (var i = 0; i < calls; i++) call(t, i);
            })).ToList();
            local.ForEach(t => t.Start());
            local.ForEach(t => Assert.True(t.Join(timeout), "a call in this process did not end"));
            foreach (var w in workers) Assert.Equal($"repeat ok={threads * calls} failed=0", Assert.Single(w.Succeed(timeout)));
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }
}
