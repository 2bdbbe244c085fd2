using static Supervisor.Cli.Tests.CliSandbox;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>
/// The storage commands as a user meets them: the real executable in a child process, stdin and stdout as pipes
/// (line ends, format detection, clone conflicts, Redis errors, per-command help).
/// </summary>
public sealed class StorageOutsideTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    private CliResult Storage(string store, string? input, params string[] args) => Cli.Process(input, ["storage", .. args, "--store", store]);

    private void Seed(string store, params string[] keys)
    {
        foreach (var k in keys) Ok(Storage(store, null, "set", "--chain", "local", "--service", "svc", "--bucket", "b", k, $"value of {k}"));
    }

    [Fact, Rule("PDP-CLI-11")]
    public void ExportOfALocalStorageDump_ToStandardOutput_EndsWithANewline()
    {
        Seed(_box.Store, "a", "b");
        var dump = Ok(Storage(_box.Store, null, "export", "--format", "localstorage", "--out", "-")).Out;
        Assert.StartsWith("{", dump);
        Assert.EndsWith("}" + Environment.NewLine, dump);
        Assert.Single(dump.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"local:non-trx:svc:b:a\":", dump);
    }

    [Fact, Rule("PDP-CLI-11")]
    public void Import_WithoutFormat_TellsEachFormatFromTheContent_AndFormatOverrides()
    {
        Seed(_box.Store, "a", "b");
        var dump = Ok(Storage(_box.Store, null, "export", "--format", "localstorage", "--out", "-")).Out;
        var archive = Ok(Storage(_box.Store, null, "export", "--out", "-")).Out;

        // From standard input, with no --format: each is read as what it is.
        var fromDump = _box.File("from-dump.db");
        Assert.Equal("imported 2 records, skipped 0", Ok(Storage(fromDump, dump, "import", "-")).Out.Trim());
        var fromArchive = _box.File("from-archive.db");
        Assert.Equal("imported 2 records, skipped 0", Ok(Storage(fromArchive, archive, "import", "-")).Out.Trim());
        Assert.Equal("value of b", Ok(Storage(fromDump, null, "get", "--chain", "local", "--service", "svc", "--bucket", "b", "b")).Out.Trim());
        Assert.Equal("value of a", Ok(Storage(fromArchive, null, "get", "--chain", "local", "--service", "svc", "--bucket", "b", "a")).Out.Trim());

        // From a file, too.
        var file = _box.File("dump.json");
        File.WriteAllText(file, dump);
        Assert.Equal("imported 2 records, skipped 0", Ok(Storage(_box.File("from-file.db"), null, "import", file)).Out.Trim());

        // --format overrides what the content says: the dump read as JSON Lines is refused at its first line.
        var forced = Storage(_box.File("forced.db"), dump, "import", "-", "--format", "jsonl");
        Assert.True(forced.ExitCode == 2, forced.ToString());
        Assert.Contains("archive line 1", forced.Err);
        var forcedOther = Storage(_box.File("forced2.db"), archive, "import", "-", "--format", "localstorage");
        Assert.True(forcedOther.ExitCode == 2, forcedOther.ToString());
        Assert.Contains("LocalStorage dump", forcedOther.Err);
    }

    [Fact, Rule("PDP-CLI-12", "PDP-SYNC-5")]
    public void CloneConflict_NamesTheRecordAsTheUserKnowsIt_NotAnArchiveLine()
    {
        Seed(_box.Store, "k1");
        var target = _box.File("target.db");
        Ok(Storage(_box.Store, null, "clone", "--to", target));
        var conflict = Storage(_box.Store, null, "clone", "--to", target);
        Assert.True(conflict.ExitCode == 1, conflict.ToString());
        Assert.Contains("record \"k1\" in local:non-trx:svc:b already exists in the target store", conflict.Err);
        Assert.DoesNotContain("archive", conflict.Err);
        Assert.DoesNotContain("line", conflict.Err);
    }

    [Fact, Rule("PDP-CLI-5", "PDP-REDIS-1")]
    public void AnUnreachableRedisPort_SaysWhatFailedAndWhatToCheck_WithoutTheDriversAdvice()
    {
        // Nothing listens on port 1.
        foreach (var args in new[] { new[] { "storage", "list", "--store", "redis://127.0.0.1:1/0?timeout=500" },
                     ["call", "walpha:plugin/api.ping", "--plugins", _box.Plugins, "--cache", _box.Cache, "--store", "redis://127.0.0.1:1/0?timeout=500"] })
        {
            var r = Cli.Process(null, args);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains("cannot connect to the Redis store at 127.0.0.1:1", r.Err);
            Assert.Contains("check that redis-server runs there", r.Err);
            Assert.DoesNotContain("abortConnect", r.Err, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("AbortOnConnectFail", r.Err);
            Assert.DoesNotContain("multiplexer", r.Err, StringComparison.OrdinalIgnoreCase);
            Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    public static TheoryData<string> StorageSubcommands => new() { "export", "import", "clone", "list", "usage", "clear", "get", "set", "delete", "keys" };

    [Theory, Rule("PDP-CLI-13")]
    [MemberData(nameof(StorageSubcommands))]
    public void HelpOfAStorageCommand_ListsOnlyTheOptionsThatApply(string command)
    {
        var help = Ok(Cli.Process(null, "storage", command, "--help")).Out;
        foreach (var callOnly in new[] { "--plugins", "--caller", "--cache", "--bytes-as", "--timeout", "--memory-limit", "--max-call-depth", "--concurrent-plugin" })
            Assert.DoesNotContain(callOnly, help);
        foreach (var storeOption in new[] { "--store", "--domain", "--chain" })
            Assert.Contains(storeOption, help);
    }

    [Fact, Rule("PDP-CLI-1")]
    public void HelpOfCall_StillListsTheCallOptions()
    {
        var help = Ok(Cli.Process(null, "call", "--help")).Out;
        foreach (var option in new[] { "--plugins", "--caller", "--cache", "--bytes-as", "--timeout", "--memory-limit", "--max-call-depth", "--concurrent-plugin", "--store", "--chain" })
            Assert.Contains(option, help);
        var misplaced = Cli.Process(null, "storage", "list", "--plugins", _box.Plugins, "--store", _box.Store);
        Assert.True(misplaced.ExitCode == 2, misplaced.ToString());
        Assert.Contains("--plugins", misplaced.Err);
    }
}
