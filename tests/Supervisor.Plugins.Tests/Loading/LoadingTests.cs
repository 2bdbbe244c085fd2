using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.Loading;

public sealed class LoadingTests : PluginTestBase
{
    [Fact, Rule("PDP-PLUGIN-3")]
    public void CompileCache_DamagedEntry_IsRebuiltNotTrusted()
    {
        var cache = Dir.File("cache");
        using (var first = PluginSupervisor.Create(Options(cache)))
            Assert.Equal(1u, first.Call("walpha:plugin/api.ping"));
        var entry = Assert.Single(Directory.GetFiles(cache, "*.cwasm"));
        Assert.True(File.Exists(Path.ChangeExtension(entry, ".sum")));
        var good = File.ReadAllBytes(entry);

        // Flip bytes in the compiled code: a cache that trusted this would run corrupt machine code.
        var damaged = (byte[])good.Clone();
        for (var i = damaged.Length / 2; i < damaged.Length / 2 + 64; i++) damaged[i] ^= 0x5A;
        File.WriteAllBytes(entry, damaged);
        using (var second = PluginSupervisor.Create(Options(cache)))
            Assert.Equal(1u, second.Call("walpha:plugin/api.ping"));
        var rebuilt = File.ReadAllBytes(entry);
        Assert.False(rebuilt.AsSpan().SequenceEqual(damaged));
        Assert.Equal(good.Length, rebuilt.Length);

        File.WriteAllBytes(entry, good[..100]);
        using (var third = PluginSupervisor.Create(Options(cache)))
            Assert.Equal(1u, third.Call("walpha:plugin/api.ping"));
        Assert.Equal(good.Length, new FileInfo(entry).Length);

        // A damaged checksum file (which also carries the adapter's metadata) is not trusted either.
        var sum = Path.ChangeExtension(entry, ".sum");
        var sumBytes = File.ReadAllBytes(sum);
        sumBytes[^1] ^= 0xFF;
        File.WriteAllBytes(sum, sumBytes);
        using (var fourth = PluginSupervisor.Create(Options(cache)))
            Assert.Equal(1u, fourth.Call("walpha:plugin/api.ping"));
        Assert.NotEqual(sumBytes, File.ReadAllBytes(sum));
    }

    [Fact, Rule("PDP-PLUGIN-3")]
    public void CompileCache_KeyDependsOnTheComponentBytes()
    {
        var cache = Dir.File("cache");
        using var s = PluginSupervisor.Create(Options(cache));
        s.Call("walpha:plugin/api.ping");
        s.Call("wbeta:plugin/api.ping");
        Assert.Equal(2, Directory.GetFiles(cache, "*.cwasm").Length);
    }

    [Fact, Rule("PDP-IMPORT-2")]
    public void Wasi_GrantsNoEnvironmentOrArguments()
    {
        var plugins = Dir.File("plugins");
        Directory.CreateDirectory(Path.Combine(plugins, "wenv"));
        var wat = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "wasi-env.wat"))
            .Replace("(export \"count\" (func $count))", "(instance $api (export \"count\" (func $count)))\n  (export \"wenv:plugin/api\" (instance $api))");
        File.WriteAllText(Path.Combine(plugins, "wenv", "plugin.wat"), wat);
        Environment.SetEnvironmentVariable("SUPERVISOR_TEST_SECRET", "must not reach plugins");
        var s = NewSupervisor(o => o.PluginDirectory = plugins);
        var d = s.Describe("wenv");
        Assert.True(d.Allowed);
        Assert.Equal("wasi", Assert.Single(d.Imports).Kind);
        Assert.Equal(0u, s.Call("wenv:plugin/api.count"));
    }

    private SupervisorOptions Options(string cache) => new()
    {
        PluginDirectory = FixturePlugins,
        CacheDirectory = cache,
        Storage = new Storage.StorageOptions { Location = StorePath },
        ChainId = "test",
    };

    [Fact, Rule("PDP-LOAD-1")]
    public void FirstCompile_DoesNotCountAgainstTheCallsTimeLimit()
    {
        var plugins = Path.Combine(RepositoryPaths.Root, "artifacts", "plugins");
        Assert.True(File.Exists(Path.Combine(plugins, "jsnotes", "plugin.wasm")),
            "the JavaScript test plugins are missing: run `npm ci && npm run build:plugins` first");
        // An empty cache: compiling the 12 MB plugin takes several seconds (about 6 here), past the 3 s limit, which also
        // leaves room to create the instance and call it on a loaded machine.
        var s = NewSupervisor(o =>
        {
            o.PluginDirectory = plugins;
            o.CacheDirectory = Dir.File("empty-cache");
            o.CallTimeout = TimeSpan.FromSeconds(3);
        });
        var started = System.Diagnostics.Stopwatch.StartNew();
        s.Call("jsnotes:plugin/api.put", "k", B("v"));
        Assert.True(started.Elapsed > TimeSpan.FromSeconds(3), "the compile was too fast to show anything; the test needs a slower compile");
        Assert.Equal(B("v"), s.Call("jsnotes:plugin/api.fetch", "k"));
    }

    [Fact, Rule("PDP-ERR-1")]
    public void HostFault_IsLogged_AndTheTrapNamesNoHostPath()
    {
        var log = new ListLoggerFactory();
        var store = Storage.KeyValueStore.Create(new Storage.StorageOptions { Location = StorePath });
        var s = NewSupervisor(o =>
        {
            o.Store = store;
            o.LoggerFactory = log;
        });
        s.Call("walpha:plugin/api.set", "k", B("v"));
        store.Dispose(); // the store goes away under the running supervisor: a host fault
        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.get", "k"));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("the host failed", e.Message);
        Assert.DoesNotContain(Dir.Path, e.Message);
        var entry = Assert.Single(log.Entries, x => x.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.IsType<ObjectDisposedException>(entry.Exception);
    }

    [Fact, Rule("PDP-PLUGIN-3")]
    public void CompileCache_AChangedPluginFile_IsNeverServedFromItsOldEntry()
    {
        var cache = Dir.File("cache");
        var plugins = Dir.File("plugins");
        Directory.CreateDirectory(Path.Combine(plugins, "wtest"));
        var file = Path.Combine(plugins, "wtest", "plugin.wat");
        var wat = File.ReadAllText(Path.Combine(FixturePlugins, "walpha", "plugin.wat")).Replace("walpha", "wtest");
        File.WriteAllText(file, wat);
        SupervisorOptions Opts() => new() { PluginDirectory = plugins, CacheDirectory = cache, Storage = new Storage.StorageOptions { Location = StorePath } };
        using (var first = PluginSupervisor.Create(Opts()))
            Assert.Equal("failed on purpose", Assert.Throws<PluginException>(() => first.Call("wtest:plugin/api.set-then-fail", "k", B("v"))).ErrorValue);
        using (var again = PluginSupervisor.Create(Opts()))
            Assert.Equal("failed on purpose", Assert.Throws<PluginException>(() => again.Call("wtest:plugin/api.set-then-fail", "k", B("v"))).ErrorValue);

        // Same length, new content: the index of known files must notice the new modification time.
        File.WriteAllText(file, wat.Replace("failed on purpose", "FAILED ON PURPOSE"));
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        using (var changed = PluginSupervisor.Create(Opts()))
            Assert.Equal("FAILED ON PURPOSE", Assert.Throws<PluginException>(() => changed.Call("wtest:plugin/api.set-then-fail", "k", B("v"))).ErrorValue);
    }
}
