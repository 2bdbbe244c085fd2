using static Supervisor.Cli.Tests.CliSandbox;
using System.Text.Json.Nodes;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary><c>supervisor storage</c>: export, import, clone, list, usage and clear, their formats and exit codes.</summary>
public sealed class StorageCommandTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    /// <summary>Runs the CLI against the sandbox's plugins and cache but another store file.</summary>
    private CliResult On(string store, params string[] args) => _box.RunOn(store, null, args);

    private CliResult OnWithInput(string store, string input, params string[] args) => _box.RunOn(store, input, args);

    private void Set(string store, params (string Key, string Value)[] records) => _box.SetWalpha(store, records);

    /// <summary>walpha's value of <paramref name="key"/> through a call (JSON: base64 string or null).</summary>
    private string Get(string store, string key) => Ok(On(store, "call", "walpha:plugin/api.get", $"\"{key}\"")).Out.Trim();

    private static string B64(string text) => $"\"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text))}\"";

    /// <summary>Everything <c>storage list --json</c> says at each level.</summary>
    private string Listing(string store)
    {
        var lines = new List<string> { Ok(On(store, "storage", "list", "--all-chains", "--json")).Out.Trim() };
        foreach (var chain in JsonNode.Parse(lines[0])!.AsArray())
        {
            var c = chain!["chain"]!.GetValue<string>();
            var services = Ok(On(store, "storage", "list", "--chain", c, "--json")).Out.Trim();
            lines.Add(services);
            foreach (var service in JsonNode.Parse(services)!.AsArray())
                lines.Add(Ok(On(store, "storage", "list", "--chain", c, "--service", service!["service"]!.GetValue<string>(), "--json")).Out.Trim());
        }
        return string.Join('\n', lines);
    }

    [Fact, Rule("PDP-SEC-5")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Export_WritesAnOwnerOnlyArchive_AndASharedStoreGivesAWarning()
    {
        Set(_box.Store, ("k1", "one"));
        var archive = _box.File("private.jsonl");
        Assert.DoesNotContain("warning:", Ok(On(_box.Store, "storage", "export", "--out", archive)).Err);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(archive));

        File.SetUnixFileMode(_box.Store, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var listed = Ok(On(_box.Store, "storage", "list"));
        Assert.Contains($"warning: the store {_box.Store} can be read or written by other users of this machine (mode 644)", listed.Err);
        var called = Ok(On(_box.Store, "call", "walpha:plugin/api.get", "\"k1\""));
        Assert.Contains("warning: the store", called.Err);
        Assert.Contains("chmod 600", called.Err);
    }

    [Fact, Rule("PDP-CLI-12", "PDP-SYNC-3", "PDP-SYNC-6")]
    public void ImportOfALocalStorageDump_ResolvesConflictsByEachPolicy()
    {
        Set(_box.Store, ("a", "archive"), ("b", "archive"));
        var dump = _box.File("dump.json");
        Ok(_box.Run("storage", "export", "--format", "localstorage", "--out", dump));
        var other = _box.File("other-ls.db");
        Set(other, ("a", "target"));

        var fail = On(other, "storage", "import", dump, "--format", "localstorage");
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains("already exists (policy fail); nothing was imported", fail.Err);
        Assert.Equal("null", Get(other, "b"));

        Assert.Equal("imported 1 record, skipped 1", Ok(On(other, "storage", "import", dump, "--format", "localstorage", "--on-conflict", "skip")).Out.Trim());
        Assert.Equal(B64("target"), Get(other, "a"));
        Assert.Equal(B64("archive"), Get(other, "b"));

        Assert.Equal("imported 2 records, skipped 0", Ok(On(other, "storage", "import", dump, "--format", "localstorage", "--on-conflict", "overwrite")).Out.Trim());
        Assert.Equal(B64("archive"), Get(other, "a"));
    }

    [Fact, Rule("PDP-CLI-11", "PDP-CLI-12")]
    public void ALocalStorageDump_IsToldFromItsContent_AndEndsItsLineOnStandardOutput()
    {
        Set(_box.Store, ("a", "one"), ("b", "two"));
        var dump = Ok(_box.Run("storage", "export", "--format", "localstorage", "--out", "-")).Out;
        Assert.EndsWith("}\n", dump.ReplaceLineEndings("\n"));
        var file = _box.File("dump-no-format.json");
        File.WriteAllText(file, dump);

        var other = _box.File("detected.db");
        Assert.Equal("imported 2 records, skipped 0", Ok(On(other, "storage", "import", file)).Out.Trim());
        Assert.Equal(B64("two"), Get(other, "b"));

        var third = _box.File("detected-stdin.db");
        Assert.Equal("imported 2 records, skipped 0", Ok(OnWithInput(third, dump, "storage", "import", "-")).Out.Trim());

        // --format still overrides: read as JSON Lines, the dump is refused at its first line.
        var forced = On(_box.File("forced.db"), "storage", "import", file, "--format", "jsonl");
        Assert.Equal(2, forced.ExitCode); // a malformed archive (PDP-CLI-12)
        Assert.Contains("archive line 1", forced.Err);
    }

    [Fact, Rule("PDP-CLI-11", "PDP-SYNC-4")]
    public void Export_ThenImportIntoAnotherStore_RoundTrips()
    {
        Set(_box.Store, ("k1", "one"), ("a:b", "two"), ("\u00e9t\u00e9", "summer"));
        Set(_box.Store, ("k1", "uno"));
        var archive = _box.File("archive.jsonl");
        var export = Ok(_box.Run("storage", "export", "--out", archive, "--json"));
        Assert.Equal("""{"records":3,"file":"ARCHIVE","format":"jsonl"}""".Replace("ARCHIVE", archive.Replace("\\", "\\\\")), export.Out.Trim());
        var lines = File.ReadAllLines(archive);
        Assert.StartsWith("{\"format\":\"supervisor-storage\",\"version\":1", lines[0]);
        Assert.Equal("{\"end\":true,\"records\":3}", lines[^1]);

        var other = _box.File("other.db");
        var import = Ok(On(other, "storage", "import", archive));
        Assert.Equal("imported 3 records, skipped 0", import.Out.Trim());
        Assert.Equal(Listing(_box.Store), Listing(other));
        Assert.Contains("\"service\":\"walpha\",\"items\":3", Listing(other));
        Assert.Equal(B64("uno"), Get(other, "k1"));
        Assert.Equal(B64("two"), Get(other, "a:b"));
        Assert.Equal(B64("summer"), Get(other, "\u00e9t\u00e9"));
        Assert.Equal("null", Get(other, "missing"));
    }

    [Fact, Rule("PDP-CLI-11")]
    public void Export_ToStdout_AndImport_FromStdin()
    {
        Set(_box.Store, ("k", "v"));
        var export = Ok(_box.Run("storage", "export", "--out", "-"));
        Assert.Equal(3, export.Lines.Length);
        Assert.Equal("", export.Err);
        var other = _box.File("other.db");
        Assert.Equal("{\"imported\":1,\"skipped\":0}", Ok(OnWithInput(other, export.Out, "storage", "import", "-", "--json")).Out.Trim());
        Assert.Equal(B64("v"), Get(other, "k"));
    }

    [Fact, Rule("PDP-CLI-11", "PDP-SYNC-6")]
    public void LocalStorageFormat_ShowsPsibaseKeys_AndImports()
    {
        Set(_box.Store, ("k1", "hi"), ("x:y", "colon"));
        var dump = Ok(_box.Run("storage", "export", "--format", "localstorage", "--out", "-", "--chain", "local")).Out.Trim();
        var o = JsonNode.Parse(dump)!.AsObject();
        Assert.Equal(["local:non-trx:clientdata:walpha:k1", "local:non-trx:clientdata:walpha:x:y"], o.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("aGk=", o["local:non-trx:clientdata:walpha:k1"]!.GetValue<string>());

        var file = _box.File("dump.json");
        File.WriteAllText(file, dump);
        var other = _box.File("other.db");
        Ok(On(other, "storage", "import", file, "--format", "psibase-localstorage"));
        Assert.Equal(B64("colon"), Get(other, "x:y"));
        Assert.Equal(Listing(_box.Store), Listing(other));
    }

    [Fact, Rule("PDP-CLI-12", "PDP-SYNC-3")]
    public void Import_ConflictPolicies()
    {
        Set(_box.Store, ("a", "archive"), ("b", "archive"));
        var archive = _box.File("archive.jsonl");
        Ok(_box.Run("storage", "export", "--out", archive));
        var other = _box.File("other.db");
        Set(other, ("a", "target"));

        var fail = On(other, "storage", "import", archive); // fail is the default
        Assert.Equal(1, fail.ExitCode);
        Assert.Contains("already exists (policy fail); nothing was imported", fail.Err);
        Assert.Contains("archive line 2", fail.Err);
        Assert.Equal(B64("target"), Get(other, "a"));
        Assert.Equal("null", Get(other, "b"));
        Assert.Equal(1, On(other, "storage", "import", archive, "--on-conflict", "fail").ExitCode);

        Assert.Equal("imported 1 record, skipped 1", Ok(On(other, "storage", "import", archive, "--on-conflict", "skip")).Out.Trim());
        Assert.Equal(B64("target"), Get(other, "a"));
        Assert.Equal(B64("archive"), Get(other, "b"));

        Assert.Equal("imported 2 records, skipped 0", Ok(On(other, "storage", "import", archive, "--on-conflict", "overwrite")).Out.Trim());
        Assert.Equal(B64("archive"), Get(other, "a"));

        var bad = On(other, "storage", "import", archive, "--on-conflict", "merge");
        Assert.Equal(2, bad.ExitCode);
    }

    [Theory, Rule("PDP-CLI-12", "PDP-SYNC-2")]
    [InlineData(2, "{\"chain\":\"local\",\"mode\":\"non-trx\",\"service\":\"clientdata\"", "archive line 2: is not a JSON object")]
    [InlineData(3, "{\"chain\":\"local\",\"mode\":\"non-trx\",\"service\":\"clientdata\",\"bucket\":\"walpha\",\"key\":\"k\",\"value\":\"%%%\"}", "archive line 3: value is missing or not base64")]
    [InlineData(4, null, "archive line 3: the archive is truncated")]
    [InlineData(1, "{\"format\":\"supervisor-storage\",\"version\":9}", "archive line 1: format version 9 is not supported")]
    public void Import_OfAMalformedArchive_Exits2_NamesTheLine_AndWritesNothing(int line, string? replacement, string expected)
    {
        Set(_box.Store, ("a", "1"), ("b", "2"));
        var archive = _box.File("archive.jsonl");
        Ok(_box.Run("storage", "export", "--out", archive));
        var lines = File.ReadAllLines(archive).ToList();
        if (replacement is null) lines.RemoveAt(line - 1); else lines[line - 1] = replacement;
        File.WriteAllLines(archive, lines);

        var other = _box.File("other.db");
        var r = On(other, "storage", "import", archive);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.Contains("nothing was imported", r.Err);
        Assert.StartsWith($"error: {archive}: archive line", r.Err);
        Assert.Equal("[]", Ok(On(other, "storage", "list", "--all-chains", "--json")).Out.Trim());
    }

    [Fact, Rule("PDP-CLI-12")]
    public void Import_OfAMissingFile_OrABadLocalStorageEntry_Exits2()
    {
        var other = _box.File("other.db");
        var missing = On(other, "storage", "import", _box.File("nope.jsonl"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("cannot read archive", missing.Err);

        var dump = _box.File("dump.json");
        File.WriteAllText(dump, """{"local:non-trx:clientdata:walpha:k":"aGk=","local:sometimes:x:y:z":"aGk="}""");
        var bad = On(other, "storage", "import", dump, "--format", "localstorage");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("entry \"local:sometimes:x:y:z\"", bad.Err);
        Assert.Equal("[]", Ok(On(other, "storage", "list", "--all-chains", "--json")).Out.Trim());
    }

    [Fact, Rule("PDP-CLI-11", "PDP-SYNC-5")]
    public void Clone_FromOneStoreToAnother_WithFromAndTo()
    {
        var source = _box.File("from.db");
        Set(source, ("k1", "one"));
        var target = _box.File("to.db");

        var r = Ok(Cli.InProcess(null, ["storage", "clone", "--from", source, "--to", target]));

        Assert.Equal($"cloned 1 record (chain local) into {target}, skipped 0", r.Out.Trim());
        Assert.Equal(B64("one"), Get(target, "k1"));
        var both = Cli.InProcess(null, ["storage", "clone", "--from", source, "--store", _box.Store, "--to", _box.File("x.db")]);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("name two sources", both.Err);
    }

    [Fact, Rule("PDP-CLI-11", "PDP-SYNC-5")]
    public void Clone_SqliteToSqlite_CopiesEverything_AndRefusesItself()
    {
        Set(_box.Store, ("k1", "one"), ("k2", "two"));
        var other = _box.File("clone.db");
        var r = Ok(_box.Run("storage", "clone", "--to", other));
        Assert.Equal($"cloned 2 records (chain local) into {other}, skipped 0", r.Out.Trim());
        Assert.Equal(Listing(_box.Store), Listing(other));
        Assert.Equal(B64("two"), Get(other, "k2"));

        Set(_box.Store, ("k1", "changed"));
        var conflict = _box.Run("storage", "clone", "--to", other);
        Assert.Equal(1, conflict.ExitCode);
        // No archive was named by the user: the conflict is named by its record.
        Assert.Contains("record \"k1\" in local:non-trx:clientdata:walpha already exists in the target store (policy fail); nothing was cloned", conflict.Err);
        Assert.DoesNotContain("archive line", conflict.Err);
        var onTerminal = Cli.InProcess(null, ["storage", "clone", "--to", other, "--store", _box.Store], errorIsTerminal: true, statusDelay: TimeSpan.Zero);
        Assert.Equal(1, onTerminal.ExitCode);
        Assert.Contains("nothing was cloned", onTerminal.Err);
        Assert.Equal(B64("one"), Get(other, "k1"));
        Assert.Equal("{\"imported\":2,\"skipped\":0,\"to\":\"OTHER\"}".Replace("OTHER", other.Replace("\\", "\\\\")),
            Ok(_box.Run("storage", "clone", "--to", other, "--on-conflict", "overwrite", "--json")).Out.Trim());
        Assert.Equal(B64("changed"), Get(other, "k1"));

        var self = _box.Run("storage", "clone", "--to", _box.Store);
        Assert.Equal(2, self.ExitCode);
        Assert.Contains("is the source store itself", self.Err);

        var none = _box.File("none.db");
        Ok(_box.Run("storage", "clone", "--to", none, "--chain", "elsewhere"));
        Assert.Equal("[]", Ok(On(none, "storage", "list", "--all-chains", "--json")).Out.Trim());
    }

    [Fact, Rule("PDP-CLI-13")]
    public void List_And_Usage_ShowCountsAndBytes()
    {
        Assert.Equal("no chain holds records", Ok(_box.Run("storage", "list", "--all-chains")).Out.Trim());
        Assert.Equal("no service holds records on chain local", Ok(_box.Run("storage", "list")).Out.Trim());
        Set(_box.Store, ("k1", "hi"), ("k2", "there"));
        Assert.Equal(["CHAIN  ITEMS  SIZE", "local      2  11 B"], Ok(_box.Run("storage", "list", "--all-chains")).Lines);
        Assert.Equal("[{\"chain\":\"local\",\"items\":2,\"bytes\":11}]", Ok(_box.Run("storage", "list", "--all-chains", "--json")).Out.Trim());
        Assert.Equal(["SERVICE  ITEMS  SIZE", "walpha       2  11 B"], Ok(_box.Run("storage", "list", "--chain", "local")).Lines);
        Assert.Equal(Ok(_box.Run("storage", "list", "--chain", "local")).Out, Ok(_box.Run("storage", "list")).Out); // --chain defaults to local
        // walpha's records are the ones clientdata keeps for it (PDP-ADMIN-3); clientdata has none of its own.
        Assert.Equal(["SERVICE     MODE     BUCKET  ITEMS  SIZE", "clientdata  non-trx  walpha      2  11 B"],
            Ok(_box.Run("storage", "list", "--chain", "local", "--service", "walpha")).Lines);
        Assert.Equal("[{\"service\":\"clientdata\",\"mode\":\"non-trx\",\"bucket\":\"walpha\",\"items\":2,\"bytes\":11}]",
            Ok(_box.Run("storage", "list", "--chain", "local", "--service", "walpha", "--json")).Out.Trim());
        Assert.Equal("clientdata holds no records on chain local", Ok(_box.Run("storage", "list", "--service", "clientdata")).Out.Trim());

        var usage = Ok(_box.Run("storage", "usage", "--chain", "local", "--service", "walpha", "--json")).Out.Trim();
        var u = JsonNode.Parse(usage)!;
        Assert.Equal(2, u["items"]!.GetValue<long>());
        Assert.Equal(11, u["bytes"]!.GetValue<long>());
        Assert.Equal("walpha on chain local: 2 items of 100,000, 11 B of 10.0 MiB", Ok(_box.Run("storage", "usage", "--chain", "local", "--service", "walpha")).Out.Trim());

        // Tables and summaries in human units; JSON in bytes.
        Ok(_box.Run("storage", "set", "--chain", "local", "--service", "svc", "--bucket", "b", "big", new string('x', 1300)));
        Assert.Contains("svc          1  1.3 KiB", Ok(_box.Run("storage", "list", "--chain", "local")).Lines);
        Assert.Contains("\"service\":\"svc\",\"items\":1,\"bytes\":1303", Ok(_box.Run("storage", "list", "--chain", "local", "--json")).Out);

        Assert.Equal(2, _box.Run("storage", "usage", "--chain", "local").ExitCode);
        // --chain defaults to local here as everywhere: --service alone is enough.
        Assert.Equal(Ok(_box.Run("storage", "usage", "--chain", "local", "--service", "walpha")).Out, Ok(_box.Run("storage", "usage", "--service", "walpha")).Out);
        Assert.Equal(Ok(_box.Run("storage", "list", "--chain", "local", "--service", "clientdata")).Out, Ok(_box.Run("storage", "list", "--service", "clientdata")).Out);
        var both = _box.Run("storage", "list", "--all-chains", "--chain", "local");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--all-chains and --chain \"local\"", both.Err);
        var allWithService = _box.Run("storage", "export", "--all-chains", "--service", "walpha", "--out", "-");
        Assert.Equal(2, allWithService.ExitCode);
        Assert.Contains("--service \"walpha\" needs one chain", allWithService.Err);
        var badChain = _box.Run("storage", "list", "--chain", "no such chain");
        Assert.Equal(2, badChain.ExitCode);
        Assert.StartsWith("error: --chain:", badChain.Err);
    }

    [Fact, Rule("PDP-ADMIN-3", "PDP-CLI-11", "PDP-CLI-13")]
    public void AServicesData_IsItsOwnBucketsAndItsClientData_InListExportCloneAndClear()
    {
        Set(_box.Store, ("k1", "from walpha"));
        Ok(_box.Run("storage", "set", "--service", "walpha", "--bucket", "own", "o1", "own record"));
        Ok(_box.Run("storage", "set", "--service", "wbeta", "--bucket", "own", "b1", "beta's"));

        Assert.DoesNotContain(Ok(_box.Run("storage", "list")).Lines, l => l.StartsWith("clientdata", StringComparison.Ordinal));
        Assert.Contains("\"service\":\"walpha\",\"items\":2", Ok(_box.Run("storage", "list", "--json")).Out);

        var export = Ok(_box.Run("storage", "export", "--service", "walpha", "--out", "-")).Lines;
        Assert.Equal(4, export.Length); // header, 2 records, end
        Assert.Contains(export, l => l.Contains("\"service\":\"clientdata\",\"bucket\":\"walpha\",\"key\":\"k1\"", StringComparison.Ordinal));
        Assert.Contains(export, l => l.Contains("\"service\":\"walpha\",\"bucket\":\"own\",\"key\":\"o1\"", StringComparison.Ordinal));

        var clone = _box.File("walpha-only.db");
        Assert.Equal($"cloned 2 records (service walpha on chain local) into {clone}, skipped 0", Ok(_box.Run("storage", "clone", "--service", "walpha", "--to", clone)).Out.Trim());
        Assert.Equal(B64("from walpha"), Get(clone, "k1"));
        Assert.Equal("[{\"service\":\"walpha\",\"items\":2,\"bytes\":25}]", Ok(On(clone, "storage", "list", "--json")).Out.Trim());

        Assert.Equal("cleared 2 records of service walpha on chain local", Ok(_box.Run("storage", "clear", "--service", "walpha", "--yes")).Out.Trim());
        Assert.Equal("null", Get(_box.Store, "k1"));
        Assert.Equal("[{\"service\":\"wbeta\",\"items\":1,\"bytes\":8}]", Ok(_box.Run("storage", "list", "--json")).Out.Trim());
    }

    [Fact, Rule("PDP-CLI-13")]
    public void Clear_WithoutYes_IsRefused_WithYes_Deletes()
    {
        Set(_box.Store, ("k1", "hi"));
        var refused = _box.Run("storage", "clear", "--chain", "local");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("add --yes to confirm (nothing was deleted)", refused.Err);
        Assert.Equal(B64("hi"), Get(_box.Store, "k1"));

        Assert.Equal("{\"chain\":\"local\",\"service\":\"walpha\",\"cleared\":1}",
            Ok(_box.Run("storage", "clear", "--chain", "local", "--service", "walpha", "--yes", "--json")).Out.Trim());
        Assert.Equal("null", Get(_box.Store, "k1"));
        Set(_box.Store, ("k1", "hi"));
        Assert.Equal("cleared 1 record of chain local", Ok(_box.Run("storage", "clear", "--yes")).Out.Trim()); // --chain defaults to local
        Assert.Equal("[]", Ok(_box.Run("storage", "list", "--all-chains", "--json")).Out.Trim());
    }

    [Fact, Rule("PDP-CLI-13")]
    public void Help_DescribesEveryStorageCommand()
    {
        var help = Ok(Cli.InProcess(null, ["storage", "--help"])).Out;
        foreach (var command in new[] { "export", "import", "clone", "list", "usage", "clear" }) Assert.Contains(command, help);
        Assert.Contains("Exit codes", help);
        Assert.Contains("--on-conflict", Ok(Cli.InProcess(null, ["storage", "import", "--help"])).Out);
        Assert.Contains("--yes", Ok(Cli.InProcess(null, ["storage", "clear", "--help"])).Out);
        Assert.Contains("localstorage", Ok(Cli.InProcess(null, ["storage", "export", "--help"])).Out);
        Assert.Contains("--to", Ok(Cli.InProcess(null, ["storage", "clone", "--help"])).Out);
        var noOut = Cli.InProcess(null, ["storage", "export"]);
        Assert.Equal(2, noOut.ExitCode);
    }

    /// <summary>get/set/delete on walpha's clientdata bucket (chain local, non-trx) of <paramref name="store"/>.</summary>
    private CliResult Record(string store, params string[] args) =>
        On(store, [.. args.Take(2), "--chain", "local", "--service", "clientdata", "--bucket", "walpha", .. args.Skip(2)]);

    [Fact, Rule("PDP-CLI-14")]
    public void GetSetDelete_ReadAndWriteWhatPluginsSee()
    {
        Set(_box.Store, ("k1", "from the plugin"));
        Assert.Equal("from the plugin", Ok(Record(_box.Store, "storage", "get", "k1")).Out.TrimEnd('\n', '\r'));
        Assert.Equal("""{"key":"k1","value":"from the plugin","encoding":"utf8"}""", Ok(Record(_box.Store, "storage", "get", "k1", "--json")).Out.Trim());

        var set = Ok(Record(_box.Store, "storage", "set", "k2", "h\u00e9llo"));
        Assert.Equal("set \"k2\" in bucket walpha (non-trx) of service clientdata on chain local (6 B)", set.Out.Trim());
        Assert.Equal(B64("h\u00e9llo"), Get(_box.Store, "k2"));
        Assert.Equal("""{"key":"k2","bytes":1}""", Ok(Record(_box.Store, "storage", "set", "k2", "AA==", "--base64", "--json")).Out.Trim());
        Assert.Equal("\"AA==\"", Get(_box.Store, "k2"));

        var binary = Ok(Record(_box.Store, "storage", "get", "k2"));
        Assert.Equal("AA==", binary.Out.Trim());
        Assert.Contains("shown as base64", binary.Err);
        var binaryJson = Ok(Record(_box.Store, "storage", "get", "k2", "--json"));
        Assert.Equal("""{"key":"k2","value":"AA==","encoding":"base64"}""", binaryJson.Out.Trim());
        Assert.Equal("", binaryJson.Err);
        Ok(Record(_box.Store, "storage", "set", "k3", "/w==", "--base64")); // 0xFF: not UTF-8
        Assert.Contains("\"encoding\":\"base64\"", Ok(Record(_box.Store, "storage", "get", "k3", "--json")).Out);

        Assert.Equal("{\"key\":\"k2\",\"deleted\":true}", Ok(Record(_box.Store, "storage", "delete", "k2", "--json")).Out.Trim());
        Assert.Equal("null", Get(_box.Store, "k2"));
        Assert.Equal("deleted \"k1\" from bucket walpha (non-trx) of service clientdata on chain local", Ok(Record(_box.Store, "storage", "delete", "k1")).Out.Trim());

        var missing = Record(_box.Store, "storage", "get", "k1");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("", missing.Out);
        Assert.Equal("error: no record \"k1\" in bucket walpha (non-trx) of service clientdata on chain local", missing.Err.Trim());
        var deleteMissing = Record(_box.Store, "storage", "delete", "k1");
        Assert.Equal(1, deleteMissing.ExitCode);
        Assert.Contains("nothing was deleted", deleteMissing.Err);

        // trx is another bucket of the same name
        Ok(On(_box.Store, "storage", "set", "--chain", "local", "--service", "svc", "--bucket", "b", "--mode", "trx", "t", "committed"));
        Assert.Equal("committed", Ok(On(_box.Store, "storage", "get", "--chain", "local", "--service", "svc", "--bucket", "b", "--mode", "trx", "t")).Out.Trim());
        Assert.Equal(1, On(_box.Store, "storage", "get", "--chain", "local", "--service", "svc", "--bucket", "b", "t").ExitCode);
        Assert.Contains("\"mode\":\"trx\",\"bucket\":\"b\",\"items\":1", Ok(On(_box.Store, "storage", "list", "--chain", "local", "--service", "svc", "--json")).Out);
    }

    [Fact, Rule("PDP-CLI-14")]
    public void GetSetDelete_BadUsage_Exits2()
    {
        Assert.Equal(2, On(_box.Store, "storage", "get", "--chain", "local", "--service", "clientdata", "k").ExitCode); // no --bucket
        Assert.Equal(1, On(_box.Store, "storage", "get", "--service", "clientdata", "--bucket", "walpha", "k").ExitCode); // chain local; no such key
        Assert.Equal(2, On(_box.Store, "storage", "set", "--chain", "local", "--bucket", "walpha", "k", "v").ExitCode); // no --service
        Assert.Equal(2, Record(_box.Store, "storage", "get").ExitCode); // no key
        Assert.Equal(2, Record(_box.Store, "storage", "set", "k").ExitCode); // no value
        var bad64 = Record(_box.Store, "storage", "set", "k", "%%%", "--base64");
        Assert.Equal(2, bad64.ExitCode);
        Assert.Contains("not base64", bad64.Err);
        Assert.Equal(2, On(_box.Store, "storage", "get", "--chain", "local", "--service", "clientdata", "--bucket", "no/slash", "k").ExitCode);
        Assert.Equal(2, Record(_box.Store, "storage", "get", "k", "--mode", "sometimes").ExitCode);
        Assert.Equal("[]", Ok(_box.Run("storage", "list", "--all-chains", "--json")).Out.Trim());
        var help = Ok(Cli.InProcess(null, ["storage", "--help"])).Out;
        foreach (var command in new[] { "get", "set", "delete" }) Assert.Contains(command, help);
        Assert.Contains("--base64", Ok(Cli.InProcess(null, ["storage", "set", "--help"])).Out);
    }

    /// <summary><c>storage keys</c> on bucket b of service svc (chain local) of the sandbox's store.</summary>
    private CliResult Keys(params string[] args) => _box.Run(["storage", "keys", "--chain", "local", "--service", "svc", "--bucket", "b", .. args]);

    [Fact, Rule("PDP-CLI-19")]
    public void Keys_ListsABucketsKeys_Paged_WithAPrefix()
    {
        foreach (var k in new[] { "b", "a", "abc", "ab", "c", "a\nnewline" })
            Ok(_box.Run("storage", "set", "--chain", "local", "--service", "svc", "--bucket", "b", k, "v"));
        Ok(_box.Run("storage", "set", "--chain", "local", "--service", "svc", "--bucket", "other", "a-elsewhere", "v"));

        Assert.Equal(["a", "\"a\\nnewline\"", "ab", "abc", "b", "c"], Ok(Keys()).Lines);
        Assert.Equal("", Ok(Keys()).Err);
        Assert.Equal(["a", "\"a\\nnewline\"", "ab", "abc"], Ok(Keys("--prefix", "a")).Lines);
        Assert.Equal(["ab", "abc"], Ok(Keys("--prefix", "ab")).Lines);

        var first = Ok(Keys("--limit", "2"));
        Assert.Equal(["a", "\"a\\nnewline\""], first.Lines);
        Assert.Contains("more keys follow; the next page: --after \"a\\nnewline\"", first.Err);
        Assert.Equal(["ab", "abc"], Ok(Keys("--limit", "2", "--after", "a\nnewline")).Lines);
        Assert.Equal("""{"keys":["abc","b"],"next":"b"}""", Ok(Keys("--limit", "2", "--after", "ab", "--json")).Out.Trim());
        Assert.Equal("""{"keys":["c"],"next":null}""", Ok(Keys("--after", "b", "--json")).Out.Trim());
        Assert.Equal("""{"keys":["abc"],"next":null}""", Ok(Keys("--prefix", "a", "--after", "ab", "--json")).Out.Trim());
        Assert.Equal("""{"keys":[],"next":null}""", Ok(Keys("--prefix", "zz", "--json")).Out.Trim());
        Assert.Contains("no keys starting with \"zz\"", Ok(Keys("--prefix", "zz")).Err);

        var zero = Keys("--limit", "0");
        Assert.Equal(2, zero.ExitCode);
        Assert.Contains("--limit: 0 is out of range", zero.Err);
        var noBucket = _box.Run("storage", "keys", "--chain", "local", "--service", "svc");
        Assert.Equal(2, noBucket.ExitCode);
        Assert.Contains("storage keys needs --service and --bucket", noBucket.Err);
        var longKey = Keys("--after", new string('k', 300));
        Assert.Equal(2, longKey.ExitCode);
        Assert.StartsWith("error: --after:", longKey.Err);
    }

    private CliResult OnTerminal(string store, params string[] args) =>
        Cli.InProcess(null, [.. args, .. _box.OptionsFor(args, store)], errorIsTerminal: true, statusDelay: TimeSpan.Zero);

    [Fact, Rule("PDP-CLI-15")]
    public void ExportImportClone_ShowProgress_OnlyOnATerminal()
    {
        Set(_box.Store, ("k1", "one"), ("k2", "two"), ("k3", "three"));
        var archive = _box.File("archive.jsonl");
        var export = Ok(OnTerminal(_box.Store, "storage", "export", "--out", archive));
        Assert.StartsWith("exporting: 0 records", export.Err);
        Assert.Contains("\r\u001b[Kexporting: 3 records", export.Err);
        Assert.EndsWith("\r\u001b[K", export.Err);
        Assert.StartsWith("exported 3 records", export.Out);

        var other = _box.File("other.db");
        var import = Ok(OnTerminal(other, "storage", "import", archive));
        Assert.Contains("\r\u001b[Kimporting: 3 records", import.Err);
        Assert.EndsWith("\r\u001b[K", import.Err);
        Assert.Equal("imported 3 records, skipped 0", import.Out.Trim());

        var clone = Ok(OnTerminal(_box.Store, "storage", "clone", "--to", _box.File("clone.db")));
        Assert.Contains("\r\u001b[Kcloning: writing: 3 records", clone.Err);
        Assert.Contains("records/s", clone.Err);
        Assert.EndsWith("\r\u001b[K", clone.Err);
        Assert.Equal(Listing(_box.Store), Listing(_box.File("clone.db")));
        var conflict = OnTerminal(_box.Store, "storage", "clone", "--to", _box.File("clone.db"));
        Assert.Equal(1, conflict.ExitCode);
        Assert.Contains("already exists in the target store (policy fail)", conflict.Err);

        // On a pipe: the same stdout and nothing on stderr.
        var pipe = Ok(On(_box.Store, "storage", "export", "--out", _box.File("pipe.jsonl")));
        Assert.Equal("", pipe.Err);
        Assert.Equal(File.ReadAllText(archive), File.ReadAllText(_box.File("pipe.jsonl")));
        Assert.Equal("", Ok(On(_box.File("other2.db"), "storage", "import", archive)).Err);
        Assert.Equal("", Ok(On(_box.Store, "storage", "clone", "--to", _box.File("clone2.db"))).Err);
        var toStdout = Ok(OnTerminal(_box.Store, "storage", "export", "--out", "-"));
        Assert.Equal(Ok(On(_box.Store, "storage", "export", "--out", "-")).Out, toStdout.Out);
    }
}
