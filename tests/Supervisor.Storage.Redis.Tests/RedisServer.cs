using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>
/// A <c>redis-server</c> of the test's own on a free loopback port, with its data in a temporary
/// folder: AOF on, <c>appendfsync always</c>, no RDB snapshots. A missing <c>redis-server</c>
/// fails the tests (it never skips them): CI installs it.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly TempDirectory? _ownedDir;
    private readonly string[] _extraArgs;
    private Process? _process;

    /// <summary>Starts a server in a fresh folder.</summary>
    public RedisServer(params string[] extraArgs) : this(null, extraArgs)
    {
    }

    private RedisServer(string? dir, string[] extraArgs)
    {
        _extraArgs = extraArgs;
        if (dir is null)
        {
            _ownedDir = new TempDirectory();
            dir = _ownedDir.Path;
        }
        Directory = dir;
        // A port free when looked at may be taken before the server binds it (an outgoing connection's ephemeral port),
        // so a start that fails for that reason tries another port.
        var cluster = extraArgs.Contains("--cluster-enabled");
        for (var attempt = 1; ; attempt++)
        {
            Port = cluster ? ClusterPort() : FreePort();
            try
            {
                Start();
                return;
            }
            catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    /// <summary>The data folder.</summary>
    public string Directory { get; }

    /// <summary>The loopback port.</summary>
    public int Port { get; private set; }

    /// <summary>A store location on this server with a fresh prefix (a fresh, empty store).</summary>
    public string NewLocation(string? query = null) =>
        $"redis://127.0.0.1:{Port}/0?prefix=t{Guid.NewGuid():n}" + (query is null ? "" : "&" + query);

    /// <summary>The path of the <c>redis-server</c> executable; throws (failing the test) when it is missing.</summary>
    public static string Executable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var p = Path.Combine(dir, "redis-server");
            if (File.Exists(p)) return p;
        }
        throw new InvalidOperationException(
            "redis-server is not installed, so the Redis backend cannot be tested: install it (apt-get install -y redis-server; .ci/run does this)");
    }

    /// <summary>Starts (or restarts) the server on the same folder and port.</summary>
    public void Start()
    {
        var psi = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (var a in new[]
                 {
                     "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory, "--appendonly", "yes",
                     "--appendfsync", "always", "--save", "", "--daemonize", "no", "--protected-mode", "no",
                     "--logfile", "", "--databases", "16",
                 })
            psi.ArgumentList.Add(a);
        foreach (var a in _extraArgs) psi.ArgumentList.Add(a);
        var output = new StringBuilder();
        var p = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start");
        p.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (p.HasExited)
                throw new InvalidOperationException($"redis-server exited with {p.ExitCode}: {Tail(output)}");
            if (Ping()) return;
            Thread.Sleep(50);
        }
        Kill();
        throw new InvalidOperationException($"redis-server did not answer PING within 20 s: {Tail(output)}");
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            var s = output.ToString();
            return s.Length > 2000 ? s[^2000..] : s;
        }
    }

    /// <summary>True when the server answers PING (and is not loading its data); a password-protected one answers NOAUTH.</summary>
    public bool Ping() => Command("PING") is { } r && (r == "+PONG" || r.StartsWith("-NOAUTH", StringComparison.Ordinal));

    /// <summary>Sends one inline command and returns the first line of the reply (null when unreachable).</summary>
    public string? Command(string inline)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            client.ReceiveTimeout = 5000;
            var stream = client.GetStream();
            stream.Write(Encoding.ASCII.GetBytes(inline + "\r\n"));
            var buf = new byte[4096];
            var n = stream.Read(buf);
            var reply = Encoding.ASCII.GetString(buf, 0, n);
            var end = reply.IndexOf("\r\n", StringComparison.Ordinal);
            return end < 0 ? reply : reply[..end];
        }
        catch (SocketException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Sends one inline command and returns the whole reply as text (empty when unreachable).</summary>
    public string CommandAll(string inline)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            client.ReceiveTimeout = 5000;
            var stream = client.GetStream();
            stream.Write(Encoding.ASCII.GetBytes(inline + "\r\n"));
            var buf = new byte[65536];
            var n = stream.Read(buf);
            return Encoding.ASCII.GetString(buf, 0, n);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return "";
        }
    }

    /// <summary>Kills the server with SIGKILL (no chance to flush anything) and waits for it to exit.</summary>
    public void Kill()
    {
        var p = _process;
        _process = null;
        if (p is null) return;
        try
        {
            if (!p.HasExited) p.Kill(); // SIGKILL on Unix
            p.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
        p.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill();
        _ownedDir?.Dispose();
    }

    /// <summary>
    /// A port for a cluster node, whose bus listens on the port plus 10000: both below the ephemeral range (32768 and up on
    /// Linux), where outgoing connections take ports at any time, and both free now.
    /// </summary>
    private static int ClusterPort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20000, 22768);
            if (IsFree(port) && IsFree(port + 10000)) return port;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            l.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}

/// <summary>One server shared by the tests of a collection; each test uses its own prefix.</summary>
public sealed class RedisServerFixture : IDisposable
{
    /// <summary>The server.</summary>
    public RedisServer Server { get; } = new();

    /// <inheritdoc />
    public void Dispose() => Server.Dispose();
}

/// <summary>The tests that share <see cref="RedisServerFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "redis";
}
