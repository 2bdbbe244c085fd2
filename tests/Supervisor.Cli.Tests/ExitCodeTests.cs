using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>Exit codes with their messages, status lines, help.</summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    [Fact, Rule("PDP-CLI-3")]
    public void PluginFailures_Exit1()
    {
        var err = _box.Run("call", "walpha:plugin/api.set-then-fail", "\"k\"", "[1]");
        Assert.Equal(1, err.ExitCode);
        Assert.Equal(["{\"err\":\"failed on purpose\"}"], err.Lines);
        Assert.Contains("error: walpha:plugin/api.set-then-fail returned an error: failed on purpose", err.Err);

        var trap = _box.Run("call", "walpha:plugin/api.set-then-trap", "\"k\"", "[1]");
        Assert.Equal(1, trap.ExitCode);
        Assert.Equal("", trap.Out);
        Assert.Contains("error: plugin \"walpha\" trapped in walpha:plugin/api.set-then-trap", trap.Err);
        Assert.Contains("unreachable", trap.Err);

        var refused = _box.Run("call", "wevil:plugin/api.connect", "\"h\"");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("evil:net/socket", refused.Err);
    }

    [Theory, Rule("PDP-CLI-3")]
    [InlineData("not-a-target", "call target \"not-a-target\" is not of the form service:plugin/interface.function")]
    [InlineData("nobody:plugin/api.get", "no plugin \"nobody:plugin\"")]
    [InlineData("walpha:plugin/api.nope", "exports no function walpha:plugin/api.nope; it exports: walpha:plugin/api.set")]
    [InlineData("Bad:plugin/api.get", "service \"Bad\" is not a valid psibase account name")]
    public void BadTargets_Exit2(string target, string message)
    {
        var r = _box.Run("call", target);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(message, r.Err);
    }

    [Fact, Rule("PDP-CLI-3")]
    public void BadUsage_Exits2()
    {
        var none = Cli.InProcess(null, []);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("Required command was not provided", none.Err);
        var unknown = _box.Run("frobnicate");
        Assert.Equal(2, unknown.ExitCode);
        var option = _box.Run("call", "walpha:plugin/api.ping", "--no-such-option");
        Assert.Equal(2, option.ExitCode);
        var chain = _box.Run("call", "walpha:plugin/api.ping", "--chain", "bad chain");
        Assert.Equal(2, chain.ExitCode);
        Assert.Contains("error: --chain: chain id \"bad chain\" is invalid", chain.Err);
        var caller = _box.Run("call", "walpha:plugin/api.ping", "--caller", "Not-An-Account");
        Assert.Equal(2, caller.ExitCode);
        Assert.Contains("--caller:", caller.Err);
        var bytes = _box.Run("call", "walpha:plugin/api.ping", "--bytes-as", "hex");
        Assert.Equal(2, bytes.ExitCode);
    }

    [Fact, Rule("PDP-CLI-3", "PDP-CLI-5")]
    public void StoreUri_UnknownSchemeOrUnreachableServer_Exits2()
    {
        var unknown = Cli.InProcess(null, ["call", "walpha:plugin/api.ping", "--plugins", _box.Plugins, "--cache", _box.Cache, "--store", "nosuch://localhost/0"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("error: --store: cannot open the store: no backend handles \"nosuch://\" store locations; registered:", unknown.Err);
        Assert.Contains("redis://", unknown.Err);
        Assert.Equal("", unknown.Out);
        // Nothing listens on port 1: the Redis backend is there, the server is not.
        var unreachable = Cli.InProcess(null, ["call", "walpha:plugin/api.ping", "--plugins", _box.Plugins, "--cache", _box.Cache, "--store", "redis://127.0.0.1:1/0?timeout=500"]);
        Assert.Equal(2, unreachable.ExitCode);
        Assert.Contains("error:", unreachable.Err);
        Assert.Equal("", unreachable.Out);
    }

    /// <summary>The table of PDP-CLI-3 by storage error code: what the user wrote is usage (2), what the store did is a failure (1).</summary>
    public static TheoryData<StorageErrorCode, int> StorageCodes => new()
    {
        { StorageErrorCode.InvalidServiceName, 2 }, { StorageErrorCode.InvalidBucketName, 2 }, { StorageErrorCode.InvalidChainId, 2 },
        { StorageErrorCode.KeyTooLarge, 2 }, { StorageErrorCode.InvalidKey, 2 }, { StorageErrorCode.ValueTooLarge, 2 },
        { StorageErrorCode.InvalidCursor, 2 }, { StorageErrorCode.InvalidArgument, 2 }, { StorageErrorCode.UnknownBackend, 2 },
        { StorageErrorCode.QuotaExceeded, 1 }, { StorageErrorCode.NotAnInteger, 1 }, { StorageErrorCode.Overflow, 1 },
        { StorageErrorCode.OperationEnded, 1 }, { StorageErrorCode.StoreCorrupt, 1 }, { StorageErrorCode.ForeignStore, 1 },
        { StorageErrorCode.StoreTooNew, 1 }, { StorageErrorCode.BackendFailure, 1 }, { StorageErrorCode.DeadlinePassed, 1 },
        { StorageErrorCode.Conflict, 1 }, { StorageErrorCode.Deadlock, 1 },
    };

    [Theory, Rule("PDP-CLI-3")]
    [MemberData(nameof(StorageCodes))]
    public void StorageErrorCode_MapsToItsRowOfTheTable(StorageErrorCode code, int exit) =>
        Assert.Equal(exit, ExitCodes.Of(new StorageException(code, "x")));

    [Fact, Rule("PDP-CLI-3")]
    public void StorageCodes_CoverEveryStorageErrorCode() =>
        Assert.Equal(Enum.GetValues<StorageErrorCode>().Order(), StorageCodes.Select(row => (StorageErrorCode)row[0]).Order());

    [Fact, Rule("PDP-CLI-3", "PDP-CLI-12")]
    public void AQuotaTheImportWouldBreak_Exits1_NotAsUsage()
    {
        // 110 values of 100 KiB for one owner: over the default 10 MiB quota, each record valid on its own.
        var archive = _box.File("big.jsonl");
        var value = Convert.ToBase64String(new byte[100 * 1024]);
        var lines = new List<string> { "{\"format\":\"supervisor-storage\",\"version\":1,\"chain\":null,\"service\":null}" };
        for (var i = 0; i < 110; i++)
            lines.Add($"{{\"chain\":\"local\",\"mode\":\"non-trx\",\"service\":\"svc\",\"bucket\":\"b\",\"key\":\"k{i}\",\"value\":\"{value}\"}}");
        lines.Add("{\"end\":true,\"records\":110}");
        File.WriteAllLines(archive, lines);
        var r = _box.Run("storage", "import", archive);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("importing would break a quota", r.Err);
        Assert.Equal("[]", _box.Run("storage", "list", "--all-chains", "--json").Out.Trim());
    }

    [Fact, Rule("PDP-CLI-3")]
    public void StorageUsageErrors_Exit2_StoreFailures_Exit1()
    {
        // usage: an invalid name, a store path that names no store, a file that is not a store
        var name = _box.Run("storage", "get", "--chain", "local", "--service", "svc", "--bucket", "no/slash", "k");
        Assert.True(name.ExitCode == 2, name.ToString());
        Assert.Contains("no/slash", name.Err);
        var notADirectory = _box.File("plain-file");
        File.WriteAllText(notADirectory, "x");
        var path = Cli.InProcess(null, ["storage", "list", "--store", Path.Combine(notADirectory, "store.db")]);
        Assert.True(path.ExitCode == 2, path.ToString());
        Assert.Contains("--store: cannot open the store", path.Err);
        var foreign = _box.File("foreign.db");
        File.WriteAllText(foreign, "this is not a SQLite database, just some text that is long enough to have a header");
        var notAStore = Cli.InProcess(null, ["storage", "list", "--store", foreign]);
        Assert.True(notAStore.ExitCode == 2, notAStore.ToString());
        Assert.Contains("--store: cannot open the store", notAStore.Err);

        // failure: a missing record, a conflict
        var missing = _box.Run("storage", "get", "--chain", "local", "--service", "svc", "--bucket", "b", "k");
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.True(_box.Run("storage", "set", "--chain", "local", "--service", "svc", "--bucket", "b", "k", "v").ExitCode == 0);
        var archive = _box.File("a.jsonl");
        Assert.Equal(0, _box.Run("storage", "export", "--out", archive).ExitCode);
        var conflict = _box.Run("storage", "import", archive);
        Assert.True(conflict.ExitCode == 1, conflict.ToString());
        Assert.Contains("already exists", conflict.Err);
    }

    [Fact, Rule("PDP-CLI-3")]
    public void Success_Exits0()
    {
        var r = _box.Run("call", "walpha:plugin/api.ping");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(_box.Run("storage", "list").ExitCode == 0);
    }

    [Fact, Rule("PDP-CLI-5")]
    public void Domain_SelectsTheDefaultStoreFile()
    {
        // No --store: the domain's file under local app data (pointed at the sandbox through XDG_DATA_HOME in a child process).
        var data = _box.File("data");
        var env = new Dictionary<string, string> { ["XDG_DATA_HOME"] = data };
        var set = Cli.Process(null, env, "call", "walpha:plugin/api.set", "\"k\"", "[7]", "--plugins", _box.Plugins, "--cache", _box.Cache, "--domain", "d1");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.True(File.Exists(Path.Combine(data, "supervisor", "d1", "store.db")));
        var same = Cli.Process(null, env, "call", "walpha:plugin/api.get", "\"k\"", "--plugins", _box.Plugins, "--cache", _box.Cache, "--domain", "d1");
        Assert.Equal(["\"Bw==\""], same.Lines);
        var other = Cli.Process(null, env, "call", "walpha:plugin/api.get", "\"k\"", "--plugins", _box.Plugins, "--cache", _box.Cache, "--domain", "d2");
        Assert.Equal(["null"], other.Lines);
    }

    [Fact, Rule("PDP-CLI-10")]
    public void StatusLine_OnlyOnATerminal()
    {
        string[] args = ["call", "wecho:plugin/api.nothing", "--plugins", _box.Plugins, "--store", _box.Store, "--cache", _box.File("fresh-cache")];
        var terminal = Cli.InProcess(null, args, errorIsTerminal: true, statusDelay: TimeSpan.Zero);
        Assert.Equal(0, terminal.ExitCode);
        Assert.StartsWith("compiling plugin wecho:plugin", terminal.Err);
        Assert.EndsWith("\r\u001b[K", terminal.Err);
        var pipe = Cli.InProcess(null, ["call", "wecho:plugin/api.nothing", "--plugins", _box.Plugins, "--store", _box.Store, "--cache", _box.File("fresh-cache-2")]);
        Assert.Equal(0, pipe.ExitCode);
        Assert.Equal("", pipe.Err);
    }

    [Fact, Rule("PDP-CLI-1")]
    public void Help_DescribesEveryCommandAndOption()
    {
        var root = Cli.InProcess(null, ["--help"]);
        Assert.Equal(0, root.ExitCode);
        foreach (var word in new[] { "call", "run", "shell", "plugin", "--store", "--domain", "--chain", "Exit codes" })
            Assert.Contains(word, root.Out);
        var call = Cli.InProcess(null, ["call", "--help"]).Out;
        foreach (var word in new[] { "--plugins", "--store", "--domain", "--chain", "--caller", "--cache", "--bytes-as", "--timeout", "--memory-limit", "--max-call-depth", "--concurrent-plugin" })
            Assert.Contains(word, call);
        foreach (var (command, word) in new[] { ("call", "<target>"), ("run", "--keep-going"), ("shell", "exit"), ("plugin", "inspect") })
        {
            var help = Cli.InProcess(null, [command, "--help"]);
            Assert.Equal(0, help.ExitCode);
            Assert.Contains(word, help.Out);
        }
        var inspect = Cli.InProcess(null, ["plugin", "inspect", "--help"]);
        Assert.Contains("--json", inspect.Out);
    }
}
