using System.Text;
using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Hosting;

/// <summary>A temporary store and compile cache, and supervisors over the WAT fixture plugins.</summary>
public abstract class PluginTestBase : IDisposable
{
    private readonly List<PluginSupervisor> _supervisors = new();

    protected PluginTestBase()
    {
        Dir = new TempDirectory();
        StorePath = Dir.File("store.db");
    }

    protected TempDirectory Dir { get; }

    protected string StorePath { get; }

    /// <summary>The WAT fixture plugin directory copied to the test output.</summary>
    protected static string FixturePlugins => Path.Combine(AppContext.BaseDirectory, "Fixtures", "plugins");

    /// <summary>One compile cache for every test process (CI sets SUPERVISOR_TEST_CACHE).</summary>
    protected static string SharedCache => RepositoryPaths.CompileCache;

    /// <summary>
    /// The byte adapter's setting for tests that do not choose it: on, as in the product, unless
    /// SUPERVISOR_TEST_BYTE_ADAPTER=off (CI runs this project a second time that way: every suite passes with the
    /// adapter on and off).
    /// </summary>
    protected static bool DefaultByteAdapter => !string.Equals(Environment.GetEnvironmentVariable("SUPERVISOR_TEST_BYTE_ADAPTER"), "off", StringComparison.OrdinalIgnoreCase);

    protected PluginSupervisor NewSupervisor(Action<SupervisorOptions>? configure = null)
    {
        var options = new SupervisorOptions
        {
            PluginDirectory = FixturePlugins,
            CacheDirectory = SharedCache,
            Storage = new StorageOptions { Location = StorePath },
            ChainId = "test",
            ByteAdapter = DefaultByteAdapter,
        };
        configure?.Invoke(options);
        var s = PluginSupervisor.Create(options);
        _supervisors.Add(s);
        return s;
    }

    protected static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>A JavaScript test plugin built into artifacts/plugins; fails (never skips) when the plugins have not been built.</summary>
    internal static string JsPlugin(string service, string plugin = "plugin")
    {
        var file = Path.Combine(RepositoryPaths.Root, "artifacts", "plugins", service, plugin + ".wasm");
        if (!File.Exists(file))
            Assert.Fail($"the JavaScript test plugin {file} is missing: run `npm ci && npm run build:plugins` in {RepositoryPaths.Root} before these tests");
        return file;
    }

    /// <summary>
    /// Makes one call in a child process (Supervisor.Plugins.Worker) over this test's store and the shared cache, and
    /// returns its one line (<c>ok ...</c> or <c>error CODE ...</c>); a crash of the child fails the test with its output.
    /// </summary>
    protected string RunPluginWorker(string plugins, params string[] call)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Supervisor.Plugins.Worker.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("the worker is not next to the tests; is the ProjectReference there?", dll);
        var start = new System.Diagnostics.ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var a in new[] { dll, plugins, SharedCache, StorePath, "test" }.Concat(call)) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("could not start the worker");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException($"the worker did not finish within 2 minutes: {string.Join(' ', call)}");
        }
        var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (process.ExitCode is not (0 or 1) || lines.Length != 1)
            throw new InvalidOperationException($"the worker failed (exit code {process.ExitCode}): {stdout.Result}{stderr.Result}");
        return lines[0];
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>Runs <paramref name="body"/> on another thread and fails the test if it has not ended within two minutes (a hang guard, not a timing assertion).</summary>
    protected static T WithinHangGuard<T>(Func<T> body, string what)
    {
        var task = Task.Run(body);
        Assert.True(task.Wait(TimeSpan.FromMinutes(2)), what);
        return task.Result;
    }

    /// <summary>Links a plugin file into a plugin directory of the supervisor's layout.</summary>
    protected static void Link(string target, string link)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, target);
    }

    /// <summary>What clientdata keeps for <paramref name="caller"/>, read straight from the store.</summary>
    protected static byte[]? ClientDataRecord(PluginSupervisor s, string caller, string key)
    {
        using var session = s.Store.OpenSession();
        using var op = session.BeginOperation();
        return op.OpenBucket(s.ChainId, DbMode.NonTransactional, StorageDuration.Persistent, Names.ClientData, caller).Get(key);
    }

    public virtual void Dispose()
    {
        foreach (var s in _supervisors) s.Dispose();
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
