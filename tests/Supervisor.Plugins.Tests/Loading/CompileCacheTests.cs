using Microsoft.Extensions.Logging.Abstractions;
using Supervisor.Plugins.Loading;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Loading;

/// <summary>
/// Compile-cache entries are native code: only entries this user's supervisor wrote (authenticated with its secret)
/// in a folder only this user can change are ever loaded.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CompileCacheTests : PluginTestBase
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private SupervisorOptions Options(string cache, ListLoggerFactory? logs = null) => new()
    {
        PluginDirectory = FixturePlugins,
        CacheDirectory = cache,
        Storage = new Storage.StorageOptions { Location = StorePath },
        ChainId = "test",
        LoggerFactory = logs,
    };

    private static string KeyOf(string entry) => Path.GetFileNameWithoutExtension(entry);

    [Fact, Rule("PDP-PLUGIN-4")]
    public void AnEntryRenamedToAnotherPluginsKey_IsRefusedAndRecompiled()
    {
        var cache = Dir.File("cache");
        string alphaKey;
        using (var s = PluginSupervisor.Create(Options(cache)))
        {
            s.Call("walpha:plugin/api.ping");
            alphaKey = KeyOf(Assert.Single(Directory.GetFiles(cache, "*.cwasm")));
            s.Call("wbeta:plugin/api.ping");
        }
        var betaKey = KeyOf(Directory.GetFiles(cache, "*.cwasm").Single(f => KeyOf(f) != alphaKey));
        // Plant walpha's compiled code, with its own valid MAC file, under wbeta's key.
        foreach (var ext in new[] { ".cwasm", ".sum" })
            File.Copy(Path.Combine(cache, alphaKey + ext), Path.Combine(cache, betaKey + ext), overwrite: true);

        var logs = new ListLoggerFactory();
        using (var s = PluginSupervisor.Create(Options(cache, logs)))
            Assert.Equal(1u, s.Call("wbeta:plugin/api.ping")); // walpha's code exports no wbeta:plugin/api

        Assert.Contains(logs.Entries, e => e.Message.Contains("is refused", StringComparison.Ordinal) && e.Message.Contains(betaKey, StringComparison.Ordinal));
    }

    [Fact, Rule("PDP-PLUGIN-4")]
    public void AnIndexEntryPointedAtAnotherPluginsEntry_IsNotFollowed()
    {
        var cache = Dir.File("cache");
        string alphaKey, betaKey;
        using (var s = PluginSupervisor.Create(Options(cache)))
        {
            s.Call("walpha:plugin/api.ping");
            alphaKey = KeyOf(Assert.Single(Directory.GetFiles(cache, "*.cwasm")));
            s.Call("wbeta:plugin/api.ping");
            betaKey = KeyOf(Directory.GetFiles(cache, "*.cwasm").Single(f => KeyOf(f) != alphaKey));
        }
        var alphaIndex = Directory.GetFiles(Path.Combine(cache, "keys")).Single(f => File.ReadAllText(f).StartsWith(alphaKey, StringComparison.Ordinal));
        File.WriteAllText(alphaIndex, File.ReadAllText(alphaIndex).Replace(alphaKey, betaKey, StringComparison.Ordinal));

        using var again = PluginSupervisor.Create(Options(cache));
        Assert.Equal(1u, again.Call("walpha:plugin/api.ping")); // wbeta's code exports no walpha:plugin/api
    }

    [Fact, Rule("PDP-PLUGIN-4")]
    public void AnEntryWrittenWithAnotherSecret_IsRefused()
    {
        var cache = Dir.File("cache");
        var writer = CompileCache.Open(cache, Dir.File("secret-a/key"), NullLogger.Instance)!;
        var reader = CompileCache.Open(cache, Dir.File("secret-b/key"), NullLogger.Instance)!;
        var key = new string('a', 64);
        writer.Store(key, [1, 2, 3, 4], [9]);

        Assert.NotNull(writer.TryLoad(key));
        Assert.Null(CompileCache.Open(cache, Dir.File("secret-a/key"), NullLogger.Instance)!.TryLoad(new string('b', 64)));
        Assert.Null(reader.TryLoad(key));
        Assert.False(File.Exists(Path.Combine(cache, key + ".cwasm")), "a refused entry is deleted");
    }

    [Fact, Rule("PDP-PLUGIN-4", "PDP-SEC-5")]
    public void EntriesTheirFolderAndTheSecret_AreOwnerOnly()
    {
        var cache = Dir.File("new/cache");
        var secret = Dir.File("private/compile-cache.key");
        var c = CompileCache.Open(cache, secret, NullLogger.Instance)!;
        var key = new string('c', 64);
        c.Store(key, [1, 2, 3], []);
        c.RememberKey("stamp", key);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(cache, key + ".cwasm")));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(cache, key + ".sum")));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(secret));
        Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(cache));
        Assert.Equal(key, c.KnownKey("stamp"));
    }

    [Fact, Rule("PDP-PLUGIN-4")]
    public void AFolderOthersCanWrite_IsNotUsed_AndPluginsStillRun()
    {
        var cache = Dir.File("shared-cache");
        Directory.CreateDirectory(cache);
        File.SetUnixFileMode(cache, (UnixFileMode)0b111_111_111);
        var logs = new ListLoggerFactory();

        Assert.Null(CompileCache.Open(cache, Dir.File("private/key"), NullLogger.Instance));
        using (var s = PluginSupervisor.Create(Options(cache, logs)))
            Assert.Equal(1u, s.Call("walpha:plugin/api.ping"));

        Assert.Empty(Directory.GetFiles(cache, "*.cwasm"));
        Assert.Contains(logs.Entries, e => e.Message.Contains("is not used", StringComparison.Ordinal) && e.Message.Contains("can be written by other users (mode 777)", StringComparison.Ordinal));
    }

    [Fact, Rule("PDP-PLUGIN-4")]
    public void AFolderAboveThatOthersCanWrite_IsTrustedOnlyWhenSticky()
    {
        var shared = Dir.File("tmp-like");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111);
        var cache = Path.Combine(shared, "cache");

        Assert.Null(CompileCache.Open(cache, Dir.File("private/key"), NullLogger.Instance));
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
        Assert.NotNull(CompileCache.Open(cache, Dir.File("private/key"), NullLogger.Instance));
    }

    [Fact, Rule("PDP-PLUGIN-4")]
    public void ASecretOthersCanRead_IsNotUsed()
    {
        var secret = Dir.File("private/key");
        Assert.NotNull(CompileCache.Open(Dir.File("cache"), secret, NullLogger.Instance));
        File.SetUnixFileMode(secret, OwnerOnly | UnixFileMode.OtherRead);

        Assert.Null(CompileCache.Open(Dir.File("cache"), secret, NullLogger.Instance));
    }
}
